import { daysInMonth, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';
import {
  claimDecimalBlocks,
  DAY_BITS,
  DAY_MASK,
  type DecimalBlockJob,
  JOB_CONTROL_WORDS,
  totalMonth,
} from 'src/engine/columnar/decimal-blocks';
import {
  exactTotals,
  MAX_EXACT_FRACTION_DIGITS,
  MAX_EXACT_SCALED_VALUE,
  MAX_EXACT_SQUARES,
  type ExactDecimalTotals,
} from 'src/engine/metrics/exact-decimal';
import { RadixScratch, sortWithPayload, wordsOf } from 'src/engine/columnar/radix-sort';
import type { SalesColumns } from 'src/engine/sales-columns';
import { IndexBuildHelper } from 'src/engine/workers/index-build-helper';

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
  /**
   * Both levels of sorted runs, day level first, as stored numbers: a row's value is
   * `values[i] / valueScale`. Decimal values are kept as their scaled integers when those fit 32
   * bits (4 bytes a row and level instead of 8); other values as doubles, with `valueScale` 1.
   * Order, ties and run extremes are the same in stored numbers, so selection works on them and
   * only what leaves the table is divided.
   */
  readonly values: SortedValues;
  readonly valueScale: number;

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

  /**
   * Exact Σk and Σk² of every day and month partition when the values are decimals with few
   * enough places (see `exact-decimal.ts`), so sums, means and spreads of any set of partitions
   * are exact; null when they are computed in floating point.
   */
  readonly exact: ExactDecimalTotals | null;

  /** First and last sale day, kept for describing the dataset. */
  readonly minDay: number;
  readonly maxDay: number;
}

/** Stored numbers of sorted runs (see `ColumnarLayout.values`). */
export type SortedValues = Float64Array | Int32Array;

/**
 * Builds the layout in a fixed number of O(n) passes: one counting sort gives (country, month)
 * blocks; each block is radix-sorted by value into the month level, carrying the day of month, and
 * a stable counting scatter by that day then writes the day level already sorted. No comparison
 * sort runs over the rows.
 *
 * Sales amounts are nearly always decimals with a few places, so when every value is exactly
 * `k / 10^p` for a narrow range of integers k, blocks sort as packed 32-bit (k, day of month) keys:
 * two or three radix passes over 4 bytes instead of up to six over 9. Other data sorts the doubles
 * themselves; both give the same layout.
 */
