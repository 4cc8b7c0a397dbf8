import {
  periodDays,
  sameDayPreviousYear,
  samePeriodPreviousYear,
  type PeriodUnit,
} from 'src/common/calendar/periods';
import type { CompareMode } from 'src/engine/dataset-query';

/**
 * Day intervals for comparisons, windows and running totals, as flat lists of inclusive pairs
 * `[lo0, hi0, lo1, hi1, …]`, ascending and disjoint. Unbounded ends are ±Infinity.
 */

/** The days the date filters keep: each kept (fiscal) year within [from, to], or [from, to]. */
export function filterIntervals(
  years: ReadonlySet<number> | null,
  from: number,
  to: number,
  fiscalYearStart: number,
): number[] {
  if (years === null) {
    return from <= to ? [from, to] : [];
  }
  const intervals: number[] = [];
  for (const year of [...years].sort((a, b) => a - b)) {
    const { first, last } = periodDays(year, 'year', fiscalYearStart);
    const lo = Math.max(first, from);
    const hi = Math.min(last, to);
    if (lo > hi) {
      continue;
    }
    if (intervals.length > 0 && intervals[intervals.length - 1] + 1 === lo) {
      intervals[intervals.length - 1] = hi;
    } else {
      intervals.push(lo, hi);
    }
  }
  return intervals;
}

/** The intersections of `intervals` with [lo, hi], appended to `out` (emptied first). */
export function clipIntervals(
  intervals: readonly number[],
  lo: number,
  hi: number,
  out: number[],
): void {
  out.length = 0;
  for (let i = 0; i < intervals.length; i += 2) {
    const from = Math.max(intervals[i], lo);
    const to = Math.min(intervals[i + 1], hi);
    if (from <= to) {
      out.push(from, to);
    }
  }
}

/**
 * First and last filtered days of a period. The filters keep whole years (or whole fiscal years)
 * and one range, so what they keep of a year, quarter, month or week is one stretch of days.
 */
export function filteredSpan(
  intervals: readonly number[],
  period: { readonly first: number; readonly last: number },
): [number, number] {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < intervals.length; i += 2) {
    const from = Math.max(intervals[i], period.first);
    const to = Math.min(intervals[i + 1], period.last);
    if (from <= to) {
      first = Math.min(first, from);
      last = Math.max(last, to);
    }
  }
  return [first, last];
}

/**
 * The days a shown group is compared with, into `out` (emptied first; left empty when there is
 * nothing to compare with). With a period: the comparison period, whole when the filters keep
 * the whole period, otherwise over the same days counted from the period's start. Without one:
 * the filtered days shifted back by the length of their span (`previous_period`), or the same
 * dates a year earlier (`previous_year`).
 */
export function comparisonIntervals(
  compare: CompareMode,
  filter: readonly number[],
  unit: PeriodUnit | null,
  key: number | null,
  fiscalYearStart: number,
  out: number[],
): void {
  out.length = 0;
  if (filter.length === 0) {
    return;
  }
  if (unit !== null && key !== null) {
    const comparison = compare === 'previous_period' ? key - 1 : samePeriodPreviousYear(key, unit);
    if (comparison === null) {
      return;
    }
    const own = periodDays(key, unit, fiscalYearStart);
    const earlier = periodDays(comparison, unit, fiscalYearStart);
    const [first, last] = filteredSpan(filter, own);
    const lo = first === own.first ? earlier.first : earlier.first + (first - own.first);
    const hi =
      last === own.last ? earlier.last : Math.min(earlier.first + (last - own.first), earlier.last);
    if (lo <= hi) {
      out.push(lo, hi);
    }
    return;
  }
  const spanFirst = filter[0];
  const spanLast = filter[filter.length - 1];
  if (!Number.isFinite(spanFirst) || !Number.isFinite(spanLast)) {
    return;
  }
  const length = spanLast - spanFirst + 1;
  for (let i = 0; i < filter.length; i += 2) {
    if (compare === 'previous_period') {
      out.push(filter[i] - length, filter[i + 1] - length);
    } else {
      // Both ends move back a year; the days between map onto the days between.
      out.push(sameDayPreviousYear(filter[i]), sameDayPreviousYear(filter[i + 1]));
    }
  }
}
