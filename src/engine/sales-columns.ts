/**
 * A loaded sales file as parallel typed columns: row i is
 * (countries[countryCodes[i]], days[i], values[i]). No row objects are ever built.
 */
export interface SalesColumns {
  readonly rowCount: number;
  /** Index into `countries` for each row. */
  readonly countryCodes: Uint16Array;
  /** Dictionary of upper-case country codes, in first-seen order. */
  readonly countries: readonly string[];
  /** Sale date as days since 1970-01-01 (UTC). */
  readonly days: Int32Array;
  readonly values: Float64Array;
  /**
   * The most fraction digits any value is written with in the source, when every value was read
   * exactly from its decimal text (so `values[i]` is the double nearest to `k / 10^fractionDigits`
   * for an integer k); absent when unknown or when some value was not. Up to
   * `MAX_EXACT_FRACTION_DIGITS`, the engine computes sums, means and spreads exactly.
   */
  readonly fractionDigits?: number;
}
