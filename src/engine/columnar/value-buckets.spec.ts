import fc from 'fast-check';
import { toDayNumber } from 'src/common/calendar/day-number';
import { buildColumnarLayout } from 'src/engine/columnar/columnar-layout';
import { monthExtentsOf } from 'src/engine/columnar/month-extents';
import { CountrySpans, MonthSpanBatch, ValueBuckets } from 'src/engine/columnar/value-buckets';
import type { SalesColumns } from 'src/engine/sales-columns';

interface Row {
  readonly country: number;
  readonly day: number;
  readonly value: number;
}

const FIRST_DAY = toDayNumber(2024, 1, 1);
const LAST_DAY = toDayNumber(2024, 12, 31);

function columnsOf(rows: readonly Row[]): SalesColumns {
  return {
    rowCount: rows.length,
    countryCodes: Uint16Array.from(rows, (row) => row.country),
    countries: ['AR', 'CL', 'UY', 'BR', 'MX', 'PE', 'CO', 'EC'],
    days: Int32Array.from(rows, (row) => row.day),
    values: Float64Array.from(rows, (row) => row.value),
  };
}

const valueArb = fc.oneof(
  fc.integer({ min: -50_000, max: 50_000 }).map((cents) => cents / 100),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
);

const rowsArb = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('spread', 'ties', 'one value'))
  .chain(([countries, kind]) =>
    fc.array(
      fc.record({
        country: fc.integer({ min: 0, max: countries - 1 }),
        day: fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
        value:
          kind === 'spread'
            ? valueArb
            : kind === 'ties'
              ? fc.constantFrom(1, 2, 2.5, 3, -4, 1e9)
              : fc.constant(7.25),
      }),
      { minLength: 100, maxLength: 1500, size: 'max' },
    ),
  );

const tuningArb = fc.record({
  rowsPerCounter: fc.constantFrom(1, 2, 4),
  gatherLimit: fc.constantFrom(2, 16, 4096),
});

/** Per month of the country: 0 leaves it out, 1 takes it whole, 2 takes some of its days. */
const choiceArb = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 5, maxLength: 5 });

