import type { Stats } from 'node:fs';
import { lstat, open, stat, type FileHandle } from 'node:fs/promises';

import { daysInMonth, toDayNumber } from 'src/common/calendar/day-number';
import { CsvFormat, DATE_FORMATS, DateFormat } from 'src/data/csv/csv-format';
import {
  CsvDefect,
  CsvLoadError,
  MAX_REPORTED_DEFECTS,
  quoteForMessage,
} from 'src/data/csv/csv-load.error';
import type { SalesColumns } from 'src/engine';
import { HashingChunkReader } from 'src/data/workers/hashing-chunk-reader';

/*
 * Streaming loader for sales CSV exports.
 *
 * Tokenising follows RFC 4180 as csv-parse does with `{ bom: true, skip_empty_lines: true,
 * relax_column_count: false }`: a leading UTF-8 BOM is dropped, empty lines are skipped, a
 * whitespace-only line is a one-field record (so a field-count defect), quoted fields may hold
 * commas, `""` and line breaks. Every LF ends a line and a CR right before it is dropped, so CRLF,
 * LF and a mix of both are read alike (csv-parse locks onto the first line ending it sees).
 *
 * Field rules (strict, nothing is trimmed; surrounding whitespace is a defect):
 * - country: exactly two ASCII letters, upper-cased.
 * - value: `[+-]?digits[.digits][(e|E)[+-]?digits]`, finite. It yields exactly `Number(text)`.
 * - date: exactly the configured layout (zero-padded, four-digit year) naming a real day.
 *
 * Rows are parsed straight from the read Buffers: a fast path handles plain rows in one pass with no
 * allocation, and any row it does not recognise is re-read by a general tokenizer that either
 * accepts it or says precisely what is wrong.
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

/**
 * A record still incomplete after this many buffered bytes is abandoned, so one endless line (or
 * a quote never closed) cannot make memory grow with the file.
 */
export const MAX_RECORD_BYTES = 1 << 20;

const CHUNK_BYTES = 1 << 20;
const HASH_WORKER_MIN_BYTES = 64 << 20;
const INITIAL_CAPACITY = 4096;
/** Columns this long (14 MiB) are worth having their pages mapped by another thread. */
const TOUCHED_COLUMNS_MIN_ROWS = 1 << 20;
/** Final columns are copied to their exact size when more than 1/16 of their slots are unused. */
const TRIM_SLACK_DIVISOR = 16;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const PLUS = 0x2b;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const SLASH = 0x2f;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

const NEWLINE = Buffer.from([LF]);
const EMPTY = Buffer.alloc(0);

const IGNORED = 0;
const COUNTRY = 1;
const VALUE = 2;
const DATE = 3;

const DMY = 0;
const MDY = 1;
const YMD = 2;

/** Never a day number of a four-digit year, and small enough to stay a V8 small integer. */
const NO_DATE = -0x40000000;

/** Upper-case code of an ASCII letter, 0 for any other byte. */
const LETTER_UPPER = new Uint8Array(256);
for (let c = 0x41; c <= 0x5a; c++) {
  LETTER_UPPER[c] = c;
  LETTER_UPPER[c + 0x20] = c;
}

/** 1e0..1e22: the powers of ten a double holds exactly. */
const EXACT_POW10 = Float64Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Digits that always fit below 2^53, so the integer accumulated from them is exact. */
const MAX_EXACT_DIGITS = 15;

const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const NOT_FINITE_WORD = /^[+-]?(nan|inf|infinity)$/i;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

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
  // The hashing thread, mostly idle, maps the pages of the big columns ahead of the parser.
  const parser = new SalesCsvParser(
    filePath,
    options,
    size,
    reader.touchesPages ? (buffers) => reader.touch(buffers) : null,
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
      rejectedRows: parser.totalDefects,
      rejectedExamples: parser.defects,
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
  const { hashWorkerMinBytes } = options;
  if (
    hashWorkerMinBytes !== undefined &&
    !(Number.isSafeInteger(hashWorkerMinBytes) && hashWorkerMinBytes >= 0)
  ) {
    throw new TypeError(`hashWorkerMinBytes must be a non-negative integer: ${hashWorkerMinBytes}`);
  }
}

async function openRegularFile(filePath: string): Promise<{ handle: FileHandle; size: number }> {
  let info: Stats;
  try {
    info = await stat(filePath);
  } catch (error) {
    throw await describeOpenError(filePath, error);
  }
  // Checked before opening: opening a FIFO would block until someone writes to it.
  if (!info.isFile()) {
    const what = info.isDirectory() ? 'a directory' : 'not a regular file';
    throw CsvLoadError.fileProblem(filePath, 'not-a-file', `path is ${what}`);
  }
  try {
    return { handle: await open(filePath, 'r'), size: info.size };
  } catch (error) {
    throw await describeOpenError(filePath, error);
  }
}

