import type { SalesColumns } from 'src/engine';

const INITIAL_CAPACITY = 4096;
/** Final columns are copied to their exact size when more than 1/16 of their slots are unused. */
const TRIM_SLACK_DIVISOR = 16;

/**
 * The typed columns a file's accepted rows go into, grown as rows arrive, and the dictionary of
 * country codes. The row readers write `countryCodes`, `days` and `values` directly below
 * `capacity` and then set `rows`; everything else goes through `store`.
 */
export class SalesColumnBuilder {
  rows = 0;
  capacity = INITIAL_CAPACITY;
  countryCodes: Uint16Array = new Uint16Array(INITIAL_CAPACITY);
  days: Int32Array = new Int32Array(INITIAL_CAPACITY);
  values: Float64Array = new Float64Array(INITIAL_CAPACITY);
  readonly countries: string[] = [];
  /** Dictionary code per letter pair (26 * 26), -1 until seen. */
  readonly countryIndex = new Int16Array(26 * 26).fill(-1);

  /** Dictionary code of the upper-case letter pair (a, b), registering it when new. */
  countryCode(a: number, b: number): number {
    const key = (a - 0x41) * 26 + (b - 0x41);
    let code = this.countryIndex[key];
    if (code < 0) {
      code = this.countries.length;
      this.countries.push(String.fromCharCode(a, b));
      this.countryIndex[key] = code;
    }
    return code;
  }

  store(code: number, day: number, value: number): void {
    const i = this.rows;
    if (i === this.capacity) {
      this.grow(this.capacity * 2);
    }
    this.countryCodes[i] = code;
    this.days[i] = day;
    this.values[i] = value;
    this.rows = i + 1;
  }

  /**
   * Grows the columns to the row count projected from the share of the file read so far, so they
   * end up only slightly oversized instead of up to twice the size needed (in-chunk growth still
   * doubles).
   */
  reserveProjected(bytesRead: number, totalBytes: number): void {
    if (this.rows === 0 || bytesRead >= totalBytes) {
      return;
    }
    const expected = (this.rows * totalBytes) / bytesRead;
    // Regrow only when the plain projection no longer fits, not on every wobble within the margin.
    if (expected + 1024 > this.capacity) {
      const margin = Math.ceil(expected * 1.03) + 4096;
      this.grow(Math.max(margin, Math.ceil(this.capacity * 1.125)));
    }
  }

  /** The finished columns, with the values' fraction digits as the scanner counted them. */
  build(fractionDigits: number): SalesColumns {
    const n = this.rows;
    // Copy into right-sized arrays (freeing the oversized ones) unless the slack is small: then the
    // copy would cost more, in time and in peak memory, than the few spare slots it frees.
    const trim = this.capacity - n > this.capacity / TRIM_SLACK_DIVISOR;
    return {
      rowCount: n,
      countryCodes: trim ? this.countryCodes.slice(0, n) : this.countryCodes.subarray(0, n),
      countries: [...this.countries],
      days: trim ? this.days.slice(0, n) : this.days.subarray(0, n),
      values: trim ? this.values.slice(0, n) : this.values.subarray(0, n),
      fractionDigits,
    };
  }

  private grow(capacity: number): void {
    const countryCodes = new Uint16Array(capacity);
    const days = new Int32Array(capacity);
    const values = new Float64Array(capacity);
    countryCodes.set(this.countryCodes.subarray(0, this.rows));
    days.set(this.days.subarray(0, this.rows));
    values.set(this.values.subarray(0, this.rows));
    this.countryCodes = countryCodes;
    this.days = days;
    this.values = values;
    this.capacity = capacity;
  }
}
