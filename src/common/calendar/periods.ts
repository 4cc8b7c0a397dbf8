import { daysInMonth, fromDayNumber, toDayNumber } from 'src/common/calendar/day-number';

/**
 * Reporting periods as integer keys, so that groups sort numerically and a period's neighbours
 * are key ± 1:
 * - `year`: the (fiscal) year, named after the calendar year in which it ends;
 * - `quarter`: `year * 4 + (quarter - 1)`, quarters of that (fiscal) year;
 * - `month`: `year * 12 + (month - 1)`, calendar months;
 * - `week`: ISO 8601 weeks (Monday first), counted from the week of 1970-01-01, so the key is
 *   `floor((day + 3) / 7)` for a day number (1970-01-01 was a Thursday).
 *
 * A fiscal year starting in month M (1–12) runs from M to M − 1 of the next calendar year; with
 * M = 7, July 2024 to June 2025 is fiscal year 2025 and July–September 2024 its first quarter.
 * M = 1 is the calendar year.
 */
export type PeriodUnit = 'year' | 'quarter' | 'month' | 'week';

export const PERIOD_UNITS: readonly PeriodUnit[] = ['year', 'quarter', 'month', 'week'];

/** Months to add to a calendar month key so that it counts from the fiscal year's start. */
export function fiscalMonthShift(fiscalYearStart: number): number {
  return (13 - fiscalYearStart) % 12;
}

/** The (fiscal) year of a calendar month key (`year * 12 + month - 1`). */
export function fiscalYearOfMonthKey(monthKey: number, fiscalYearStart: number): number {
  return Math.floor((monthKey + fiscalMonthShift(fiscalYearStart)) / 12);
}

/** The period key of a calendar month for year, quarter or month periods. */
export function periodOfMonthKey(
  monthKey: number,
  unit: Exclude<PeriodUnit, 'week'>,
  fiscalYearStart: number,
): number {
  switch (unit) {
    case 'month':
      return monthKey;
    case 'quarter': {
      const fiscal = monthKey + fiscalMonthShift(fiscalYearStart);
      const year = Math.floor(fiscal / 12);
      return year * 4 + Math.floor((fiscal - year * 12) / 3);
    }
    case 'year':
      return fiscalYearOfMonthKey(monthKey, fiscalYearStart);
  }
}

/** Calendar month key of a day number. */
export function monthKeyOfDay(day: number): number {
  const { year, month } = fromDayNumber(day);
  return year * 12 + month - 1;
}

/** ISO week key (see above) of a day number. */
export function weekOfDay(day: number): number {
  return Math.floor((day + 3) / 7);
}

/** The period key holding a day. */
export function periodOfDay(day: number, unit: PeriodUnit, fiscalYearStart: number): number {
  return unit === 'week'
    ? weekOfDay(day)
    : periodOfMonthKey(monthKeyOfDay(day), unit, fiscalYearStart);
}

/** First calendar month key of a year, quarter or month period. */
function firstMonthKey(
  key: number,
  unit: Exclude<PeriodUnit, 'week'>,
  fiscalYearStart: number,
): number {
  const shift = fiscalMonthShift(fiscalYearStart);
  switch (unit) {
    case 'month':
      return key;
    case 'quarter':
      return Math.floor(key / 4) * 12 + (key - Math.floor(key / 4) * 4) * 3 - shift;
    case 'year':
      return key * 12 - shift;
  }
}

function monthKeyStartDay(monthKey: number): number {
  const year = Math.floor(monthKey / 12);
  return toDayNumber(year, monthKey - year * 12 + 1, 1);
}

/** First and last day numbers of a period. */
export function periodDays(
  key: number,
  unit: PeriodUnit,
  fiscalYearStart: number,
): { readonly first: number; readonly last: number } {
  if (unit === 'week') {
    const first = key * 7 - 3;
    return { first, last: first + 6 };
  }
  const firstMonth = firstMonthKey(key, unit, fiscalYearStart);
  const months = unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12;
  return {
    first: monthKeyStartDay(firstMonth),
    last: monthKeyStartDay(firstMonth + months) - 1,
  };
}

/** ISO year and week number (1–53) of a week key. */
export function isoWeekParts(weekKey: number): { readonly year: number; readonly week: number } {
  // The ISO year is the calendar year of the week's Thursday; week 1 holds its first Thursday.
  const thursday = weekKey * 7;
  const { year } = fromDayNumber(thursday);
  return { year, week: Math.floor((thursday - toDayNumber(year, 1, 1)) / 7) + 1 };
}

/** Week key of ISO week `week` of ISO year `year`, or null when that year has no such week. */
export function isoWeekKey(year: number, week: number): number | null {
  // January 4th always lies in week 1.
  const key = weekOfDay(toDayNumber(year, 1, 4)) + week - 1;
  return week >= 1 && isoWeekParts(key).year === year ? key : null;
}

/** How a period key reads in answers: 2024, "FY2025", "2024-Q1", "FY2025-Q1", "2024-03", "2024-W09". */
export function formatPeriod(
  key: number,
  unit: PeriodUnit,
  fiscalYearStart: number,
): string | number {
  const fiscal = fiscalYearStart === 1 ? '' : 'FY';
  switch (unit) {
    case 'year':
      return fiscal ? `FY${key}` : key;
    case 'quarter':
      return `${fiscal}${Math.floor(key / 4)}-Q${key - Math.floor(key / 4) * 4 + 1}`;
    case 'month':
      return `${Math.floor(key / 12)}-${String(key - Math.floor(key / 12) * 12 + 1).padStart(2, '0')}`;
    case 'week': {
      const { year, week } = isoWeekParts(key);
      return `${year}-W${String(week).padStart(2, '0')}`;
    }
  }
}

/**
 * The period a year before: the same month, quarter or (fiscal) year one year earlier, or the
 * week with the same number in the previous ISO year (null for week 53 when that year has 52).
 */
export function samePeriodPreviousYear(key: number, unit: PeriodUnit): number | null {
  switch (unit) {
    case 'year':
      return key - 1;
    case 'quarter':
      return key - 4;
    case 'month':
      return key - 12;
    case 'week': {
      const { year, week } = isoWeekParts(key);
      return isoWeekKey(year - 1, week);
    }
  }
}

/** The same calendar date a year earlier; 29 February maps to 28 February. */
export function sameDayPreviousYear(day: number): number {
  const { year, month, day: dayOfMonth } = fromDayNumber(day);
  return toDayNumber(year - 1, month, Math.min(dayOfMonth, daysInMonth(year - 1, month)));
}