export function buildColumnarLayout(
  columns: SalesColumns,
  strategy: LayoutStrategy = {},
): ColumnarLayout {
  const n = columns.rowCount;
  const countryCodes = [...new Set(columns.countries)].sort();
  const rankByCode = new Map(countryCodes.map((code, rank) => [code, rank]));
  const rankOfEntry = Uint16Array.from(columns.countries, (code) => rankByCode.get(code) ?? 0);
  // Started first so that it is up by the time there is work to share.
  const threads = strategy.threads ?? (n >= HELPER_MIN_ROWS ? 'both' : 'main');
  let helper = threads === 'main' ? null : IndexBuildHelper.start();
  try {
    const scan = scanColumns(columns);
    const { minDay, maxDay } = scan;
    const decimal = strategy.decimalKeys === false ? null : scan.decimal;
    const calendar = calendarOf(minDay, maxDay);
    if (decimal === null) {
      // Only decimal blocks are shared.
      helper?.close();
      helper = null;
    }

    const alloc = helper === null && strategy.shared !== true ? unsharedArrays : sharedArrays;
    const values = alloc.float64(2 * n);
    const sink: BlockSink =
      decimal === null
        ? { decimal: null, target: values.subarray(n), dayOfMonth: new Uint8Array(n) }
        : { decimal, keys: alloc.uint32(n) };
    if (helper !== null && sink.decimal !== null) {
      // Keys are written first, by the grouping below; values once blocks are sorted.
      helper.touch([sink.keys.buffer, values.buffer] as SharedArrayBuffer[]);
    }
    const blocks = groupByCountryAndMonth(
      columns,
      rankOfEntry,
      countryCodes.length,
      calendar,
      sink,
      strategy.pairTable ?? true,
    );

    const monthCount = blocks.monthKeys.length;
    const runs: DayRuns = {
      dayStarts: [],
      dayNumbers: [],
      monthFirstDay: alloc.uint32(monthCount + 1),
    };
    if (sink.decimal === null) {
      sortDoubleBlocks(values, sink.dayOfMonth, blocks, calendar, runs);
    } else {
      dayRunsOfKeys(sink.keys, blocks, calendar, runs);
    }
    runs.monthFirstDay[monthCount] = runs.dayStarts.length;
    runs.dayStarts.push(n);

    const dayCount = runs.dayNumbers.length;
    const scale = exactScaleOf(columns, scan.largest);
    const exact: ExactDecimalTotals | null =
      scale === null
        ? null
        : {
            scale,
            squares: n * (scan.largest * scale) ** 2 < MAX_EXACT_SQUARES,
            day: exactTotals(dayCount, (length) => alloc.float64(length)),
            month: exactTotals(monthCount, (length) => alloc.float64(length)),
          };
    const totals = {
      values,
      monthFirstDay: runs.monthFirstDay,
      dayStart: alloc.uint32(dayCount + 1),
      daySum: alloc.float64(dayCount),
      dayMean: alloc.float64(dayCount),
      dayM2: alloc.float64(dayCount),
      monthSum: alloc.float64(monthCount),
      monthMean: alloc.float64(monthCount),
      monthM2: alloc.float64(monthCount),
      exact,
    };
    totals.dayStart.set(runs.dayStarts);
    if (sink.decimal === null) {
      for (let m = 0; m < monthCount; m++) {
        totalMonth(totals, m);
      }
    } else {
      const monthStarts = alloc.uint32(monthCount + 1);
      monthStarts.set(blocks.monthStarts);
      const job: DecimalBlockJob = {
        ...totals,
        control: new Int32Array(alloc.buffer(JOB_CONTROL_WORDS * 4)),
        keys: sink.keys,
        monthStarts,
        scale: sink.decimal.scale,
        offset: sink.decimal.offset,
        bits: sink.decimal.bits,
        largest: blocks.largest,
      };
      if (helper === null || threads === 'main') {
        claimDecimalBlocks(job);
      } else {
        helper.run(job, threads);
      }
    }

    // Whoever sorted, values that are all k / 10^p are kept as k (see `scaledIntegers`).
    const stored = scan.decimal === null ? null : scaledIntegers(values, scan.decimal, alloc);
    return {
      rowCount: n,
      countryCodes,
      countryRowStart: blocks.countryRowStart,
      countryFirstMonth: blocks.countryFirstMonth,
      values: stored ?? values,
      valueScale: stored === null || scan.decimal === null ? 1 : scan.decimal.scale,
      dayNumber: Int32Array.from(runs.dayNumbers),
      dayStart: totals.dayStart,
      daySum: totals.daySum,
      dayMean: totals.dayMean,
      dayM2: totals.dayM2,
      monthKey: Int32Array.from(blocks.monthKeys),
      monthFirstDay: runs.monthFirstDay,
      monthSum: totals.monthSum,
      monthMean: totals.monthMean,
      monthM2: totals.monthM2,
      exact,
      minDay: scan.minDay,
      maxDay: scan.maxDay,
    };
  } finally {
    helper?.close();
  }
}

/**
 * From this many rows a helper thread sorts blocks alongside the main one. Below, the blocks are
 * done before a thread is up to help (measured: a helper made 1M rows slower).
 */
const HELPER_MIN_ROWS = 1 << 22;

/** Typed arrays on plain or shared memory; a helper thread can only work on shared ones. */
interface ArrayAllocator {
  buffer(bytes: number): ArrayBufferLike;
  float64(length: number): Float64Array;
  uint32(length: number): Uint32Array;
  int32(length: number): Int32Array;
}

const unsharedArrays: ArrayAllocator = {
  buffer: (bytes) => new ArrayBuffer(bytes),
  float64: (length) => new Float64Array(length),
  uint32: (length) => new Uint32Array(length),
  int32: (length) => new Int32Array(length),
};

const sharedArrays: ArrayAllocator = {
  buffer: (bytes) => new SharedArrayBuffer(bytes),
  float64: (length) => new Float64Array(new SharedArrayBuffer(length * 8)),
  uint32: (length) => new Uint32Array(new SharedArrayBuffer(length * 4)),
  int32: (length) => new Int32Array(new SharedArrayBuffer(length * 4)),
};

/**
 * The sorted runs as scaled integers k (value = k / scale exactly, see `scanColumns`), or null when
 * some k needs more than 32 bits. Done once the runs are written, so the sort and the totals stay
 * on doubles; the doubles are dropped with the build's other scratch. Halves the table's largest
 * part: 16 → 8 bytes a row.
 */
