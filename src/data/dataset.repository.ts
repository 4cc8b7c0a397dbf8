import type { Arithmetic, DatasetQuery, DatasetQueryResult } from 'src/engine';

export interface CountryRows {
  readonly code: string;
  readonly rows: number;
}

export interface RejectedRowExample {
  readonly line: number;
  readonly column: string | null;
  readonly reason: string;
}

/** What a client may learn about a loaded dataset. Never holds an absolute path. */
export interface DatasetSummary {
  readonly name: string;
  readonly rows: number;
  /** Sorted by code. */
  readonly countries: readonly CountryRows[];
  /** Inclusive ISO dates of the first and last sale; null for a dataset without rows. */
  readonly dateRange: { readonly from: string; readonly to: string } | null;
  readonly years: readonly number[];
  /** ISO timestamp of the end of the load. */
  readonly loadedAt: string;
  /** File name of the source, without its folder. */
  readonly source: string;
  /** SHA-256 of the source file's bytes, hex. */
  readonly sha256: string;
  /**
   * Identifies the data as it is now: derived from the content and from how it was read, and new
   * whenever the data changes. Cache keys and ETags carry it.
   */
  readonly version: string;
  /** Rows skipped in lenient mode (always 0 in the default strict mode). */
  readonly rejectedRows: number;
  readonly rejectedExamples: readonly RejectedRowExample[];
  /** How sums, means and spreads are computed (see `Arithmetic`). */
  readonly arithmetic: Arithmetic;
}

/** Health of a store the datasets depend on, such as a database server. */
export interface BackendStatus {
  readonly name: string;
  readonly up: boolean;
  /** Why it is down, safe to show (no credentials). */
  readonly reason?: string;
}

/**
 * The dataset store. The class doubles as the injection token, so an in-memory CSV implementation
 * and a database-backed one are swapped in `DataModule` without string tokens. Queries arrive
 * normalised and are computed where the data lives.
 */
export abstract class DatasetRepository {
  /** Summaries of every configured dataset, in configuration order. */
  abstract list(): Promise<DatasetSummary[]>;

  /** @throws DatasetNotFoundError */
  abstract summary(dataset: string): Promise<DatasetSummary>;

  /** @throws DatasetNotFoundError */
  abstract query(dataset: string, query: DatasetQuery): Promise<DatasetQueryResult>;

  /** Total rows across datasets once everything is loaded, for health checks. */
  abstract loadedRows(): number;

  /**
   * The dataset's current version id (the `version` of its summary), cheap enough to ask on every
   * request.
   * @throws DatasetNotFoundError
   */
  abstract versionOf(dataset: string): Promise<string>;

  /** One id for every dataset's current version together: changes when any of them does. */
  abstract catalogueVersion(): Promise<string>;

  /** External stores behind the datasets and whether they answer; empty when all is in memory. */
  abstract backends(): Promise<BackendStatus[]>;
}
