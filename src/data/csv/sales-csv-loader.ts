import { errorText, openRegularFile } from 'src/data/csv/csv-file';
import { DATE_FORMATS, type CsvFormat } from 'src/data/csv/csv-format';
import { type CsvDefect, CsvLoadError, MAX_REPORTED_DEFECTS } from 'src/data/csv/csv-load.error';
import type { DayRange } from 'src/data/csv/field-scanners';
import { SalesCsvParser } from 'src/data/csv/sales-csv-parser';
import { HashingChunkReader } from 'src/data/workers/hashing-chunk-reader';
import type { SalesColumns } from 'src/engine';

/*
 * Streaming loader for sales CSV exports: reads the file through a ring of reused buffers (hashing
 * it on the way) and hands each chunk to the parser. The parts, one job each:
 * - csv-file.ts: opening the file, UTF-8 checks;
 * - sales-csv-parser.ts: blank lines, header, the row loop, chunk boundaries;
 * - plain-rows.ts: the fast path for plain rows (quoted or not), straight into the columns;
 * - csv-records.ts: csv-parse, for every other record (doubled quotes, line breaks in quotes,
 *   defects);
 * - field-scanners.ts: number and date scanners;
 * - column-builder.ts: the growing typed columns and the country dictionary;
 * - csv-defects.ts: defect texts and the defect log.
 */

export interface SalesCsvProgress {
  /** Rows accepted so far. */
  readonly rows: number;
  readonly bytesRead: number;
  readonly totalBytes: number;
}

export interface SalesCsvLoadOptions {
  readonly format: CsvFormat;
  /** Skip and count defective rows instead of failing. File-level problems still throw. */
  readonly lenient?: boolean;
  /**
   * The dates the store behind the dataset can hold: a row dated outside is a defect like any
   * other (line, column, reason). Default: every real date of a four-digit year.
   */
  readonly dayRange?: DayRange;
  /** How many defects to keep for reporting (default 20); all are counted. */
  readonly maxReportedDefects?: number;
  /** Called at least every 10% of the file and once at the end. */
  readonly onProgress?: (progress: SalesCsvProgress) => void;
  /** Bytes per read (default 1 MiB). Small values are only useful to test chunk boundaries. */
  readonly chunkBytes?: number;
  /**
   * Files of at least this many bytes are hashed on a worker thread while they are parsed
   * (default 64 MiB). Below it, hashing in line costs less than waiting for a thread to start.
   */
  readonly hashWorkerMinBytes?: number;
}

export interface SalesCsvLoadResult {
  readonly columns: SalesColumns;
  /** Rows skipped in lenient mode (always 0 in strict mode, which throws instead). */
  readonly rejectedRows: number;
  /** The first skipped rows' defects, in file order. */
  readonly rejectedExamples: readonly CsvDefect[];
  /** Hex SHA-256 of the file's bytes, as read. */
  readonly sha256: string;
  readonly bytes: number;
}

const CHUNK_BYTES = 1 << 20;
const HASH_WORKER_MIN_BYTES = 64 << 20;

export async function loadSalesCsv(
  filePath: string,
  options: SalesCsvLoadOptions,
): Promise<SalesCsvLoadResult> {
  checkOptions(options);
  const { handle, size } = await openRegularFile(filePath);
  const reader = new HashingChunkReader(handle, {
    chunkBytes: options.chunkBytes ?? CHUNK_BYTES,
    hashInWorker: size >= (options.hashWorkerMinBytes ?? HASH_WORKER_MIN_BYTES),
  });
  const parser = new SalesCsvParser(
    filePath,
    {
      format: options.format,
      lenient: options.lenient === true,
      maxReportedDefects: options.maxReportedDefects ?? MAX_REPORTED_DEFECTS,
      dayRange: options.dayRange ?? null,
    },
    size,
  );
  const progressStep = Math.max(1, Math.floor(size / 10));
  let nextProgress = progressStep;
  let bytesRead = 0;
  try {
    for (;;) {
      let chunk: Buffer | null;
      try {
        chunk = await reader.next();
      } catch (error) {
        throw CsvLoadError.fileProblem(
          filePath,
          'unreadable',
          `cannot read file: ${errorText(error)}`,
          0,
          error,
        );
      }
      if (chunk === null) {
        break;
      }
      bytesRead += chunk.length;
      parser.push(chunk);
      if (options.onProgress !== undefined && bytesRead >= nextProgress && bytesRead < size) {
        options.onProgress({ rows: parser.rowCount, bytesRead, totalBytes: size });
        nextProgress = (Math.floor(bytesRead / progressStep) + 1) * progressStep;
      }
    }
    const columns = parser.finish(bytesRead);
    const sha256 = await reader.digest();
    options.onProgress?.({ rows: columns.rowCount, bytesRead, totalBytes: size });
    return {
      columns,
      rejectedRows: parser.defects.total,
      rejectedExamples: parser.defects.defects,
      sha256,
      bytes: bytesRead,
    };
  } finally {
    reader.close();
    // Waits for a read still in flight when parsing gave up early.
    await handle.close();
  }
}

function checkOptions(options: SalesCsvLoadOptions): void {
  const { format, maxReportedDefects, chunkBytes } = options;
  const names = [format.countryColumn, format.valueColumn, format.dateColumn];
  if (names.some((name) => name.length === 0) || new Set(names).size !== names.length) {
    throw new TypeError(`CSV column names must be distinct and non-empty: ${names.join(', ')}`);
  }
  if (!DATE_FORMATS.includes(format.dateFormat)) {
    throw new TypeError(`Unsupported CSV date format: ${String(format.dateFormat)}`);
  }
  if (
    maxReportedDefects !== undefined &&
    !(Number.isSafeInteger(maxReportedDefects) && maxReportedDefects >= 0)
  ) {
    throw new TypeError(`maxReportedDefects must be a non-negative integer: ${maxReportedDefects}`);
  }
  if (chunkBytes !== undefined && !(Number.isSafeInteger(chunkBytes) && chunkBytes > 0)) {
    throw new TypeError(`chunkBytes must be a positive integer: ${chunkBytes}`);
  }
  const { dayRange } = options;
  if (
    dayRange !== undefined &&
    !(
      Number.isSafeInteger(dayRange.first) &&
      Number.isSafeInteger(dayRange.last) &&
      dayRange.first <= dayRange.last
    )
  ) {
    throw new TypeError(`dayRange must be two ordered day numbers: ${JSON.stringify(dayRange)}`);
  }
  const { hashWorkerMinBytes } = options;
  if (
    hashWorkerMinBytes !== undefined &&
    !(Number.isSafeInteger(hashWorkerMinBytes) && hashWorkerMinBytes >= 0)
  ) {
    throw new TypeError(`hashWorkerMinBytes must be a non-negative integer: ${hashWorkerMinBytes}`);
  }
}
