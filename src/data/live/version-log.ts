import { open, readFile } from 'node:fs/promises';
import { appendLineDurably } from 'src/data/live/durable-files';

export const VERSION_SOURCES = ['initial', 'upload', 'reload'] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

/** One line of a dataset's version log: a version, and how it was made. */
export interface VersionRecord {
  readonly version: string;
  /** ISO timestamp. */
  readonly createdAt: string;
  readonly source: VersionSource;
  /** Rows this version added (an upload's accepted rows; for a reload, the change in total rows). */
  readonly rowsAdded: number;
  /** Rows of the dataset at this version. */
  readonly rows: number;
  /** Rows of an upload skipped as defective (lenient datasets only). */
  readonly rejectedRows: number;
  readonly idempotencyKey: string | null;
  /** SHA-256 of the upload's part file, or of the base file for `initial` and `reload`. */
  readonly sha256: string;
  /** File name of an upload's part in the dataset's folder; null for other sources. */
  readonly part: string | null;
  /** SHA-256 of the base file this version was built on, to notice a file replaced while stopped. */
  readonly baseSha256: string;
}

export class VersionLogError extends Error {
  override readonly name = 'VersionLogError';
}

const HEX_64 = /^[0-9a-f]{64}$/;

function parseRecord(line: string, file: string, lineNumber: number): VersionRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new VersionLogError(`${file}:${lineNumber}: not a JSON line`);
  }
  const record = value as Partial<VersionRecord> | null;
  const valid =
    record !== null &&
    typeof record === 'object' &&
    typeof record.version === 'string' &&
    typeof record.createdAt === 'string' &&
    VERSION_SOURCES.includes(record.source as VersionSource) &&
    Number.isSafeInteger(record.rowsAdded) &&
    Number.isSafeInteger(record.rows) &&
    Number.isSafeInteger(record.rejectedRows) &&
    (record.idempotencyKey === null || typeof record.idempotencyKey === 'string') &&
    HEX_64.test(String(record.sha256)) &&
    HEX_64.test(String(record.baseSha256)) &&
    (record.part === null || (typeof record.part === 'string' && record.source === 'upload'));
  if (!valid) {
    throw new VersionLogError(`${file}:${lineNumber}: not a version record`);
  }
  return record as VersionRecord;
}

/**
 * A dataset's history as an append-only JSON-lines file. A version exists once its line is
 * fsynced: that is the commit point of an upload (its part file is durable before), so a crash
 * leaves every upload either logged with its whole part, or not logged at all.
 */
export class VersionLog {
  private constructor(
    readonly file: string,
    private readonly records: VersionRecord[],
  ) {}

  /**
   * Reads the log (an absent file is an empty log). A last line without its line feed was cut by a
   * crash before its fsync returned, so it was never acknowledged: it is ignored, and cut from the
   * file when `repair` is set. Any other unreadable line is corruption and throws.
   */
  static async open(file: string, repair: boolean): Promise<VersionLog> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return new VersionLog(file, []);
      }
      throw error;
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length && repair) {
      const handle = await open(file, 'r+');
      try {
        await handle.truncate(Buffer.byteLength(text.slice(0, complete)));
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    const lines = text.slice(0, complete).split('\n');
    lines.pop();
    return new VersionLog(
      file,
      lines.map((line, index) => parseRecord(line, file, index + 1)),
    );
  }

  get entries(): readonly VersionRecord[] {
    return this.records;
  }

  get latest(): VersionRecord | undefined {
    return this.records[this.records.length - 1];
  }

  /** The upload that used this idempotency key, if any. */
  byIdempotencyKey(key: string): VersionRecord | undefined {
    return this.records.find((record) => record.idempotencyKey === key);
  }

  async append(record: VersionRecord): Promise<void> {
    await appendLineDurably(this.file, JSON.stringify(record));
    this.records.push(record);
  }

  /** Keeps a record in memory only, for a log that cannot be written (writes disabled). */
  remember(record: VersionRecord): void {
    this.records.push(record);
  }
}
