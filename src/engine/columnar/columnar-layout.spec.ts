import fc from 'fast-check';
import { toDayNumber } from 'src/common/calendar/day-number';
import {
  buildColumnarLayout,
  type ColumnarLayout,
  type LayoutStrategy,
} from 'src/engine/columnar/columnar-layout';
import type { SalesColumns } from 'src/engine/sales-columns';

interface Row {
  readonly country: string;
  readonly day: number;
  readonly value: number;
}

function columnsOf(rows: readonly Row[]): SalesColumns {
  const countries = [...new Set(rows.map((row) => row.country))];
  return {
    rowCount: rows.length,
    countryCodes: Uint16Array.from(rows, (row) => countries.indexOf(row.country)),
    countries,
    days: Int32Array.from(rows, (row) => row.day),
    values: Float64Array.from(rows, (row) => row.value),
  };
}

/** Typed arrays as plain arrays, with −0 told apart from +0. */
function plain(layout: ColumnarLayout): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(layout).map(([key, value]) => [
      key,
      ArrayBuffer.isView(value)
        ? Array.from(value as Float64Array, (x) => (Object.is(x, -0) ? '-0' : x))
        : value,
    ]),
  );
}

/** Same fields, typed arrays compared byte for byte (fast on big layouts). */
function expectIdentical(actual: ColumnarLayout, expected: ColumnarLayout): void {
  const bytes = (value: unknown): unknown =>
    ArrayBuffer.isView(value)
      ? Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
      : value;
  for (const [key, value] of Object.entries(expected)) {
    expect([key, bytes(actual[key as keyof ColumnarLayout])]).toEqual([key, bytes(value)]);
  }
}

const STRATEGIES: LayoutStrategy[] = [
  { decimalKeys: true, pairTable: true },
  { decimalKeys: true, pairTable: false },
  { decimalKeys: false, pairTable: true },
  { decimalKeys: false, pairTable: false },
];

/** Every strategy must build exactly the layout of the most general one. */
function expectSameLayouts(rows: readonly Row[]): void {
  const columns = columnsOf(rows);
  const [reference, ...others] = [...STRATEGIES]
    .reverse()
    .map((strategy) => plain(buildColumnarLayout(columns, strategy)));
  for (const layout of others) {
    expect(layout).toEqual(reference);
  }
}

/** Day runs ascending, and each month run holding exactly its days' values, sorted. */
function expectSortedRuns(layout: ColumnarLayout): void {
  const { values, dayStart, monthFirstDay, rowCount: n } = layout;
  for (let p = 0; p + 1 < dayStart.length; p++) {
    const run = Array.from(values.subarray(dayStart[p], dayStart[p + 1]));
    expect(run).toEqual([...run].sort((a, b) => a - b));
  }
  for (let m = 0; m + 1 < monthFirstDay.length; m++) {
    const start = dayStart[monthFirstDay[m]];
    const end = dayStart[monthFirstDay[m + 1]];
    const month = Array.from(values.subarray(n + start, n + end));
    expect(month).toEqual(Array.from(values.subarray(start, end)).sort((a, b) => a - b));
  }
}

const first = toDayNumber(2019, 1, 1);

const rowArb = (value: fc.Arbitrary<number>, countries: string[]): fc.Arbitrary<Row> =>
  fc.record({
    country: fc.constantFrom(...countries),
    day: fc.integer({ min: first, max: first + 800 }),
    value,
  });

