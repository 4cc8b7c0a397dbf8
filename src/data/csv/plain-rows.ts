import type { SalesColumnBuilder } from 'src/data/csv/column-builder';
import { COMMA, CR, DOT, LETTER_UPPER, LF, MINUS, PLUS, QUOTE } from 'src/data/csv/csv-bytes';
import { firstInvalidUtf8 } from 'src/data/csv/csv-file';
import {
  EXACT_POW10,
  type FieldScanner,
  MAX_EXACT_DIGITS,
  NO_DATE,
} from 'src/data/csv/field-scanners';

/** What each header column is to the loader. */
export const IGNORED = 0;
export const COUNTRY = 1;
export const VALUE = 2;
export const DATE = 3;

/**
 * The fast path for plain rows (every field valid, on one line, quoted or not but with no quote
 * inside, valid UTF-8), which are nearly all rows of a real export: they go from the read buffer
 * straight into the columns in one pass, with no allocation. Every method returns the offset
 * after what it took, or (for one row) -1 to leave the row to csv-parse (csv-records.ts), which
 * accepts it or says what is wrong.
 */
export class PlainRowReader {
  private readonly fieldCount: number;
  /** Exactly `country,value,date`, the layout of nearly every export. */
  readonly canonical: boolean;

  constructor(
    private readonly roles: Uint8Array,
    private readonly columns: SalesColumnBuilder,
    private readonly scanner: FieldScanner,
  ) {
    this.fieldCount = roles.length;
    this.canonical =
      roles.length === 3 && roles[0] === COUNTRY && roles[1] === VALUE && roles[2] === DATE;
  }

  /** One plain row of any layout, its fields quoted or not. */
  row(buf: Buffer, start: number): number {
    const roles = this.roles;
    const last = this.fieldCount - 1;
    let p = start;
    let a = 0;
    let b = 0;
    let day = 0;
    let value = 0;
    for (let f = 0; f <= last; f++) {
      const quoted = buf[p] === QUOTE;
      if (quoted) {
        p++;
      }
      switch (roles[f]) {
        case COUNTRY:
          a = LETTER_UPPER[buf[p]];
          if (a === 0) {
            return -1;
          }
          b = LETTER_UPPER[buf[p + 1]];
          if (b === 0) {
            return -1;
          }
          p += 2;
          break;
        case VALUE:
          p = this.scanner.scanValue(buf, p);
          if (p < 0) {
            return -1;
          }
          value = this.scanner.value;
          break;
        case DATE:
          day = this.scanner.scanDate(buf, p);
          if (day === NO_DATE) {
            return -1;
          }
          p += 10;
          break;
        default: {
          // Any text without a quote (or, quoted, a line break); checked as UTF-8 if not ASCII.
          const from = p;
          let ascii = true;
          let c = buf[p];
          while (quoted ? c !== QUOTE : c !== COMMA && c !== LF) {
            if (quoted ? c === LF : c === QUOTE) {
              return -1;
            }
            if (c >= 0x80) {
              ascii = false;
            }
            c = buf[++p];
          }
          if (!ascii && firstInvalidUtf8(buf, from, p) >= 0) {
            return -1;
          }
        }
      }
      if (quoted) {
        if (buf[p] !== QUOTE) {
          return -1;
        }
        p++;
      }
      const t = buf[p];
      if (f < last) {
        if (t !== COMMA) {
          return -1;
        }
        p++;
      } else if (t === LF) {
        p++;
      } else if (t === CR && buf[p + 1] === LF) {
        p += 2;
      } else {
        return -1;
      }
    }
    this.columns.store(this.columns.countryCode(a, b), day, value);
    return p;
  }

  /**
   * canonicalRow over consecutive rows, with the row state in locals and the usual plain decimal
   * read in line. Stops at `lastLf`, when the columns are full, or before a row it does not take
   * (a new country, an exponent, more than 15 digits, anything unusual): the per-row paths deal
   * with that one and the run resumes after it. Returns where it stopped.
   */
  canonicalRun(buf: Buffer, start: number, lastLf: number): number {
    const columns = this.columns;
    const { countryIndex, countryCodes, days, values, capacity } = columns;
    const scanner = this.scanner;
    let rows = columns.rows;
    let fractionDigits = scanner.fractionDigits;
    let p = start;
    while (p <= lastLf && rows < capacity) {
      const a = LETTER_UPPER[buf[p]];
      const b = LETTER_UPPER[buf[p + 1]];
      if (a === 0 || b === 0 || buf[p + 2] !== COMMA) {
        break;
      }
      const code = countryIndex[(a - 0x41) * 26 + (b - 0x41)];
      if (code < 0) {
        break;
      }
      let q = p + 3;
      let c = buf[q];
      const negative = c === MINUS;
      if (negative || c === PLUS) {
        c = buf[++q];
      }
      const digitsStart = q;
      let d = c - 48;
      if (d >>> 0 > 9) {
        break;
      }
      let mantissa = 0;
      do {
        mantissa = mantissa * 10 + d;
        d = buf[++q] - 48;
      } while (d >>> 0 <= 9);
      let fraction = 0;
      if (buf[q] === DOT) {
        const fractionStart = q + 1;
        d = buf[fractionStart] - 48;
        if (d >>> 0 > 9) {
          break;
        }
        q = fractionStart;
        do {
          mantissa = mantissa * 10 + d;
          d = buf[++q] - 48;
        } while (d >>> 0 <= 9);
        fraction = q - fractionStart;
      }
      // Up to 15 digits the mantissa is exact and one division rounds like Number() (see
      // scanValue); counting leading zeros as digits only sends more rows its way.
      const digits = q - digitsStart - (fraction > 0 ? 1 : 0);
      if (digits > MAX_EXACT_DIGITS || buf[q] !== COMMA) {
        break;
      }
      const day = scanner.scanDate(buf, q + 1);
      if (day === NO_DATE) {
        break;
      }
      q += 11;
      const t = buf[q];
      if (t === LF) {
        q++;
      } else if (t === CR && buf[q + 1] === LF) {
        q += 2;
      } else {
        break;
      }
      if (fraction > fractionDigits) {
        // Trailing zeros do not count (see FieldScanner.fractionDigits).
        let places = fraction;
        while (places > fractionDigits && buf[q - 1 - (fraction - places)] === 48) {
          places--;
        }
        fractionDigits = places;
      }
      const value = mantissa / EXACT_POW10[fraction];
      countryCodes[rows] = code;
      days[rows] = day;
      values[rows] = negative ? -value : value;
      rows++;
      p = q;
    }
    columns.rows = rows;
    scanner.fractionDigits = fractionDigits;
    return p;
  }

  /** `row` for the usual `country,value,date` layout, with the field loop unrolled. */
  canonicalRow(buf: Buffer, start: number): number {
    const a = LETTER_UPPER[buf[start]];
    if (a === 0) {
      return -1;
    }
    const b = LETTER_UPPER[buf[start + 1]];
    if (b === 0 || buf[start + 2] !== COMMA) {
      return -1;
    }
    let p = this.scanner.scanValue(buf, start + 3);
    if (p < 0 || buf[p] !== COMMA) {
      return -1;
    }
    const day = this.scanner.scanDate(buf, p + 1);
    if (day === NO_DATE) {
      return -1;
    }
    p += 11;
    const t = buf[p];
    if (t === LF) {
      p++;
    } else if (t === CR && buf[p + 1] === LF) {
      p += 2;
    } else {
      return -1;
    }
    this.columns.store(this.columns.countryCode(a, b), day, this.scanner.value);
    return p;
  }
}
