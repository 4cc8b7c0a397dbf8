import type { VersionRecord } from 'src/data/live/version-log';

/**
 * Told about uploads and new versions, so operations code (metrics, caches) can follow them without
 * the data layer depending on it. The class is the injection token; providing one is optional.
 */
export abstract class DatasetWriteObserver {
  /** A new version serves queries; `mergeSeconds` is the index rebuild an upload took. */
  abstract versionInstalled(
    dataset: string,
    record: VersionRecord,
    parts: number,
    mergeSeconds?: number,
  ): void;

  /** An upload request ended: `created`, `replayed`, or the problem status it got. */
  abstract uploadFinished(dataset: string, outcome: string, seconds: number): void;
}