describe('buildColumnarLayout', () => {
  it('builds the same layout on every path, for decimal values', () => {
    const cents = fc.integer({ min: -200_000, max: 200_000 }).map((c) => c / 100);
    fc.assert(
      fc.property(fc.array(rowArb(cents, ['AR', 'CL', 'UY']), { maxLength: 400 }), (rows) =>
        expectSameLayouts(rows),
      ),
      { numRuns: 150 },
    );
  });

  it('builds the same layout on every path, for any finite values', () => {
    const value = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.integer({ min: -1e9, max: 1e9 }).map((k) => k / 1000),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      fc.constantFrom(0, -0, 1e-7, 0.1, 0.3, 2 ** 40, -(2 ** 40) - 1),
    );
    fc.assert(
      fc.property(fc.array(rowArb(value, ['ES', 'FR']), { maxLength: 300 }), (rows) =>
        expectSameLayouts(rows),
      ),
      { numRuns: 150 },
    );
  });

  it('sorts big blocks of decimal values with wide and narrow keys', () => {
    const rows: Row[] = [];
    for (let i = 0; i < 30_000; i++) {
      // Blocks of ~10,000 rows take the wide-digit radix path; the last value adds a place.
      const day = first + ((i * 7) % 90);
      rows.push({ country: i % 3 === 0 ? 'AR' : 'CL', day, value: ((i * 7919) % 100_003) / 100 });
    }
    rows.push({ country: 'AR', day: first, value: 0.125 });
    const layout = buildColumnarLayout(columnsOf(rows));
    expectSortedRuns(layout);
    expectSameLayouts(rows);
  });

  it.each(['helper', 'both'] as const)(
    'builds the same layout when a helper thread sorts blocks (%s)',
    (threads) => {
      const rows: Row[] = Array.from({ length: 40_000 }, (_, i) => ({
        country: ['AR', 'CL', 'UY'][i % 3],
        day: first + ((i * 13) % 700),
        value: (((i * 7919) % 200_003) - 100_000) / 100,
      }));
      const columns = columnsOf(rows);
      const alone = buildColumnarLayout(columns, { threads: 'main' });
      const helped = buildColumnarLayout(columns, { threads });
      expect(helped.values.buffer).toBeInstanceOf(SharedArrayBuffer);
      expectIdentical(helped, alone);
    },
  );

  it('keeps −0 and +0 apart and in order', () => {
    const rows: Row[] = [0, -0, 1.5, -0, 0, -2].map((value) => ({
      country: 'AR',
      day: first,
      value,
    }));
    const layout = buildColumnarLayout(columnsOf(rows));
    expect(plain(layout).values).toEqual([-2, '-0', '-0', 0, 0, 1.5, -2, '-0', '-0', 0, 0, 1.5]);
    expectSameLayouts(rows);
  });

  it('keeps decimal values as their scaled 32-bit integers, which divide back exactly', () => {
    const inputs = [701.2, -3.5, 0.07, 99_999.99, 1.25, 0];
    const rows: Row[] = inputs.map((value, i) => ({ country: 'AR', day: first + (i % 2), value }));
    const layout = buildColumnarLayout(columnsOf(rows));
    expect(layout.values).toBeInstanceOf(Int32Array);
    expect(layout.valueScale).toBe(100);
    const monthLevel = Array.from(layout.values.subarray(rows.length), (k) => k / 100);
    expect(monthLevel).toEqual([...inputs].sort((a, b) => a - b));
    expectSameLayouts(rows);
  });

  it('keeps values as doubles when their scaled integers need more than 32 bits', () => {
    const wide = [30_000_000.25, 30_000_000.5, 29_999_999.75];
    const layout = buildColumnarLayout(
      columnsOf(wide.map((value) => ({ country: 'AR', day: first, value }))),
    );
    expect(layout.values).toBeInstanceOf(Float64Array);
    expect(layout.valueScale).toBe(1);
    expect(Array.from(layout.values.subarray(3))).toEqual([...wide].sort((a, b) => a - b));
  });

  it('groups a calendar too long for a counter per (country, month)', () => {
    const countries = Array.from({ length: 40 }, (_, i) => `A${String.fromCharCode(65 + i)}`);
    const rows: Row[] = Array.from({ length: 500 }, (_, i) => ({
      country: countries[(i * 13) % countries.length],
      // 400 years: 4,800 months × 40 countries is far more counters than rows.
      day: toDayNumber(1900 + ((i * 7919) % 400), 1 + (i % 12), 1 + (i % 28)),
      value: ((i * 31) % 97) / 4,
    }));
    const layout = buildColumnarLayout(columnsOf(rows));
    expect(layout.monthKey.length).toBeGreaterThan(100);
    expectSortedRuns(layout);
    expectSameLayouts(rows);
  });
});
