import { versionId } from 'src/data/dataset-version';
import type { DatasetConfig } from 'src/config/data.config';
import type { VersionSource } from 'src/data/live/version-log';

/** The version of a dataset's file as loaded, before any upload: as `versionId` defines it. */
export function baseVersionId(config: DatasetConfig, sha256: string): string {
  // The same bytes read with other columns, date format or leniency are other data.
  return versionId([sha256, config.format, config.lenient]);
}

/**
 * The version after a change: a hash of its predecessor, its place in the history and what
 * changed, so ids never repeat within a history, and a restart reads them from the log instead of
 * computing them anew.
 */
export function nextVersionId(
  previous: string,
  sequence: number,
  source: VersionSource,
  sha256: string,
): string {
  return versionId([previous, sequence, source, sha256]);
}
