import { createHash } from 'node:crypto';

/** Hex digits kept: 64 bits tell the versions of one dataset apart. */
const VERSION_LENGTH = 16;

/**
 * A version id: a short hash of everything that makes the data what it is (content hashes, how
 * the content was read, the imports it came from). Equal inputs give equal ids, so a restart over
 * the same data keeps the id, and any change to the data gives a new one.
 */
export function versionId(identity: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify(identity))
    .digest('hex')
    .slice(0, VERSION_LENGTH);
}

/** The version of a list of datasets: of every dataset's name and version, in order. */
export function catalogueVersionOf(
  datasets: readonly { readonly name: string; readonly version: string }[],
): string {
  return versionId(datasets.map(({ name, version }) => [name, version]));
}
