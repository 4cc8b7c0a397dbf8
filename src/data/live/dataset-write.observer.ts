import type { VersionRecord } from 'src/data/live/version-log';

/**
 * Told about uploads and new versions, so operations code (metrics, caches) can follow them without
 * the data layer depending on it. The class is the injection token; providing one is optional.
 */
export abstract class DatasetWriteObserver {
  /** A new version serves queries: `parts` part files, `indexParts` tables (main and deltas). */
  abstract versionInstalled(
    dataset: string,
    record: VersionRecord,
    parts: number,
    indexParts: number,
  ): void;

  /** A background merge of delta tables ended, after `seconds`, leaving `indexParts` tables. */
  abstract mergeFinished(dataset: string, seconds: number, indexParts: number): void;

  /** Delta tables were combined into one (the same rows), leaving `indexParts` tables. */
  abstract deltasCombined(dataset: string, indexParts: number): void;

  /** An upload request ended: `created`, `replayed`, or the problem status it got. */
  abstract uploadFinished(dataset: string, outcome: string, seconds: number): void;
}
