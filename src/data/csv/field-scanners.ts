import { daysInMonth, toDayNumber } from 'src/common/calendar/day-number';
import { DOT, LOWER_E, MINUS, PLUS, SLASH, UPPER_E } from 'src/data/csv/csv-bytes';
import type { DateFormat } from 'src/data/csv/csv-format';

/** Never a day number of a four-digit year, and small enough to stay a V8 small integer. */
export const NO_DATE = -0x40000000;

/** 1e0..1e22: the powers of ten a double holds exactly. */
export const EXACT_POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Digits that always fit below 2^53, so the integer accumulated from them is exact. */
export const MAX_EXACT_DIGITS = 15;
/** `fractionDigits` once a value was not read exactly: more places than exact arithmetic takes. */
export const INEXACT_FRACTION_DIGITS = 99;

/** Inclusive bounds, as day numbers, of the dates a store can hold. */
export interface DayRange {
  readonly first: number;
  readonly last: number;
  /** What holds no other dates, for the defect text (e.g. `ClickHouse`). */
  readonly store: string;
}

const DMY = 0;
const MDY = 1;
const YMD = 2;

/**
 * Reads a value or a date straight from the file's bytes, with no string made for a valid one.
 * One scanner per file: it knows the file's date layout and caches each month's first day.
 */
export class FieldScanner {
  /** The number the last successful scanValue read (a result slot, so it allocates nothing). */
  value = 0;
  /**
   * The most fraction digits (trailing zeros aside, exponent applied) of the values read so far,
   * or INEXACT_FRACTION_DIGITS once one had more than MAX_EXACT_DIGITS significant digits: what
   * decides whether the engine may compute with the values as exact decimals.
   */
  fractionDigits = 0;

  /**
   * The day number of the last date scanDate refused only for lying outside the day range, or
   * NO_DATE; reset by the caller (the slow path) before the scan it asks about.
   */
  dayOutOfRange = NO_DATE;

  private readonly dateLayout: number;
  private readonly firstDay: number;
  private readonly lastDay: number;
  /** Per (year, month): day number of the 1st and month length (0 = not computed yet). */
  private readonly monthStart = new Int32Array(10000 * 12);
  private readonly monthLength = new Uint8Array(10000 * 12);

  /** `dayRange`: the only day numbers scanDate accepts (inclusive); any four-digit year without. */
  constructor(format: DateFormat, dayRange: DayRange | null = null) {
    this.dateLayout = format === 'DD/MM/YYYY' ? DMY : format === 'MM/DD/YYYY' ? MDY : YMD;
    this.firstDay = dayRange?.first ?? NO_DATE + 1;
    this.lastDay = dayRange?.last ?? -NO_DATE;
  }

