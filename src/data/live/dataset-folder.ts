import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, renameDurably } from 'src/data/live/durable-files';
import { VersionLog } from 'src/data/live/version-log';

const LOG_FILE = 'versions.jsonl';
const STAGING_PREFIX = '.staging-';

/**
 * One dataset's folder under DATA_DIR: its version log and the immutable part file of every
 * upload. The dataset's own file is never written; parts only ever appear whole (staged, fsynced,
 * renamed, folder fsynced) and count only once the log names them.
 */
export class DatasetFolder {
  private constructor(
    readonly path: string,
    readonly log: VersionLog,
    readonly writable: boolean,
  ) {}

  /**
   * Opens the folder. When writable, it is created if missing, a torn last log line is cut, and
   * files the log does not name (staged uploads, parts whose log line never became durable) are
   * removed: they belong to uploads that were never acknowledged.
   */
  static async open(path: string, writable: boolean): Promise<DatasetFolder> {
    if (writable) {
      await mkdir(path, { recursive: true });
    }
    const log = await VersionLog.open(join(path, LOG_FILE), writable);
    const folder = new DatasetFolder(path, log, writable);
    if (writable) {
      await folder.removeUnlogged();
    }
    return folder;
  }

  partPath(name: string): string {
    return join(this.path, name);
  }

  /** A fresh path to stage an upload's bytes at before they are validated. */
  stagingPath(): string {
    return join(this.path, `${STAGING_PREFIX}${randomUUID()}.csv`);
  }

  /** Moves a staged (already fsynced) file into place as the next part, durably; returns its name. */
  async commitPart(staged: string, sha256: string): Promise<string> {
    const sequence = String(this.log.entries.length + 1).padStart(6, '0');
    const name = `part-${sequence}-${sha256.slice(0, 12)}.csv`;
    await renameDurably(staged, this.partPath(name), this.path);
    return name;
  }

  /** Removes a part whose version could not be logged. */
  async discardPart(name: string): Promise<void> {
    await rm(this.partPath(name), { force: true });
    await fsyncDirectory(this.path);
  }

  private async removeUnlogged(): Promise<void> {
    const logged = new Set(this.log.entries.map(({ part }) => part));
    const stale = (await readdir(this.path)).filter(
      (name) => name.startsWith(STAGING_PREFIX) || (name.startsWith('part-') && !logged.has(name)),
    );
    for (const name of stale) {
      await unlink(join(this.path, name));
    }
    if (stale.length > 0) {
      await fsyncDirectory(this.path);
    }
  }
}
