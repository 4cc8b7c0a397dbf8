import { toDayNumber } from 'src/common/calendar/day-number';
import {
  formatPeriod,
  isoWeekKey,
  periodDays,
  periodOfDay,
  sameDayPreviousYear,
  samePeriodPreviousYear,
  type PeriodUnit,
} from 'src/common/calendar/periods';

const day = (iso: string): number => {
  const [year, month, dayOfMonth] = iso.split('-').map(Number);
  return toDayNumber(year, month, dayOfMonth);
};
const iso = (dayNumber: number): string =>
  new Date(dayNumber * 86_400_000).toISOString().slice(0, 10);

describe('periods', () => {
  describe('ISO weeks', () => {
    it.each([
      ['1970-01-01', '1970-W01'],
      ['2019-12-30', '2020-W01'],
      ['2020-12-31', '2020-W53'],
      ['2021-01-03', '2020-W53'],
      ['2021-01-04', '2021-W01'],
      ['2024-01-01', '2024-W01'],
      ['2024-02-25', '2024-W08'],
      ['2024-02-26', '2024-W09'],
      ['2024-02-29', '2024-W09'],
      ['2024-12-30', '2025-W01'],
      ['2008-12-29', '2009-W01'],
      ['2015-12-31', '2015-W53'],
      ['2016-01-03', '2015-W53'],
      ['2026-12-31', '2026-W53'],
      ['2027-01-03', '2026-W53'],
      ['2027-01-04', '2027-W01'],
      ['2010-01-03', '2009-W53'],
    ])('should put %s in %s', (date, week) => {
      expect(formatPeriod(periodOfDay(day(date), 'week', 1), 'week', 1)).toBe(week);
    });

    it.each([
      [2020, 53, '2020-12-28'],
      [2024, 9, '2024-02-26'],
      [2025, 1, '2024-12-30'],
      [2015, 53, '2015-12-28'],
    ])('should start %i-W%i on Monday %s and end it on Sunday', (year, week, monday) => {
      const key = isoWeekKey(year, week) as number;
      expect(periodDays(key, 'week', 1)).toEqual({ first: day(monday), last: day(monday) + 6 });
      expect(new Date(day(monday) * 86_400_000).getUTCDay()).toBe(1);
    });

    it.each([
      [2021, 53],
      [2024, 53],
      [2024, 0],
      [2025, 54],
    ])('should have no week %i-W%i', (year, week) => {
      expect(isoWeekKey(year, week)).toBeNull();
    });
  });

  describe('fiscal years', () => {
    it.each<[string, PeriodUnit, number, string | number]>([
      ['2024-07-01', 'year', 7, 'FY2025'],
      ['2025-06-30', 'year', 7, 'FY2025'],
      ['2024-06-30', 'year', 7, 'FY2024'],
      ['2024-07-01', 'quarter', 7, 'FY2025-Q1'],
      ['2024-09-30', 'quarter', 7, 'FY2025-Q1'],
      ['2024-10-01', 'quarter', 7, 'FY2025-Q2'],
      ['2025-04-15', 'quarter', 7, 'FY2025-Q4'],
      ['2024-03-31', 'quarter', 4, 'FY2024-Q4'],
      ['2024-04-01', 'quarter', 4, 'FY2025-Q1'],
      ['2024-12-01', 'year', 12, 'FY2025'],
      ['2024-12-01', 'quarter', 12, 'FY2025-Q1'],
      ['2024-11-30', 'quarter', 12, 'FY2024-Q4'],
      ['2024-02-01', 'year', 2, 'FY2025'],
      ['2024-01-31', 'quarter', 2, 'FY2024-Q4'],
      ['2024-07-01', 'month', 7, '2024-07'],
      ['2024-07-01', 'year', 1, 2024],
      ['2024-07-01', 'quarter', 1, '2024-Q3'],
      ['2024-12-31', 'quarter', 1, '2024-Q4'],
    ])('should key %s by %s with the year starting in month %i as %s', (date, unit, start, key) => {
      expect(formatPeriod(periodOfDay(day(date), unit, start), unit, start)).toBe(key);
    });

    it.each<[string, PeriodUnit, number, string, string]>([
      ['2024-08-15', 'year', 7, '2024-07-01', '2025-06-30'],
      ['2024-08-15', 'quarter', 7, '2024-07-01', '2024-09-30'],
      ['2024-02-10', 'quarter', 12, '2023-12-01', '2024-02-29'],
      ['2024-02-10', 'month', 7, '2024-02-01', '2024-02-29'],
      ['2023-02-10', 'year', 1, '2023-01-01', '2023-12-31'],
      ['2024-05-10', 'quarter', 1, '2024-04-01', '2024-06-30'],
    ])(
      'should bound the %s period by %s (start %i) from %s to %s',
      (date, unit, start, first, last) => {
        const days = periodDays(periodOfDay(day(date), unit, start), unit, start);
        expect([iso(days.first), iso(days.last)]).toEqual([first, last]);
      },
    );
  });

  describe('a year earlier', () => {
    it.each([
      ['2024-02-29', '2023-02-28'],
      ['2024-03-01', '2023-03-01'],
      ['2025-02-28', '2024-02-28'],
      ['2024-12-31', '2023-12-31'],
      ['2024-01-01', '2023-01-01'],
    ])('should map %s to %s', (date, earlier) => {
      expect(iso(sameDayPreviousYear(day(date)))).toBe(earlier);
    });

    it.each<[string, PeriodUnit, string | number | null]>([
      ['2024-03-15', 'month', '2023-03'],
      ['2024-01-15', 'month', '2023-01'],
      ['2024-02-15', 'quarter', '2023-Q1'],
      ['2024-02-15', 'year', 2023],
      ['2024-02-26', 'week', '2023-W09'],
      ['2021-01-04', 'week', '2020-W01'],
      ['2020-12-31', 'week', null],
      ['2016-01-01', 'week', null],
    ])('should take the period of %s by %s a year earlier as %s', (date, unit, earlier) => {
      const previous = samePeriodPreviousYear(periodOfDay(day(date), unit, 1), unit);
      expect(previous === null ? null : formatPeriod(previous, unit, 1)).toBe(earlier);
    });
  });
});