async function describeOpenError(filePath: string, error: unknown): Promise<CsvLoadError> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    const dangling = await lstat(filePath).then(
      (info) => info.isSymbolicLink(),
      () => false,
    );
    const reason = dangling ? 'broken symbolic link (its target does not exist)' : 'file not found';
    return CsvLoadError.fileProblem(filePath, 'not-found', reason, 0, error);
  }
  const reason =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ELOOP'
        ? 'too many levels of symbolic links'
        : errorText(error);
  return CsvLoadError.fileProblem(filePath, 'unreadable', `cannot open file: ${reason}`, 0, error);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A field's bytes are `buf[start, end)`; `buf[end]` always exists and is not part of it. */
interface RawField {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** Where the field starts in the record's buffer, quote included. */
  readonly rawStart: number;
  readonly line: number;
}

interface RecordProblem {
  readonly fieldIndex: number;
  readonly line: number;
  readonly reason: string;
}

interface RawRecord {
  readonly fields: RawField[];
  /** Offset just past the record's line end. */
  readonly end: number;
  /** Line number of the byte at `end`. */
  readonly nextLine: number;
  readonly problem: RecordProblem | null;
}

class SalesCsvParser {
  readonly defects: CsvDefect[] = [];
  totalDefects = 0;

  private readonly maxReported: number;
  private readonly dateLayout: number;

  private headerNames: string[] | null = null;
  private fieldCount = 0;
  private roles = new Uint8Array(0);
  /** Exactly `country,value,date`, the layout of nearly every export. */
  private canonical = false;
  private countryField = 0;
  private valueField = 0;
  private dateField = 0;

  private rows = 0;
  private capacity = INITIAL_CAPACITY;
  private countryCodes: Uint16Array = new Uint16Array(INITIAL_CAPACITY);
  private days: Int32Array = new Int32Array(INITIAL_CAPACITY);
  private values: Float64Array = new Float64Array(INITIAL_CAPACITY);
  private readonly countries: string[] = [];
  /** Dictionary code per letter pair (26 * 26), -1 until seen. */
  private readonly countryIndex = new Int16Array(26 * 26).fill(-1);
  /** Per (year, month): day number of the 1st and month length (0 = not computed yet). */
  private readonly monthStart = new Int32Array(10000 * 12);
  private readonly monthLength = new Uint8Array(10000 * 12);

  /** Line number of the first byte not yet consumed. */
  private line = 1;
  private leftover: Buffer | null = null;
  private bomChecked = false;
  private bytesPushed = 0;
  /** Line where a quoted field left open at the end of the buffered bytes started, or 0. */
  private openQuoteLine = 0;
  /** Result slot of scanValue, so the hot path allocates nothing. */
  private scannedValue = 0;

  constructor(
    private readonly file: string,
    private readonly options: SalesCsvLoadOptions,
    private readonly totalBytes: number,
    /** Given the buffers of big columns, so their pages get mapped before rows reach them. */
    private readonly touchPages: ((buffers: SharedArrayBuffer[]) => void) | null = null,
  ) {
    this.maxReported = options.maxReportedDefects ?? MAX_REPORTED_DEFECTS;
    this.dateLayout = dateLayoutOf(options.format.dateFormat);
  }

  get rowCount(): number {
    return this.rows;
  }

  /**
   * Parses `chunk` on from the bytes before it. Keeps no reference to any earlier chunk, which the
   * reader reuses.
   */
  push(chunk: Buffer): void {
    this.bytesPushed += chunk.length;
    let buf = chunk;
    if (this.leftover !== null) {
      const firstLf = this.headerNames === null ? -1 : chunk.indexOf(LF);
      if (firstLf < 0) {
        buf = Buffer.concat([this.leftover, chunk]);
      } else {
        // Finish the row cut by the chunk boundary on its own, sparing a copy of the whole chunk.
        const head = Buffer.concat([this.leftover, chunk.subarray(0, firstLf + 1)]);
        const pos = this.parseRows(head, 0, false);
        const rest = chunk.subarray(firstLf + 1);
        buf = pos === head.length ? rest : Buffer.concat([head.subarray(pos), rest]);
      }
      this.leftover = null;
    }
    this.parse(buf, false);
    this.reserveProjected();
  }

  /**
   * Grows the columns to the row count projected from the bytes read so far, so they end up only
   * slightly oversized instead of up to twice the size needed (in-chunk growth still doubles).
   */
  private reserveProjected(): void {
    if (this.rows === 0 || this.bytesPushed >= this.totalBytes) {
      return;
    }
    const expected = (this.rows * this.totalBytes) / this.bytesPushed;
    // Regrow only when the plain projection no longer fits, not on every wobble within the margin.
    if (expected + 1024 > this.capacity) {
      const margin = Math.ceil(expected * 1.03) + 4096;
      this.grow(Math.max(margin, Math.ceil(this.capacity * 1.125)));
    }
  }

