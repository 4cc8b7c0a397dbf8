/** One shown group of a table's answer, with the totals groups of several tables combine from. */
export interface GroupPartial {
  readonly country: string | null;
  readonly period: number | null;
  readonly rows: number;
  readonly min: number;
  readonly max: number;
  /**
   * Exact Σk and Σk² at the table's decimal scale (double-double words), when the query asked for
   * a metric that reads them; 0 otherwise.
   */
  readonly sumHi: number;
  readonly sumLo: number;
  readonly squaresHi: number;
  readonly squaresLo: number;
  /** The group in the table's query scratch, for its order statistics until the next query. */
  readonly handle: number;
}

export interface TablePartials {
  readonly matchedRows: number;
  readonly groups: readonly GroupPartial[];
}

/**
 * A table's share of one shown group of a query with a window, running totals or a comparison:
 * its totals over the rows the group's window or running total covers, and over the rows it is
 * compared with; null where the query asks for neither.
 */
export interface ExtensionPartial {
  readonly current: GroupPartial | null;
  readonly previous: GroupPartial | null;
}

/** A table's exact-decimal settings and the largest magnitude of its values. */
export interface TableExactness {
  /** 10^p: every value is k / scale for an integer k. */
  readonly scale: number;
  /** Whether the table keeps Σk² (exact spreads). */
  readonly squares: boolean;
  readonly largest: number;
}