function scaledIntegers(
  values: Float64Array,
  { scale, offset, bits }: DecimalKeys,
  alloc: ArrayAllocator,
): Int32Array | null {
  if (offset < INT32_MIN || offset + 2 ** bits - 1 > INT32_MAX) {
    return null;
  }
  const stored = alloc.int32(values.length);
  for (let i = 0; i < values.length; i++) {
    stored[i] = Math.round(values[i] * scale);
  }
  return stored;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Choices the build otherwise makes itself; tests force each to check they build one layout. */
export interface LayoutStrategy {
  /**
   * Who sorts the blocks of decimal values: the calling thread (`main`), that thread and a helper
   * (`both`), or the helper alone (`helper`, only useful to test it). By default big tables take
   * `both`.
   */
  readonly threads?: 'main' | 'both' | 'helper';
  /**
   * Put the large arrays on shared memory even without a helper, so the layout can be handed to
   * another thread without a copy (default false).
   */
  readonly shared?: boolean;
  /** Sort packed decimal keys when the values allow it (default true). */
  readonly decimalKeys?: boolean;
  /** Group with one counter per (country, month) when that table is small enough (default true). */
  readonly pairTable?: boolean;
}

/**
 * Values as integers k with value = k / scale exactly: a packed key holds `k - offset` above the
 * day of month, so it sorts by value and still says which day run the row goes to.
 */
interface DecimalKeys {
  readonly scale: number;
  readonly offset: number;
  /** Bits of `k - offset` over all rows. */
  readonly bits: number;
}

/** Decimal places tried before values count as arbitrary doubles. */
const MAX_DECIMAL_PLACES = 6;
/** Keeps every k far below 2^53, where `k / scale` and scaling by ten are exact. */
const MAX_DECIMAL_MAGNITUDE = 2 ** 40;
const MAX_DECIMAL_BITS = 32 - DAY_BITS;

/**
 * 10^p when the loader read every value exactly with at most `MAX_EXACT_FRACTION_DIGITS` places
 * p and every scaled value is small enough for exact totals; null for floating point.
 */
function exactScaleOf(columns: SalesColumns, largest: number): number | null {
  const digits = columns.fractionDigits;
  if (digits === undefined || digits > MAX_EXACT_FRACTION_DIGITS) {
    return null;
  }
  const scale = 10 ** digits;
  return largest * scale <= MAX_EXACT_SCALED_VALUE ? scale : null;
}

/**
 * Day bounds, the largest magnitude, and the fewest decimal places p (if any) at which every value is exactly
 * `k / 10^p`. One pass: a value that needs more places raises p for all, which keeps the earlier
 * values exact (their k just gains a factor of ten).
 */
function scanColumns(columns: SalesColumns): {
  minDay: number;
  maxDay: number;
  largest: number;
  decimal: DecimalKeys | null;
} {
  const { rowCount: n, days, values } = columns;
  if (n === 0) {
    return { minDay: 0, maxDay: -1, largest: 0, decimal: null };
  }
  let largest = 0;
  let minDay = days[0];
  let maxDay = days[0];
  let places = 0;
  let scale = 1;
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let decimal = true;
  for (let i = 0; i < n; i++) {
    const day = days[i];
    if (day < minDay) {
      minDay = day;
    } else if (day > maxDay) {
      maxDay = day;
    }
    const value = values[i];
    const magnitude = Math.abs(value);
    if (magnitude > largest) {
      largest = magnitude;
    }
    if (!decimal) {
      continue;
    }
    let k = Math.round(value * scale);
    while (k / scale !== value) {
      if (places === MAX_DECIMAL_PLACES) {
        decimal = false;
        break;
      }
      places++;
      scale *= 10;
      low *= 10;
      high *= 10;
      k = Math.round(value * scale);
    }
    // −0 would come back as +0 from its key, and the order keeps them apart.
    if (value === 0 && 1 / value < 0) {
      decimal = false;
    }
    if (k < low) {
      low = k;
    }
    if (k > high) {
      high = k;
    }
    if (high > MAX_DECIMAL_MAGNITUDE || low < -MAX_DECIMAL_MAGNITUDE) {
      decimal = false;
    }
  }
  const range = high - low;
  if (!decimal || range >= 2 ** MAX_DECIMAL_BITS) {
    return { minDay, maxDay, largest, decimal: null };
  }
  return { minDay, maxDay, largest, decimal: { scale, offset: low, bits: 32 - Math.clz32(range) } };
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

/** Where grouping writes each row: a packed decimal key, or the value beside its day of month. */
type BlockSink =
  | { readonly decimal: DecimalKeys; readonly keys: Uint32Array }
  | { readonly decimal: null; readonly target: Float64Array; readonly dayOfMonth: Uint8Array };

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
 * Moves rows into (country, month) blocks with one counting sort over the pair. A calendar so long
 * that a counter per pair would outweigh the rows (centuries of dates, hundreds of countries)
 * takes two stable passes instead, by month then by country.
 */
function groupByCountryAndMonth(
  columns: SalesColumns,
  rankOfEntry: Uint16Array,
  countryCount: number,
  calendar: SpanCalendar,
  sink: BlockSink,
  pairTable: boolean,
): CountryMonthBlocks {
  const n = columns.rowCount;
  const pairs = countryCount * calendar.monthSpan;
  const blocks =
    pairTable && pairs <= Math.max(n, 1 << 16)
      ? groupByPair(columns, rankOfEntry, countryCount, calendar, sink)
      : groupByMonthThenCountry(columns, rankOfEntry, countryCount, calendar, sink);
  const { monthStarts } = blocks;
  monthStarts.push(n);
  let largest = 0;
  for (let m = 0; m + 1 < monthStarts.length; m++) {
    largest = Math.max(largest, monthStarts[m + 1] - monthStarts[m]);
  }
  return { ...blocks, largest };
}

function groupByPair(
  columns: SalesColumns,
  rankOfEntry: Uint16Array,
  countryCount: number,
  calendar: SpanCalendar,
  sink: BlockSink,
): Omit<CountryMonthBlocks, 'largest'> {
  const { rowCount: n, days, values, countryCodes } = columns;
  const { minDay, monthSpan, monthOffset, dayOfMonth, firstMonthKey } = calendar;
  const pairs = countryCount * monthSpan;
  // Pair p = rank * monthSpan + month offset; cursor[p] ends up as the first row of pair p.
  const cursor = new Uint32Array(pairs + 1);
  for (let i = 0; i < n; i++) {
    cursor[rankOfEntry[countryCodes[i]] * monthSpan + monthOffset[days[i] - minDay] + 1]++;
  }
  const countryRowStart = new Uint32Array(countryCount + 1);
  const countryFirstMonth = new Uint32Array(countryCount + 1);
  const monthKeys: number[] = [];
  const monthStarts: number[] = [];
  for (let p = 0, at = 0; p < pairs; p++) {
    const rows = cursor[p + 1];
    if (rows > 0) {
      monthKeys.push(firstMonthKey + (p % monthSpan));
      monthStarts.push(at);
    }
    cursor[p] = at;
    at += rows;
    if ((p + 1) % monthSpan === 0) {
      const rank = (p + 1) / monthSpan;
      countryRowStart[rank] = at;
      countryFirstMonth[rank] = monthKeys.length;
    }
  }

  if (sink.decimal === null) {
    const { target, dayOfMonth: targetDay } = sink;
    for (let i = 0; i < n; i++) {
      const dayOffset = days[i] - minDay;
      const at = cursor[rankOfEntry[countryCodes[i]] * monthSpan + monthOffset[dayOffset]]++;
      target[at] = values[i];
      targetDay[at] = dayOfMonth[dayOffset];
    }
  } else {
    const { keys } = sink;
    const { scale, offset } = sink.decimal;
    for (let i = 0; i < n; i++) {
      const dayOffset = days[i] - minDay;
      const at = cursor[rankOfEntry[countryCodes[i]] * monthSpan + monthOffset[dayOffset]]++;
      keys[at] = (Math.round(values[i] * scale) - offset) * (DAY_MASK + 1) + dayOfMonth[dayOffset];
    }
  }
  return { countryRowStart, countryFirstMonth, monthKeys, monthStarts };
}

function groupByMonthThenCountry(
  columns: SalesColumns,
  rankOfEntry: Uint16Array,
  countryCount: number,
  calendar: SpanCalendar,
  sink: BlockSink,
): Omit<CountryMonthBlocks, 'largest'> {
  const { rowCount: n, days, values, countryCodes } = columns;
  const { minDay, monthSpan, monthOffset, dayOfMonth, firstMonthKey } = calendar;

  const monthCursor = new Uint32Array(monthSpan + 1);
  const countryRowStart = new Uint32Array(countryCount + 1);
  for (let i = 0; i < n; i++) {
    monthCursor[monthOffset[days[i] - minDay] + 1]++;
    countryRowStart[rankOfEntry[countryCodes[i]] + 1]++;
  }
  for (let m = 0; m < monthSpan; m++) {
    monthCursor[m + 1] += monthCursor[m];
  }
  for (let c = 0; c < countryCount; c++) {
    countryRowStart[c + 1] += countryRowStart[c];
  }
  const byMonth = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    byMonth[monthCursor[monthOffset[days[i] - minDay]]++] = i;
  }

  // Walking rows in month order, each country's block grows month by month, so a block starts
  // wherever a country first meets a new month.
  const countryCursor = countryRowStart.slice(0, countryCount);
  const lastMonth = new Int32Array(countryCount).fill(-1);
  const blockKeys: number[][] = Array.from({ length: countryCount }, () => []);
  const blockStarts: number[][] = Array.from({ length: countryCount }, () => []);
  for (let j = 0; j < n; j++) {
    const i = byMonth[j];
    const rank = rankOfEntry[countryCodes[i]];
    const dayOffset = days[i] - minDay;
    const month = monthOffset[dayOffset];
    const at = countryCursor[rank]++;
    if (lastMonth[rank] !== month) {
      lastMonth[rank] = month;
      blockKeys[rank].push(firstMonthKey + month);
      blockStarts[rank].push(at);
    }
    if (sink.decimal === null) {
      sink.target[at] = values[i];
      sink.dayOfMonth[at] = dayOfMonth[dayOffset];
    } else {
      const { scale, offset } = sink.decimal;
      sink.keys[at] =
        (Math.round(values[i] * scale) - offset) * (DAY_MASK + 1) + dayOfMonth[dayOffset];
    }
  }

  const countryFirstMonth = new Uint32Array(countryCount + 1);
  for (let c = 0; c < countryCount; c++) {
    countryFirstMonth[c + 1] = countryFirstMonth[c] + blockKeys[c].length;
  }
  return {
    countryRowStart,
    countryFirstMonth,
    monthKeys: blockKeys.flat(),
    monthStarts: blockStarts.flat(),
  };
}

/** Day runs found while sorting blocks: first row and day of each, first run of each month. */
interface DayRuns {
  readonly dayStarts: number[];
  readonly dayNumbers: number[];
  readonly monthFirstDay: Uint32Array;
}

/**
 * Records the day runs of block m from its rows per day of month (`counts[1..31]`), turning the
 * counts into each day's first row for the scatter that follows.
 */
function addDayRuns(
  runs: DayRuns,
  m: number,
  start: number,
  firstDayOfMonth: number,
  counts: Uint32Array,
): void {
  runs.monthFirstDay[m] = runs.dayStarts.length;
  for (let d = 1, at = start; d <= 31; d++) {
    const inDay = counts[d];
    if (inDay > 0) {
      runs.dayStarts.push(at);
      runs.dayNumbers.push(firstDayOfMonth + d - 1);
    }
    counts[d] = at;
    at += inDay;
  }
}

/**
 * Day runs of every block from the day-of-month tags of its keys, so that each block's outputs
 * have known places before any block is sorted.
 */
function dayRunsOfKeys(
  keys: Uint32Array,
  blocks: CountryMonthBlocks,
  calendar: SpanCalendar,
  runs: DayRuns,
): void {
  const counts = new Uint32Array(DAY_MASK + 1);
  for (let m = 0; m < blocks.monthKeys.length; m++) {
    const start = blocks.monthStarts[m];
    const end = blocks.monthStarts[m + 1];
    counts.fill(0);
    for (let i = start; i < end; i++) {
      counts[keys[i] & DAY_MASK]++;
    }
    addDayRuns(runs, m, start, calendar.monthFirstDay(blocks.monthKeys[m]), counts);
  }
}

/** Month level by sorting each block's doubles in place, carrying the day of month along. */
function sortDoubleBlocks(
  values: Float64Array,
  dayOfMonth: Uint8Array,
  blocks: CountryMonthBlocks,
  calendar: SpanCalendar,
  runs: DayRuns,
): void {
  const n = dayOfMonth.length;
  const monthLevel = values.subarray(n);
  const monthWords = wordsOf(monthLevel);
  const scratch = new RadixScratch(blocks.largest);
  const counts = new Uint32Array(DAY_MASK + 1);
  for (let m = 0; m < blocks.monthKeys.length; m++) {
    const start = blocks.monthStarts[m];
    const end = blocks.monthStarts[m + 1];
    sortWithPayload(monthLevel, monthWords, dayOfMonth, start, end, scratch);
    counts.fill(0);
    for (let i = start; i < end; i++) {
      counts[dayOfMonth[i]]++;
    }
    addDayRuns(runs, m, start, calendar.monthFirstDay(blocks.monthKeys[m]), counts);
    for (let i = start; i < end; i++) {
      values[counts[dayOfMonth[i]]++] = monthLevel[i];
    }
  }
}