  /**
   * Reads `[+-]?digits[.digits][(e|E)[+-]?digits]` at `start` into `value` and returns the offset
   * after it, or -1 if there is no such number there or it is not finite. Stops at the first byte
   * that cannot continue the number, so `buf` must hold a byte after it.
   */
  scanValue(buf: Buffer, start: number): number {
    let p = start;
    let c = buf[p];
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = buf[++p];
    } else if (c === PLUS) {
      c = buf[++p];
    }
    // Clinger's fast path: up to 15 significant digits form an exact integer and a power of ten
    // up to 1e22 is exact, so one multiplication or division rounds correctly, like Number().
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    /** Fraction digits up to the last non-zero one. */
    let places = 0;
    let exact = true;
    let d = c - 48;
    if (d >>> 0 > 9) {
      return -1;
    }
    do {
      if (digits < MAX_EXACT_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) {
          digits++;
        }
      } else {
        exact = false;
      }
      c = buf[++p];
      d = c - 48;
    } while (d >>> 0 <= 9);
    if (c === DOT) {
      c = buf[++p];
      d = c - 48;
      if (d >>> 0 > 9) {
        return -1;
      }
      do {
        if (digits < MAX_EXACT_DIGITS) {
          mantissa = mantissa * 10 + d;
          scale++;
          if (d !== 0) {
            places = scale;
          }
          if (mantissa !== 0) {
            digits++;
          }
        } else {
          exact = false;
        }
        c = buf[++p];
        d = c - 48;
      } while (d >>> 0 <= 9);
    }
    let exponent = 0;
    if (c === LOWER_E || c === UPPER_E) {
      c = buf[++p];
      let negativeExponent = false;
      if (c === MINUS) {
        negativeExponent = true;
        c = buf[++p];
      } else if (c === PLUS) {
        c = buf[++p];
      }
      d = c - 48;
      if (d >>> 0 > 9) {
        return -1;
      }
      do {
        // Saturate: anything this large over- or underflows anyway, via the exact route below.
        if (exponent < 100000) {
          exponent = exponent * 10 + d;
        }
        c = buf[++p];
        d = c - 48;
      } while (d >>> 0 <= 9);
      if (negativeExponent) {
        exponent = -exponent;
      }
    }
    const written = exact ? Math.max(0, places - exponent) : INEXACT_FRACTION_DIGITS;
    if (written > this.fractionDigits) {
      this.fractionDigits = written;
    }
    const power = exponent - scale;
    let value: number;
    if (exact && power >= -22 && power <= 22) {
      value = power < 0 ? mantissa / EXACT_POW10[-power] : mantissa * EXACT_POW10[power];
      if (negative) {
        value = -value;
      }
    } else {
      value = Number(buf.toString('latin1', start, p));
      if (!Number.isFinite(value)) {
        return -1;
      }
    }
    this.value = value;
    return p;
  }

  /**
   * Day number of the configured date layout at `p`, or NO_DATE. Bytes are checked left to right
   * and none is read past the first mismatch, so a short field cannot run off the buffer.
   */
  scanDate(buf: Buffer, p: number): number {
    let year: number;
    let month: number;
    let day: number;
    if (this.dateLayout === YMD) {
      year = fourDigits(buf, p);
      if (year < 0 || buf[p + 4] !== MINUS) {
        return NO_DATE;
      }
      month = twoDigits(buf, p + 5);
      if (month < 0 || buf[p + 7] !== MINUS) {
        return NO_DATE;
      }
      day = twoDigits(buf, p + 8);
    } else {
      const first = twoDigits(buf, p);
      if (first < 0 || buf[p + 2] !== SLASH) {
        return NO_DATE;
      }
      const second = twoDigits(buf, p + 3);
      if (second < 0 || buf[p + 5] !== SLASH) {
        return NO_DATE;
      }
      year = fourDigits(buf, p + 6);
      if (this.dateLayout === DMY) {
        day = first;
        month = second;
      } else {
        month = first;
        day = second;
      }
    }
    if (year < 0 || day < 1 || month < 1 || month > 12) {
      return NO_DATE;
    }
    // Same answer as isValidDate + toDayNumber, computed once per month rather than per row.
    const key = year * 12 + month - 1;
    let length = this.monthLength[key];
    if (length === 0) {
      length = daysInMonth(year, month);
      this.monthLength[key] = length;
      this.monthStart[key] = toDayNumber(year, month, 1);
    }
    if (day > length) {
      return NO_DATE;
    }
    const dayNumber = this.monthStart[key] + day - 1;
    if (dayNumber < this.firstDay || dayNumber > this.lastDay) {
      this.dayOutOfRange = dayNumber;
      return NO_DATE;
    }
    return dayNumber;
  }
}

function twoDigits(buf: Buffer, p: number): number {
  const a = buf[p] - 48;
  if (a >>> 0 > 9) {
    return -1;
  }
  const b = buf[p + 1] - 48;
  return b >>> 0 > 9 ? -1 : a * 10 + b;
}

function fourDigits(buf: Buffer, p: number): number {
  const high = twoDigits(buf, p);
  if (high < 0) {
    return -1;
  }
  const low = twoDigits(buf, p + 2);
  return low < 0 ? -1 : high * 100 + low;
}
