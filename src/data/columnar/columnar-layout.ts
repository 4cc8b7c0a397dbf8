import { combineStats, EMPTY_STATS, statsOf } from 'src/analysis/metrics/metric-math';
import { daysInMonth, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';
import { RadixScratch, sortWithPayload, wordsOf } from 'src/data/columnar/radix-sort';
import type { SalesColumns } from 'src/data/sales-columns';

/**
 * The indexed form of a sales file. Rows are grouped by country (in code order), then by day, and
 * stored twice in `values`:
 *
 *  - day level, `values[0, n)`: one ascending run per (country, day). A date range always cuts at
 *    day boundaries, so the edges of a range are exact without keeping a day per row.
 *  - month level, `values[n, 2n)`: the same rows, one ascending run per (country, month). Whole
 *    months inside a filter are read from here, so a quantile over years touches a few dozen runs
 *    per country rather than one per day.
 *
 * A month's rows are the rows of its days, so both levels share offsets: month run m covers
 * `dayStart[monthFirstDay[m]]` up to `dayStart[monthFirstDay[m + 1]]`, shifted by n.
 * Partitions that hold no rows are not stored at all, so the index grows with the data, not with
 * the calendar span.
 */
export interface ColumnarLayout {
  readonly rowCount: number;
  /** Country codes in ascending order; a country's index in here is its rank. */
  readonly countryCodes: readonly string[];
  /** Row offsets of each country's block (length countries + 1), for per-country row counts. */
  readonly countryRowStart: Uint32Array;
  /** Month partitions of each country (length countries + 1), so a query visits only its own. */
  readonly countryFirstMonth: Uint32Array;
  /** Both levels of sorted runs, day level first. */
  readonly values: Float64Array;

  /** Day partitions in (country, day) order: their day, to cut ranges, and row offsets (length + 1). */
  readonly dayNumber: Int32Array;
  readonly dayStart: Uint32Array;
  /** Per-partition totals, so simple metrics combine partitions instead of reading rows. */
  readonly daySum: Float64Array;
  readonly dayMean: Float64Array;
  readonly dayM2: Float64Array;

  /**
   * Month partitions in (country, month) order. The key (`year * 12 + month - 1`) lets a query
   * find its first month by binary search and name its period; the first day partition links a
   * partial month to its day runs.
   */
  readonly monthKey: Int32Array;
  readonly monthFirstDay: Uint32Array;
  readonly monthSum: Float64Array;
  readonly monthMean: Float64Array;
  readonly monthM2: Float64Array;

  /** First and last sale day, kept for describing the dataset. */
  readonly minDay: number;
  readonly maxDay: number;
}

/**
 * Builds the layout in a fixed number of O(n) passes: a counting sort by month then a stable
 * counting sort by country give (country, month) blocks; each block is radix-sorted by value into
 * the month level, carrying the day of month, and a stable counting scatter by that day then
 * writes the day level already sorted. No comparison sort runs over the rows.
 */
export function buildColumnarLayout(columns: SalesColumns): ColumnarLayout {
  const n = columns.rowCount;
  const countryCodes = [...new Set(columns.countries)].sort();
  const rankByCode = new Map(countryCodes.map((code, rank) => [code, rank]));
  const rankOfEntry = Uint16Array.from(columns.countries, (code) => rankByCode.get(code) ?? 0);
  const { minDay, maxDay } = dayBounds(columns.days, n);
  const calendar = calendarOf(minDay, maxDay);

  const values = new Float64Array(2 * n);
  const dayOfMonth = new Uint8Array(n);
  const blocks = groupByCountryAndMonth(columns, rankOfEntry, countryCodes.length, calendar, {
    target: values.subarray(n),
    dayOfMonth,
  });

  const scratch = new RadixScratch(blocks.largest);
  const monthLevel = values.subarray(n);
  const monthWords = wordsOf(monthLevel);
  const dayStarts: number[] = [];
  const dayNumbers: number[] = [];
  const monthFirstDay = new Uint32Array(blocks.monthKeys.length + 1);
  const counts = new Uint32Array(32);
  for (let m = 0; m < blocks.monthKeys.length; m++) {
    const start = blocks.monthStarts[m];
    const end = blocks.monthStarts[m + 1];
    sortWithPayload(monthLevel, monthWords, dayOfMonth, start, end, scratch);

    // Stable scatter by day of month: each day's run inherits the month's value order.
    counts.fill(0);
    for (let i = start; i < end; i++) {
      counts[dayOfMonth[i]]++;
    }
    monthFirstDay[m] = dayStarts.length;
    const firstDayOfMonth = calendar.monthFirstDay(blocks.monthKeys[m]);
    for (let d = 1, at = start; d <= 31; d++) {
      const inDay = counts[d];
      if (inDay > 0) {
        dayStarts.push(at);
        dayNumbers.push(firstDayOfMonth + d - 1);
      }
      counts[d] = at;
      at += inDay;
    }
    for (let i = start; i < end; i++) {
      values[counts[dayOfMonth[i]]++] = monthLevel[i];
    }
  }
  monthFirstDay[blocks.monthKeys.length] = dayStarts.length;
  dayStarts.push(n);

  const dayStart = Uint32Array.from(dayStarts);
  const dayTotals = dayPartitionTotals(values, dayStart);
  const monthTotals = monthPartitionTotals(dayStart, monthFirstDay, dayTotals);
  return {
    rowCount: n,
    countryCodes,
    countryRowStart: blocks.countryRowStart,
    countryFirstMonth: blocks.countryFirstMonth,
    values,
    dayNumber: Int32Array.from(dayNumbers),
    dayStart,
    daySum: dayTotals.sum,
    dayMean: dayTotals.mean,
    dayM2: dayTotals.m2,
    monthKey: Int32Array.from(blocks.monthKeys),
    monthFirstDay,
    monthSum: monthTotals.sum,
    monthMean: monthTotals.mean,
    monthM2: monthTotals.m2,
    minDay,
    maxDay,
  };
}

function dayBounds(days: Int32Array, n: number): { minDay: number; maxDay: number } {
  if (n === 0) {
    return { minDay: 0, maxDay: -1 };
  }
  let minDay = days[0];
  let maxDay = days[0];
  for (let i = 1; i < n; i++) {
    const day = days[i];
    if (day < minDay) {
      minDay = day;
    } else if (day > maxDay) {
      maxDay = day;
    }
  }
  return { minDay, maxDay };
}

/** Month and day of month of every day in the data's span, looked up per row instead of computed. */
interface SpanCalendar {
  readonly minDay: number;
  readonly firstMonthKey: number;
  readonly monthSpan: number;
  /** Month offset from `firstMonthKey`, per day offset from `minDay`. */
  readonly monthOffset: Uint32Array;
  readonly dayOfMonth: Uint8Array;
  monthFirstDay(monthKey: number): number;
}

function calendarOf(minDay: number, maxDay: number): SpanCalendar {
  const span = Math.max(maxDay - minDay + 1, 0);
  const monthOffset = new Uint32Array(span);
  const dayOfMonth = new Uint8Array(span);
  const first = span > 0 ? fromDayNumber(minDay) : { year: 0, month: 1, day: 1 };
  const firstMonthKey = first.year * 12 + first.month - 1;
  let key = firstMonthKey;
  let day = first.day;
  for (let d = 0; d < span; d++) {
    if (d > 0 && ++day > daysInMonth(Math.floor(key / 12), (key % 12) + 1)) {
      key++;
      day = 1;
    }
    monthOffset[d] = key - firstMonthKey;
    dayOfMonth[d] = day;
  }
  return {
    minDay,
    firstMonthKey,
    monthSpan: span > 0 ? key - firstMonthKey + 1 : 0,
    monthOffset,
    dayOfMonth,
    monthFirstDay: (monthKey) => {
      const year = Math.floor(monthKey / 12);
      return toDayNumber(year, monthKey - year * 12 + 1, 1);
    },
  };
}

interface CountryMonthBlocks {
  readonly countryRowStart: Uint32Array;
  readonly countryFirstMonth: Uint32Array;
  /** Non-empty (country, month) blocks in order: key and first row (length + 1). */
  readonly monthKeys: number[];
  readonly monthStarts: number[];
  /** Rows in the biggest block, to size the sort's scratch buffers. */
  readonly largest: number;
}

/**
 * Counting sort by month, then a stable counting sort by country: rows end up in (country, month)
 * blocks in two O(n + months + countries) passes, with each row's day of month beside its value.
 */
function groupByCountryAndMonth(
  columns: SalesColumns,
  rankOfEntry: Uint16Array,
  countryCount: number,
  calendar: SpanCalendar,
  out: { target: Float64Array; dayOfMonth: Uint8Array },
): CountryMonthBlocks {
  const { rowCount: n, days, values, countryCodes } = columns;
  const { minDay, monthSpan, monthOffset, dayOfMonth } = calendar;

  const monthRowStart = new Uint32Array(monthSpan + 1);
  for (let i = 0; i < n; i++) {
    monthRowStart[monthOffset[days[i] - minDay] + 1]++;
  }
  for (let m = 0; m < monthSpan; m++) {
    monthRowStart[m + 1] += monthRowStart[m];
  }
  const byMonthValue = new Float64Array(n);
  const byMonthCountry = new Uint16Array(n);
  const byMonthDay = new Uint8Array(n);
  const monthCursor = monthRowStart.slice(0, monthSpan);
  const countryRowStart = new Uint32Array(countryCount + 1);
  for (let i = 0; i < n; i++) {
    const dayOffset = days[i] - minDay;
    const at = monthCursor[monthOffset[dayOffset]]++;
    const rank = rankOfEntry[countryCodes[i]];
    byMonthValue[at] = values[i];
    byMonthCountry[at] = rank;
    byMonthDay[at] = dayOfMonth[dayOffset];
    countryRowStart[rank + 1]++;
  }
  for (let c = 0; c < countryCount; c++) {
    countryRowStart[c + 1] += countryRowStart[c];
  }

  // Walking months in order, each country's block grows month by month, so a block starts
  // wherever a country first meets a new month.
  const countryCursor = countryRowStart.slice(0, countryCount);
  const lastMonth = new Int32Array(countryCount).fill(-1);
  const blockKeys: number[][] = Array.from({ length: countryCount }, () => []);
  const blockStarts: number[][] = Array.from({ length: countryCount }, () => []);
  const { target, dayOfMonth: targetDay } = out;
  for (let m = 0; m < monthSpan; m++) {
    for (let i = monthRowStart[m], end = monthRowStart[m + 1]; i < end; i++) {
      const rank = byMonthCountry[i];
      const at = countryCursor[rank]++;
      if (lastMonth[rank] !== m) {
        lastMonth[rank] = m;
        blockKeys[rank].push(calendar.firstMonthKey + m);
        blockStarts[rank].push(at);
      }
      target[at] = byMonthValue[i];
      targetDay[at] = byMonthDay[i];
    }
  }

  const countryFirstMonth = new Uint32Array(countryCount + 1);
  const monthKeys = blockKeys.flat();
  const monthStarts = blockStarts.flat();
  for (let c = 0; c < countryCount; c++) {
    countryFirstMonth[c + 1] = countryFirstMonth[c] + blockKeys[c].length;
  }
  monthStarts.push(n);
  let largest = 0;
  for (let m = 0; m + 1 < monthStarts.length; m++) {
    largest = Math.max(largest, monthStarts[m + 1] - monthStarts[m]);
  }
  return { countryRowStart, countryFirstMonth, monthKeys, monthStarts, largest };
}

interface PartitionTotals {
  readonly sum: Float64Array;
  readonly mean: Float64Array;
  readonly m2: Float64Array;
}

/** Two-pass totals of each day run. */
function dayPartitionTotals(values: Float64Array, dayStart: Uint32Array): PartitionTotals {
  const count = dayStart.length - 1;
  const totals = {
    sum: new Float64Array(count),
    mean: new Float64Array(count),
    m2: new Float64Array(count),
  };
  for (let p = 0; p < count; p++) {
    const stats = statsOf(values, dayStart[p], dayStart[p + 1]);
    totals.sum[p] = stats.sum;
    totals.mean[p] = stats.mean;
    totals.m2[p] = stats.m2;
  }
  return totals;
}

/** Month totals by Chan-combining their days, which is as stable as a pass over the rows. */
function monthPartitionTotals(
  dayStart: Uint32Array,
  monthFirstDay: Uint32Array,
  days: PartitionTotals,
): PartitionTotals {
  const count = monthFirstDay.length - 1;
  const totals = {
    sum: new Float64Array(count),
    mean: new Float64Array(count),
    m2: new Float64Array(count),
  };
  for (let m = 0; m < count; m++) {
    let stats = EMPTY_STATS;
    for (let p = monthFirstDay[m]; p < monthFirstDay[m + 1]; p++) {
      const rows = dayStart[p + 1] - dayStart[p];
      stats = combineStats(stats, {
        count: rows,
        mean: days.mean[p],
        m2: days.m2[p],
        min: 0,
        max: 0,
        sum: days.sum[p],
      });
    }
    totals.sum[m] = stats.sum;
    totals.mean[m] = stats.mean;
    totals.m2[m] = stats.m2;
  }
  return totals;
}