describe('ValueBuckets', () => {
  it('selects like sorting over whole-month spans and day runs', () => {
    fc.assert(
      fc.property(
        rowsArb,
        tuningArb,
        choiceArb,
        fc.integer({ min: 0, max: 2 }),
        fc.infiniteStream(fc.boolean()),
        (rows, tuning, choices, rank, coins) => {
          const layout = buildColumnarLayout(columnsOf(rows));
          const months = monthExtentsOf(layout);
          const buckets = ValueBuckets.build(layout, months, tuning);
          const country = Math.min(rank, layout.countryCodes.length - 1);
          if (buckets.width[country] === 0) {
            return;
          }
          const monthFrom: number[] = [];
          const monthTo: number[] = [];
          const days: number[] = [];
          const expected: number[] = [];
          const first = layout.countryFirstMonth[country];
          const end = layout.countryFirstMonth[country + 1];
          const take = coins[Symbol.iterator]();
          for (let m = first; m < end; m++) {
            const choice = choices[(m - first) % choices.length];
            if (choice === 1) {
              if (monthTo.length > 0 && monthTo[monthTo.length - 1] === m) {
                monthTo[monthTo.length - 1] = m + 1;
              } else {
                monthFrom.push(m);
                monthTo.push(m + 1);
              }
              expected.push(...layout.values.subarray(months.start[m], months.start[m + 1]));
            } else if (choice === 2) {
              for (let p = layout.monthFirstDay[m]; p < layout.monthFirstDay[m + 1]; p++) {
                if (take.next().value) {
                  days.push(p);
                  expected.push(
                    ...layout.values.subarray(layout.dayStart[p], layout.dayStart[p + 1]),
                  );
                }
              }
            }
          }
          if (expected.length === 0) {
            return;
          }

          const sorted = Float64Array.from(expected).sort();
          const n = sorted.length;
          const out = new Float64Array(2);
          for (const k of new Set([0, 1, n >> 1, Math.floor(n * 0.9), n - 2, n - 1])) {
            if (k < 0) {
              continue;
            }
            buckets.selectKthAndNext(
              country,
              Uint32Array.from(monthFrom),
              Uint32Array.from(monthTo),
              monthFrom.length,
              Uint32Array.from(days),
              days.length,
              k,
              sorted[0],
              sorted[n - 1],
              out,
            );
            // -0 and 0 are equal to every comparison, so either may come back for the other.
            expect([k, out[0] + 0, out[1] + 0]).toEqual([
              k,
              sorted[k] + 0,
              sorted[Math.min(k + 1, n - 1)] + 0,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('selects like sorting over many spans of whole months at once, in sliding or any order', () => {
    fc.assert(
      fc.property(
        rowsArb,
        tuningArb,
        fc.integer({ min: 0, max: 2 }),
        // Each span: its first month, its length in months and its quantile.
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 11 }),
            fc.integer({ min: 1, max: 12 }),
            fc.constantFrom(0, 0.1, 0.5, 0.9, 1),
          ),
          { minLength: 1, maxLength: 30 },
        ),
        fc.boolean(),
        (rows, tuning, rank, picks, sliding) => {
          const layout = buildColumnarLayout(columnsOf(rows));
          const months = monthExtentsOf(layout);
          const buckets = ValueBuckets.build(layout, months, tuning);
          const country = Math.min(rank, layout.countryCodes.length - 1);
          const first = layout.countryFirstMonth[country];
          const monthCount = layout.countryFirstMonth[country + 1] - first;
          if (buckets.width[country] === 0) {
            return;
          }
          // Sliding: a rolling window over every month in turn, as window queries ask.
          const spans = sliding
            ? Array.from({ length: monthCount }, (_, m) => ({
                from: first + Math.max(0, m - picks[0][1] + 1),
                to: first + m + 1,
                q: picks[m % picks.length][2],
              }))
            : picks.map(([start, length, q]) => {
                const from = first + (start % monthCount);
                return { from, to: Math.min(from + length, first + monthCount), q };
              });
          const batch = new MonthSpanBatch();
          batch.reserve(spans.length);
          const expected = spans.map(({ from, to, q }, i) => {
            const sorted = layout.values.slice(months.start[from], months.start[to]).sort();
            const k = Math.floor((sorted.length - 1) * q);
            batch.from[i] = from;
            batch.to[i] = to;
            batch.k[i] = k;
            batch.min[i] = sorted[0];
            batch.max[i] = sorted[sorted.length - 1];
            return { k, sorted };
          });
          const out = new Float64Array(2 * spans.length);
          buckets.selectInMonthSpans(country, batch, spans.length, out);
          expected.forEach(({ k, sorted }, i) => {
            if (Number.isNaN(out[2 * i])) {
              // Left to a selection of its own only when its bucket outgrows the gather limit.
              expect(tuning.gatherLimit).toBeLessThan(sorted.length);
              return;
            }
            // -0 and 0 are equal to every comparison, so either may come back for the other.
            expect([i, k, out[2 * i] + 0, out[2 * i + 1] + 0]).toEqual([
              i,
              k,
              sorted[k] + 0,
              sorted[Math.min(k + 1, sorted.length - 1)] + 0,
            ]);
          });
          if (tuning.gatherLimit >= rows.length) {
            expect(out.some(Number.isNaN)).toBe(false);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('selects like sorting across several countries, each with its own spans and day runs', () => {
    // Countries of unlike sizes and value ranges, so windows shrink unevenly and some have none.
    const manyRowsArb = fc
      .tuple(
        fc.integer({ min: 2, max: 8 }),
        fc.constantFrom('spread', 'shifted', 'ties', 'one value'),
      )
      .chain(([countries, kind]) =>
        fc.array(
          fc
            .record({
              country: fc.integer({ min: 0, max: countries - 1 }),
              day: fc.integer({ min: FIRST_DAY, max: LAST_DAY }),
              value:
                kind === 'ties'
                  ? fc.constantFrom(1, 2, 2.5, 3, -4, 1e9)
                  : kind === 'one value'
                    ? fc.constant(7.25)
                    : valueArb,
            })
            .map((row) =>
              kind === 'shifted' ? { ...row, value: row.value + row.country * 1000 } : row,
            ),
          { minLength: 100, maxLength: 2500, size: 'max' },
        ),
      );
    fc.assert(
      fc.property(
        manyRowsArb,
        fc.record({
          rowsPerCounter: fc.constantFrom(1, 2, 4),
          gatherLimit: fc.constantFrom(2, 16, 4096),
          acrossCopyLimit: fc.constantFrom(0, 50, 16384),
          acrossGatherLimit: fc.constantFrom(0, 100, 131072),
        }),
        choiceArb,
        fc.infiniteStream(fc.boolean()),
        (rows, tuning, choices, coins) => {
          const layout = buildColumnarLayout(columnsOf(rows));
          const months = monthExtentsOf(layout);
          const buckets = ValueBuckets.build(layout, months, tuning);
          const spans = new CountrySpans();
          const countries = layout.countryCodes.length;
          spans.reserve(countries, layout.monthKey.length, layout.dayNumber.length);
          const expected: number[] = [];
          const take = coins[Symbol.iterator]();
          let ranges = 0;
          let days = 0;
          let parts = 0;
          for (let country = 0; country < countries; country++) {
            const first = layout.countryFirstMonth[country];
            const end = layout.countryFirstMonth[country + 1];
            spans.rank[parts] = country;
            spans.rangeStart[parts] = ranges;
            spans.dayStart[parts] = days;
            for (let m = first; m < end; m++) {
              const choice = choices[(m - first + country) % choices.length];
              if (choice === 1) {
                if (ranges > spans.rangeStart[parts] && spans.monthTo[ranges - 1] === m) {
                  spans.monthTo[ranges - 1] = m + 1;
                } else {
                  spans.monthFrom[ranges] = m;
                  spans.monthTo[ranges++] = m + 1;
                }
                expected.push(...layout.values.subarray(months.start[m], months.start[m + 1]));
              } else if (choice === 2) {
                for (let p = layout.monthFirstDay[m]; p < layout.monthFirstDay[m + 1]; p++) {
                  if (take.next().value) {
                    spans.days[days++] = p;
                    expected.push(
                      ...layout.values.subarray(layout.dayStart[p], layout.dayStart[p + 1]),
                    );
                  }
                }
              }
            }
            if (ranges > spans.rangeStart[parts] || days > spans.dayStart[parts]) {
              parts++;
            }
          }
          spans.rangeStart[parts] = ranges;
          spans.dayStart[parts] = days;
          spans.countryCount = parts;
          if (expected.length === 0) {
            return;
          }

          const sorted = Float64Array.from(expected).sort();
          const n = sorted.length;
          const out = new Float64Array(2);
          for (const k of new Set([0, 1, n >> 2, n >> 1, Math.floor(n * 0.9), n - 2, n - 1])) {
            if (k < 0) {
              continue;
            }
            buckets.selectKthAndNextAcross(spans, k, sorted[0], sorted[n - 1], out);
            expect([k, out[0] + 0, out[1] + 0]).toEqual([
              k,
              sorted[k] + 0,
              sorted[Math.min(k + 1, n - 1)] + 0,
            ]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps at most one counter per four rows and skips thin countries', () => {
    const rows: Row[] = [];
    for (let i = 0; i < 4000; i++) {
      rows.push({ country: 0, day: FIRST_DAY + (i % 150), value: (i * 7919) % 1000 });
    }
    rows.push({ country: 1, day: FIRST_DAY, value: 1 });
    const layout = buildColumnarLayout(columnsOf(rows));
    const buckets = ValueBuckets.build(layout, monthExtentsOf(layout));
    expect(buckets.width[1]).toBe(0);
    expect(buckets.width[0]).toBeGreaterThan(0);
    // Counters, beside the boundaries themselves.
    expect(buckets.byteLength - 8 * buckets.width[0]).toBeLessThanOrEqual(rows.length);
  });
});