  finish(bytesRead: number): SalesColumns {
    if (bytesRead === 0) {
      throw CsvLoadError.fileProblem(this.file, 'empty-file', 'file is empty');
    }
    // A virtual final line end completes a last line that has none.
    this.parse(Buffer.concat([this.leftover ?? EMPTY, NEWLINE]), true);
    this.leftover = null;

    if (this.headerNames === null) {
      throw CsvLoadError.fileProblem(this.file, 'empty-file', 'file has only blank lines');
    }
    if (this.rows === 0 && this.totalDefects === 0) {
      throw CsvLoadError.fileProblem(this.file, 'no-data-rows', 'no data rows after the header');
    }
    // Lenient mode tolerates some bad rows, not a file in which none is usable.
    if (this.totalDefects > 0 && (this.options.lenient !== true || this.rows === 0)) {
      throw CsvLoadError.defectiveRows(this.file, this.defects, this.totalDefects);
    }
    const n = this.rows;
    // Copy into right-sized arrays (freeing the oversized ones) unless the slack is small: then the
    // copy would cost more, in time and in peak memory, than the few spare slots it frees.
    const trim = this.capacity - n > this.capacity / TRIM_SLACK_DIVISOR;
    return {
      rowCount: n,
      countryCodes: trim ? this.countryCodes.slice(0, n) : this.countryCodes.subarray(0, n),
      countries: [...this.countries],
      days: trim ? this.days.slice(0, n) : this.days.subarray(0, n),
      values: trim ? this.values.slice(0, n) : this.values.subarray(0, n),
    };
  }

  private parse(input: Buffer, eof: boolean): void {
    let buf = input;
    if (!this.bomChecked) {
      if (buf.length < 3 && !eof) {
        this.leftover = buf;
        return;
      }
      this.bomChecked = true;
      if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
        buf = buf.subarray(3);
      }
    }

