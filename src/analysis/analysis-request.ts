import type { CompareMode, GroupByKey } from 'src/analysis/dto/analysis-query.dto';

/**
 * A syntactically valid analysis request, whichever endpoint it came through. `AnalysisService`
 * checks it against the dataset and normalises it into a `DatasetQuery`.
 */
export interface AnalysisRequest {
  readonly metrics: readonly string[];
  readonly countries?: readonly string[];
  readonly years?: readonly number[];
  /** ISO dates, inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly groupBy: readonly GroupByKey[];
  readonly compare?: CompareMode;
  /** Periods per rolling window. */
  readonly window?: number;
  readonly cumulative?: boolean;
  readonly share?: boolean;
  /** Countries kept by `top`; the rest fold into OTHER. */
  readonly top?: number;
  /** A requested metric; defaults to the first. */
  readonly rankBy?: string;
  /** First month of the fiscal year, 1–12. */
  readonly fiscalYearStart?: number;
}

/** One result row: its group keys, then one entry per requested metric. */
export type AnalysisResultRow = Record<string, string | number | null>;

/** The normalised query echoed back to the client, with defaults filled in. */
export interface NormalisedQueryEcho {
  readonly metrics: readonly string[];
  readonly countries: readonly string[];
  readonly years: readonly number[] | null;
  readonly from: string | null;
  readonly to: string | null;
  readonly groupBy: readonly GroupByKey[];
  /** The parameters below are echoed only when the request uses them. */
  readonly compare?: CompareMode;
  readonly window?: number;
  readonly cumulative?: true;
  readonly share?: true;
  readonly top?: number;
  readonly rankBy?: string | null;
  readonly fiscalYearStart?: number;
}

export interface AnalysisResult {
  readonly dataset: string;
  readonly query: NormalisedQueryEcho;
  readonly matchedRows: number;
  /** Rows the dataset skipped at load time (lenient mode), so no answer hides them. */
  readonly rejectedRows: number;
  readonly results: readonly AnalysisResultRow[];
}
