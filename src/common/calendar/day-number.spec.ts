import {
  daysInMonth,
  formatIsoDate,
  fromDayNumber,
  isLeapYear,
  isValidDate,
  parseIsoDate,
  toDayNumber,
} from 'src/common/calendar/day-number';

// Day numbers worked out with Python's datetime: (date(y, m, d) - date(1970, 1, 1)).days.
const DAYS: [year: number, month: number, day: number, dayNumber: number][] = [
  [1970, 1, 1, 0],
  [1969, 12, 31, -1],
  [2000, 2, 29, 11016],
  [2000, 3, 1, 11017],
  [1900, 2, 28, -25509],
  [1900, 3, 1, -25508],
  [2024, 2, 29, 19782],
  [2024, 12, 31, 20088],
  [2100, 3, 1, 47541],
  [1, 1, 1, -719162],
  [9999, 12, 31, 2932896],
];

describe('day numbers', () => {
  it.each(DAYS)('should number %i-%i-%i as day %i', (year, month, day, dayNumber) => {
    expect(toDayNumber(year, month, day)).toBe(dayNumber);
  });

  it.each(DAYS)('should turn day %# back into %i-%i-%i', (year, month, day, dayNumber) => {
    expect(fromDayNumber(dayNumber)).toEqual({ year, month, day });
  });

  it.each([
    [0, '1970-01-01'],
    [-1, '1969-12-31'],
    [19782, '2024-02-29'],
    [-719162, '0001-01-01'],
    [2932896, '9999-12-31'],
  ])('should format day %i as %s', (dayNumber, text) => {
    expect(formatIsoDate(dayNumber)).toBe(text);
  });

  it.each([
    [2024, true],
    [2023, false],
    [2000, true],
    [1900, false],
    [2100, false],
    [1600, true],
  ])('should say whether %i is a leap year: %p', (year, leap) => {
    expect(isLeapYear(year)).toBe(leap);
  });

  it.each([
    [2024, 1, 31],
    [2024, 2, 29],
    [2023, 2, 28],
    [1900, 2, 28],
    [2000, 2, 29],
    [2024, 4, 30],
    [2024, 6, 30],
    [2024, 9, 30],
    [2024, 11, 30],
    [2024, 12, 31],
  ])('should give %i-%i %i days', (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });

  it.each([
    [2024, 2, 29, true],
    [2023, 2, 29, false],
    [2024, 4, 31, false],
    [2024, 13, 1, false],
    [2024, 0, 1, false],
    [2024, 1, 0, false],
    [2024, 1.5, 1, false],
    [2024, 12, 31, true],
  ])('should say whether %i-%p-%i exists: %p', (year, month, day, valid) => {
    expect(isValidDate(year, month, day)).toBe(valid);
  });

  it.each([
    ['2024-02-29', 19782],
    ['1970-01-01', 0],
    ['2023-02-29', null],
    ['2024-13-01', null],
    ['2024-1-01', null],
    ['24-01-01', null],
    ['2024-01-01T00:00', null],
    ['', null],
  ])('should parse %p as %p', (text, dayNumber) => {
    expect(parseIsoDate(text)).toBe(dayNumber);
  });
});