    let pos = this.skipBlankLines(buf, 0);
    if (this.headerNames === null && pos < buf.length) {
      const record = this.tokenize(buf, pos, eof);
      if (record === null) {
        this.keepLeftover(buf, pos, eof);
        return;
      }
      this.acceptHeader(buf, pos, record);
      pos = record.end;
    }
    if (this.headerNames !== null) {
      pos = this.parseRows(buf, pos, eof);
    }
    if (pos < buf.length) {
      this.keepLeftover(buf, pos, eof);
    }
  }

  private keepLeftover(buf: Buffer, pos: number, eof: boolean): void {
    const rest = buf.subarray(pos);
    if (!eof && rest.length > MAX_RECORD_BYTES) {
      const open =
        this.openQuoteLine > 0
          ? `; the quoted field opened on line ${this.openQuoteLine} is still not closed`
          : '';
      throw CsvLoadError.fileProblem(
        this.file,
        'record-too-long',
        `record is longer than ${MAX_RECORD_BYTES} bytes${open}; reading stopped`,
        this.line,
      );
    }
    this.leftover = rest;
  }

  private skipBlankLines(buf: Buffer, from: number): number {
    let pos = from;
    for (;;) {
      if (buf[pos] === LF) {
        pos++;
      } else if (buf[pos] === CR && buf[pos + 1] === LF) {
        pos += 2;
      } else {
        return pos;
      }
      this.line++;
    }
  }

  private acceptHeader(buf: Buffer, start: number, record: RawRecord): void {
    const headerLine = this.line;
    this.line = record.nextLine;
    const bad = firstInvalidUtf8(buf, start, record.end);
    if (bad >= 0) {
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header has an invalid UTF-8 byte ${hexByte(buf[bad])}`,
        headerLine + countLineFeeds(buf, start, bad),
      );
    }
    if (record.problem !== null) {
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header: ${record.problem.reason}`,
        record.problem.line,
      );
    }
    const names = record.fields.map((f) => f.buf.toString('utf8', f.start, f.end));
    const { countryColumn, valueColumn, dateColumn } = this.options.format;
    const wanted = [countryColumn, valueColumn, dateColumn];
    const found = `found: ${names.map((n) => JSON.stringify(n)).join(', ')}`;
    const missing = wanted.filter((name) => !names.includes(name));
    if (missing.length > 0) {
      const list = missing.map((n) => JSON.stringify(n)).join(', ');
      const noun = missing.length === 1 ? 'column' : 'columns';
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header lacks ${noun} ${list} (${found})${delimiterHint(names)}`,
        headerLine,
      );
    }
    const repeated = wanted.find((name) => names.indexOf(name) !== names.lastIndexOf(name));
    if (repeated !== undefined) {
      throw CsvLoadError.fileProblem(
        this.file,
        'bad-header',
        `header has column ${JSON.stringify(repeated)} more than once (${found})`,
        headerLine,
      );
    }
    this.headerNames = names;
    this.fieldCount = names.length;
    this.countryField = names.indexOf(countryColumn);
    this.valueField = names.indexOf(valueColumn);
    this.dateField = names.indexOf(dateColumn);
    this.roles = new Uint8Array(names.length).fill(IGNORED);
    this.roles[this.countryField] = COUNTRY;
    this.roles[this.valueField] = VALUE;
    this.roles[this.dateField] = DATE;
    this.canonical =
      names.length === 3 &&
      this.countryField === 0 &&
      this.valueField === 1 &&
      this.dateField === 2;
  }

  /** Parses the rows in `buf` from `from`; returns where the first incomplete record starts. */
  private parseRows(buf: Buffer, from: number, eof: boolean): number {
    // Every record starting at or before the last LF ends within the buffer unless a quoted field
    // runs on past it, and quoted fields never take the fast path: it needs no bounds checks.
    const lastLf = buf.lastIndexOf(LF);
    let pos = from;
    while (pos <= lastLf) {
      const c = buf[pos];
      if (c === LF) {
        pos++;
        this.line++;
        continue;
      }
      if (c === CR && buf[pos + 1] === LF) {
        pos += 2;
        this.line++;
        continue;
      }
      if (this.canonical) {
        const after = this.canonicalRun(buf, pos, lastLf);
        if (after !== pos) {
          pos = after;
          continue;
        }
      }
      let next = this.canonical ? this.fastCanonicalRow(buf, pos) : this.fastRow(buf, pos);
      if (next < 0) {
        next = this.slowRow(buf, pos, eof);
        if (next < 0) {
          break;
        }
      }
      pos = next;
    }
    return pos;
  }

  /**
   * One plain row (no quotes, no non-ASCII bytes, all fields valid) in a single pass; returns the
   * offset after it, or -1 to let the general tokenizer deal with it.
   */
  private fastRow(buf: Buffer, start: number): number {
    const roles = this.roles;
    const last = this.fieldCount - 1;
    let p = start;
    let a = 0;
    let b = 0;
    let day = 0;
    let value = 0;
    for (let f = 0; f <= last; f++) {
      switch (roles[f]) {
        case COUNTRY:
          a = LETTER_UPPER[buf[p]];
          if (a === 0) {
            return -1;
          }
          b = LETTER_UPPER[buf[p + 1]];
          if (b === 0) {
            return -1;
          }
          p += 2;
          break;
        case VALUE:
          p = this.scanValue(buf, p);
          if (p < 0) {
            return -1;
          }
          value = this.scannedValue;
          break;
        case DATE:
          day = this.scanDate(buf, p);
          if (day === NO_DATE) {
            return -1;
          }
          p += 10;
          break;
        default: {
          let c = buf[p];
          while (c !== COMMA && c !== LF) {
            if (c === QUOTE || c >= 0x80) {
              return -1;
            }
            c = buf[++p];
          }
        }
      }
      const t = buf[p];
      if (f < last) {
        if (t !== COMMA) {
          return -1;
        }
        p++;
      } else if (t === LF) {
        p++;
      } else if (t === CR && buf[p + 1] === LF) {
        p += 2;
      } else {
        return -1;
      }
    }
    this.store(this.countryCode(a, b), day, value);
    this.line++;
    return p;
  }

  /**
   * fastCanonicalRow over consecutive rows, with the row state in locals and the usual plain
   * decimal read in line. Stops at `lastLf`, when the columns are full, or before a row it does
   * not take (a new country, an exponent, more than 15 digits, anything unusual): the per-row
   * paths deal with that one and the run resumes after it. Returns where it stopped.
   */
  private canonicalRun(buf: Buffer, start: number, lastLf: number): number {
    const { countryIndex, countryCodes, days, values, capacity } = this;
    const firstRow = this.rows;
    let rows = firstRow;
    let p = start;
    while (p <= lastLf && rows < capacity) {
      const a = LETTER_UPPER[buf[p]];
      const b = LETTER_UPPER[buf[p + 1]];
      if (a === 0 || b === 0 || buf[p + 2] !== COMMA) {
        break;
      }
      const code = countryIndex[(a - 0x41) * 26 + (b - 0x41)];
      if (code < 0) {
        break;
      }
      let q = p + 3;
      let c = buf[q];
      const negative = c === MINUS;
      if (negative || c === PLUS) {
        c = buf[++q];
      }
      const digitsStart = q;
      let d = c - 48;
      if (d >>> 0 > 9) {
        break;
      }
      let mantissa = 0;
      do {
        mantissa = mantissa * 10 + d;
        d = buf[++q] - 48;
      } while (d >>> 0 <= 9);
      let fraction = 0;
      if (buf[q] === DOT) {
        const fractionStart = q + 1;
        d = buf[fractionStart] - 48;
        if (d >>> 0 > 9) {
          break;
        }
        q = fractionStart;
        do {
          mantissa = mantissa * 10 + d;
          d = buf[++q] - 48;
        } while (d >>> 0 <= 9);
        fraction = q - fractionStart;
      }
      // Up to 15 digits the mantissa is exact and one division rounds like Number() (see
      // scanValue); counting leading zeros as digits only sends more rows its way.
      const digits = q - digitsStart - (fraction > 0 ? 1 : 0);
      if (digits > MAX_EXACT_DIGITS || buf[q] !== COMMA) {
        break;
      }
      const day = this.scanDate(buf, q + 1);
      if (day === NO_DATE) {
        break;
      }
      q += 11;
      const t = buf[q];
      if (t === LF) {
        q++;
      } else if (t === CR && buf[q + 1] === LF) {
        q += 2;
      } else {
        break;
      }
      const value = mantissa / EXACT_POW10[fraction];
      countryCodes[rows] = code;
      days[rows] = day;
      values[rows] = negative ? -value : value;
      rows++;
      p = q;
    }
    this.line += rows - firstRow;
    this.rows = rows;
    return p;
  }

  /** fastRow for the usual `country,value,date` layout, with the field loop unrolled. */
  private fastCanonicalRow(buf: Buffer, start: number): number {
    const a = LETTER_UPPER[buf[start]];
    if (a === 0) {
      return -1;
    }
    const b = LETTER_UPPER[buf[start + 1]];
    if (b === 0 || buf[start + 2] !== COMMA) {
      return -1;
    }
    let p = this.scanValue(buf, start + 3);
    if (p < 0 || buf[p] !== COMMA) {
      return -1;
    }
    const day = this.scanDate(buf, p + 1);
    if (day === NO_DATE) {
      return -1;
    }
    p += 11;
    const t = buf[p];
    if (t === LF) {
      p++;
    } else if (t === CR && buf[p + 1] === LF) {
      p += 2;
    } else {
      return -1;
    }
    this.store(this.countryCode(a, b), day, this.scannedValue);
    this.line++;
    return p;
  }

  /** The general path: tokenises one record, then stores it or records why it is defective. */
  private slowRow(buf: Buffer, start: number, eof: boolean): number {
    const record = this.tokenize(buf, start, eof);
    if (record === null) {
      return -1;
    }
    const line = this.line;
    this.line = record.nextLine;
    const defect = this.convert(buf, start, line, record);
    if (defect !== null) {
      this.totalDefects++;
      if (this.defects.length < this.maxReported) {
        this.defects.push(defect);
      }
    }
    return record.end;
  }

  private convert(buf: Buffer, start: number, line: number, record: RawRecord): CsvDefect | null {
    const { fields, problem } = record;
    const bad = firstInvalidUtf8(buf, start, record.end);
    if (bad >= 0) {
      let index = 0;
      while (index + 1 < fields.length && fields[index + 1].rawStart <= bad) {
        index++;
      }
      return {
        line: line + countLineFeeds(buf, start, bad),
        column: this.columnName(index),
        reason: `invalid UTF-8 byte ${hexByte(buf[bad])}`,
      };
    }
    if (problem !== null) {
      return {
        line: problem.line,
        column: this.columnName(problem.fieldIndex),
        reason: problem.reason,
      };
    }
    if (this.isRepeatedHeader(fields)) {
      return { line, column: null, reason: 'repeated header' };
    }
    if (fields.length !== this.fieldCount) {
      return {
        line,
        column: null,
        reason: `expected ${this.fieldCount} fields, found ${fields.length}`,
      };
    }

    let a = 0;
    let b = 0;
    let day = 0;
    let value = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const role = this.roles[i];
      if (role === COUNTRY) {
        a = LETTER_UPPER[f.buf[f.start]];
        b = a === 0 ? 0 : LETTER_UPPER[f.buf[f.start + 1]];
        if (f.end - f.start !== 2 || b === 0) {
          return this.fieldDefect(f, i, describeBadCountry(fieldText(f)));
        }
      } else if (role === VALUE) {
        if (this.scanValue(f.buf, f.start) !== f.end) {
          return this.fieldDefect(f, i, describeBadValue(fieldText(f)));
        }
        value = this.scannedValue;
      } else if (role === DATE) {
        day = f.end - f.start === 10 ? this.scanDate(f.buf, f.start) : NO_DATE;
        if (day === NO_DATE) {
          return this.fieldDefect(f, i, this.describeBadDate(fieldText(f)));
        }
      }
    }
    // Registered only now, so a rejected row leaves no country behind in the dictionary.
    this.store(this.countryCode(a, b), day, value);
    return null;
  }

  private fieldDefect(field: RawField, index: number, reason: string): CsvDefect {
    return { line: field.line, column: this.columnName(index), reason };
  }

  private columnName(index: number): string | null {
    return this.headerNames?.[index] ?? null;
  }

  /** A header line pasted into the data, e.g. by concatenating exports (BOM and all). */
  private isRepeatedHeader(fields: readonly RawField[]): boolean {
    const { countryColumn, valueColumn, dateColumn } = this.options.format;
    const matches = (index: number, name: string): boolean => {
      const field = fields[index];
      return field !== undefined && fieldText(field).replace(/^\uFEFF/, '') === name;
    };
    return (
      matches(this.countryField, countryColumn) &&
      matches(this.valueField, valueColumn) &&
      matches(this.dateField, dateColumn)
    );
  }

  /**
   * Splits one record into fields starting at `start`. Returns null when the record runs past the
   * end of `buf` and more input may follow; at end of input a quote left open is a problem.
   */
  private tokenize(buf: Buffer, start: number, eof: boolean): RawRecord | null {
    const len = buf.length;
    const fields: RawField[] = [];
    let problem: RecordProblem | null = null;
    let line = this.line;
    let p = start;
    this.openQuoteLine = 0;

    for (;;) {
      const rawStart = p;
      const fieldLine = line;
      let field: RawField | null = null;
      let junkAfterQuote = false;

      if (buf[p] === QUOTE) {
        const parts: Buffer[] = [];
        let segment = p + 1;
        let q = p + 1;
        let closed = false;
        while (q < len) {
          const b = buf[q];
          if (b === QUOTE) {
            if (q + 1 < len && buf[q + 1] === QUOTE) {
              parts.push(buf.subarray(segment, q + 1));
              q += 2;
              segment = q;
              continue;
            }
            // A quote as the last buffered byte may still be the first half of `""`.
            closed = q + 1 < len || eof;
            break;
          }
          if (b === LF) {
            line++;
          }
          q++;
        }
        if (!closed) {
          if (!eof) {
            this.openQuoteLine = fieldLine;
            return null;
          }
          fields.push({ buf, start: segment, end: len, rawStart, line: fieldLine });
          problem ??= {
            fieldIndex: fields.length - 1,
            line: fieldLine,
            reason: 'quoted field is not closed before the end of the file',
          };
          return { fields, end: len, nextLine: line, problem };
        }
        if (parts.length === 0) {
          field = { buf, start: segment, end: q, rawStart, line: fieldLine };
        } else {
          // The extra trailing byte keeps `buf[end]` readable, as the scanners expect.
          parts.push(buf.subarray(segment, q), NEWLINE);
          const content = Buffer.concat(parts);
          field = { buf: content, start: 0, end: content.length - 1, rawStart, line: fieldLine };
        }
        p = q + 1;
        if (p >= len) {
          fields.push(field);
          return { fields, end: len, nextLine: line, problem };
        }
        const after = buf[p];
        if (after === CR && p + 1 >= len && !eof) {
          return null;
        }
        const fieldEnds =
          after === COMMA || after === LF || (after === CR && p + 1 < len && buf[p + 1] === LF);
        if (fieldEnds) {
          fields.push(field);
        } else {
          junkAfterQuote = true;
          problem ??= {
            fieldIndex: fields.length,
            line,
            reason: `unexpected ${describeByte(after)} after a closing quote`,
          };
        }
      }

      if (field === null || junkAfterQuote) {
        // Unquoted text, or junk after a closing quote, runs to the next comma or LF.
        const from = p;
        while (p < len && buf[p] !== COMMA && buf[p] !== LF) {
          if (buf[p] === QUOTE) {
            problem ??= {
              fieldIndex: fields.length,
              line,
              reason: 'quote inside an unquoted field',
            };
          }
          p++;
        }
        if (p >= len) {
          // The record goes on in the next chunk (finish() always supplies a final line end).
          return null;
        }
        const end = buf[p] === LF && p > from && buf[p - 1] === CR ? p - 1 : p;
        fields.push(field ?? { buf, start: from, end, rawStart, line: fieldLine });
      }

      const t = buf[p];
      if (t === COMMA) {
        p++;
        continue;
      }
      // LF, or the CR of a CRLF after a closing quote.
      p = t === CR ? p + 2 : p + 1;
      line++;
      return { fields, end: p, nextLine: line, problem };
    }
  }

  private countryCode(a: number, b: number): number {
    const key = (a - 0x41) * 26 + (b - 0x41);
    let code = this.countryIndex[key];
    if (code < 0) {
      code = this.countries.length;
      this.countries.push(String.fromCharCode(a, b));
      this.countryIndex[key] = code;
    }
    return code;
  }

  /**
   * Reads `[+-]?digits[.digits][(e|E)[+-]?digits]` at `start` into `scannedValue` and returns the
   * offset after it, or -1 if there is no such number there or it is not finite. Stops at the
   * first byte that cannot continue the number, so `buf` must hold a byte after it.
   */
  private scanValue(buf: Buffer, start: number): number {
    let p = start;
    let c = buf[p];
    let negative = false;
    if (c === MINUS) {
      negative = true;
      c = buf[++p];
    } else if (c === PLUS) {
      c = buf[++p];
    }
    // Clinger's fast path: up to 15 significant digits form an exact integer and a power of ten
    // up to 1e22 is exact, so one multiplication or division rounds correctly, like Number().
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    let exact = true;
    let d = c - 48;
    if (d >>> 0 > 9) {
      return -1;
    }
    do {
      if (digits < MAX_EXACT_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa !== 0) {
          digits++;
        }
      } else {
        exact = false;
      }
      c = buf[++p];
      d = c - 48;
    } while (d >>> 0 <= 9);
    if (c === DOT) {
      c = buf[++p];
      d = c - 48;
      if (d >>> 0 > 9) {
        return -1;
      }
      do {
        if (digits < MAX_EXACT_DIGITS) {
          mantissa = mantissa * 10 + d;
          scale++;
          if (mantissa !== 0) {
            digits++;
          }
        } else {
          exact = false;
        }
        c = buf[++p];
        d = c - 48;
      } while (d >>> 0 <= 9);
    }
    let exponent = 0;
    if (c === LOWER_E || c === UPPER_E) {
      c = buf[++p];
      let negativeExponent = false;
      if (c === MINUS) {
        negativeExponent = true;
        c = buf[++p];
      } else if (c === PLUS) {
        c = buf[++p];
      }
      d = c - 48;
      if (d >>> 0 > 9) {
        return -1;
      }
      do {
        // Saturate: anything this large over- or underflows anyway, via the exact route below.
        if (exponent < 100000) {
          exponent = exponent * 10 + d;
        }
        c = buf[++p];
        d = c - 48;
      } while (d >>> 0 <= 9);
      if (negativeExponent) {
        exponent = -exponent;
      }
    }
    const power = exponent - scale;
    let value: number;
    if (exact && power >= -22 && power <= 22) {
      value = power < 0 ? mantissa / EXACT_POW10[-power] : mantissa * EXACT_POW10[power];
      if (negative) {
        value = -value;
      }
    } else {
      value = Number(buf.toString('latin1', start, p));
      if (!Number.isFinite(value)) {
        return -1;
      }
    }
    this.scannedValue = value;
    return p;
  }

  /**
   * Day number of the configured date layout at `p`, or NO_DATE. Bytes are checked left to right
   * and none is read past the first mismatch, so a short field cannot run off the buffer.
   */
  private scanDate(buf: Buffer, p: number): number {
    let year: number;
    let month: number;
    let day: number;
    if (this.dateLayout === YMD) {
      year = fourDigits(buf, p);
      if (year < 0 || buf[p + 4] !== MINUS) {
        return NO_DATE;
      }
      month = twoDigits(buf, p + 5);
      if (month < 0 || buf[p + 7] !== MINUS) {
        return NO_DATE;
      }
      day = twoDigits(buf, p + 8);
    } else {
      const first = twoDigits(buf, p);
      if (first < 0 || buf[p + 2] !== SLASH) {
        return NO_DATE;
      }
      const second = twoDigits(buf, p + 3);
      if (second < 0 || buf[p + 5] !== SLASH) {
        return NO_DATE;
      }
      year = fourDigits(buf, p + 6);
      if (this.dateLayout === DMY) {
        day = first;
        month = second;
      } else {
        month = first;
        day = second;
      }
    }
    if (year < 0 || day < 1 || month < 1 || month > 12) {
      return NO_DATE;
    }
    // Same answer as isValidDate + toDayNumber, computed once per month rather than per row.
    const key = year * 12 + month - 1;
    let length = this.monthLength[key];
    if (length === 0) {
      length = daysInMonth(year, month);
      this.monthLength[key] = length;
      this.monthStart[key] = toDayNumber(year, month, 1);
    }
    return day <= length ? this.monthStart[key] + day - 1 : NO_DATE;
  }

  private describeBadDate(text: string): string {
    if (text.length === 0) {
      return 'date is empty';
    }
    const layout = this.options.format.dateFormat;
    const shape = this.dateLayout === YMD ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{2}\/\d{2}\/\d{4}$/;
    return shape.test(text)
      ? `${quoteForMessage(text)} is not a calendar date`
      : `${quoteForMessage(text)} does not match ${layout}`;
  }

  private store(code: number, day: number, value: number): void {
    const i = this.rows;
    if (i === this.capacity) {
      this.grow(this.capacity * 2);
    }
    this.countryCodes[i] = code;
    this.days[i] = day;
    this.values[i] = value;
    this.rows = i + 1;
  }

  private grow(capacity: number): void {
    let countryCodes: Uint16Array;
    let days: Int32Array;
    let values: Float64Array;
    if (this.touchPages !== null && capacity >= TOUCHED_COLUMNS_MIN_ROWS) {
      const buffers = [capacity * 2, capacity * 4, capacity * 8].map(
        (bytes) => new SharedArrayBuffer(bytes),
      );
      countryCodes = new Uint16Array(buffers[0]);
      days = new Int32Array(buffers[1]);
      values = new Float64Array(buffers[2]);
      this.touchPages(buffers);
    } else {
      countryCodes = new Uint16Array(capacity);
      days = new Int32Array(capacity);
      values = new Float64Array(capacity);
    }
    countryCodes.set(this.countryCodes.subarray(0, this.rows));
    days.set(this.days.subarray(0, this.rows));
    values.set(this.values.subarray(0, this.rows));
    this.countryCodes = countryCodes;
    this.days = days;
    this.values = values;
    this.capacity = capacity;
  }
}

function dateLayoutOf(format: DateFormat): number {
  return format === 'DD/MM/YYYY' ? DMY : format === 'MM/DD/YYYY' ? MDY : YMD;
}

/** Points at the usual culprit when a whole header lands in one field. */
function delimiterHint(names: readonly string[]): string {
  if (names.length !== 1) {
    return '';
  }
  const other = [';', '\t', '|'].find((d) => names[0].includes(d));
  return other === undefined
    ? ''
    : `; fields must be separated by "," not ${JSON.stringify(other)}`;
}

function twoDigits(buf: Buffer, p: number): number {
  const a = buf[p] - 48;
  if (a >>> 0 > 9) {
    return -1;
  }
  const b = buf[p + 1] - 48;
  return b >>> 0 > 9 ? -1 : a * 10 + b;
}

function fourDigits(buf: Buffer, p: number): number {
  const high = twoDigits(buf, p);
  if (high < 0) {
    return -1;
  }
  const low = twoDigits(buf, p + 2);
  return low < 0 ? -1 : high * 100 + low;
}

function fieldText(field: RawField): string {
  return field.buf.toString('utf8', field.start, field.end);
}

function describeBadCountry(text: string): string {
  if (text.length === 0) {
    return 'country is empty';
  }
  if (text.trim() !== text) {
    return `${quoteForMessage(text)} has leading or trailing whitespace`;
  }
  return `${quoteForMessage(text)} is not a two-letter country code`;
}

function describeBadValue(text: string): string {
  if (text.length === 0) {
    return 'value is empty';
  }
  const quoted = quoteForMessage(text);
  if (text.trim() !== text) {
    return `${quoted} has leading or trailing whitespace`;
  }
  if (NOT_FINITE_WORD.test(text)) {
    return `${quoted} is not a finite number`;
  }
  if (PLAIN_NUMBER.test(text)) {
    return `${quoted} is not a finite number (out of range)`;
  }
  if (DECIMAL_COMMA.test(text)) {
    return `${quoted} is not a decimal number (the decimal separator must be ".")`;
  }
  return `${quoted} is not a decimal number`;
}

function describeByte(byte: number | undefined): string {
  if (byte === undefined) {
    return 'end of file';
  }
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : hexByte(byte);
}

function hexByte(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

function countLineFeeds(buf: Buffer, start: number, end: number): number {
  let count = 0;
  for (let i = buf.indexOf(LF, start); i >= 0 && i < end; i = buf.indexOf(LF, i + 1)) {
    count++;
  }
  return count;
}

/** Offset of the first byte in `[start, end)` that is not part of well-formed UTF-8, or -1. */
function firstInvalidUtf8(buf: Buffer, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const b = buf[p];
    if (b < 0x80) {
      p++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) {
        low = 0xa0; // overlong
      } else if (b === 0xed) {
        high = 0x9f; // UTF-16 surrogates
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) {
        low = 0x90; // overlong
      } else if (b === 0xf4) {
        high = 0x8f; // above U+10FFFF
      }
    } else {
      return p;
    }
    if (p + need >= end) {
      return p;
    }
    const second = buf[p + 1];
    if (second < low || second > high) {
      return p;
    }
    for (let k = 2; k <= need; k++) {
      const next = buf[p + k];
      if (next < 0x80 || next > 0xbf) {
        return p;
      }
    }
    p += need + 1;
  }
  return -1;
}
