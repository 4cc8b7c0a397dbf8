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
}
