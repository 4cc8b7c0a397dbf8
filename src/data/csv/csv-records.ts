import { CsvError, type InfoField, type Options, parse } from 'csv-parse/sync';

import { CR, LF, NEWLINE, QUOTE } from 'src/data/csv/csv-bytes';
import { countLineFeeds, describeByte, hexByte } from 'src/data/csv/csv-defects';
import { firstInvalidUtf8 } from 'src/data/csv/csv-file';

/*
 * The general path, for every record the plain-row fast path does not take (doubled quotes, line
 * breaks inside quotes, defects, repeated headers): csv-parse splits it into fields.
 *
 * Its options are RFC 4180 as the loader reads it, with two deliberate choices:
 * - Line ends: every LF ends a line, with a CR right before it dropped (`record_delimiter` is
 *   both), so CRLF, LF and a mix of both are read alike. Left to itself csv-parse locks onto the
 *   first line end it meets and reads the other kind as data.
 * - Defects: csv-parse stops at a malformed record. This reader reports it (field, line, reason)
 *   and reads the record again with `relax_quotes` to find where it ends: junk after a closing
 *   quote, or a quote inside an unquoted field, runs to the next comma or line end. The rows after
 *   it are read as usual, so a file's every defect is listed.
 * csv-parse sees one record at a time, cut from the read buffer at a line end, so the fast path
 * takes the next row again.
 */

/** A field's bytes are `buf[start, end)`; `buf[end]` always exists and is not part of it. */
export interface RawField {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** The line the field starts on. */
  readonly line: number;
}

export interface RecordProblem {
  readonly fieldIndex: number;
  readonly line: number;
  readonly reason: string;
  /** An invalid UTF-8 byte, checked before anything else. */
  readonly invalidUtf8: boolean;
}

export interface RawRecord {
  /** Empty when `problem` is set. */
  readonly fields: RawField[];
  /** Offset just past the record's line end. */
  readonly end: number;
  /** Line number of the byte at `end`. */
  readonly nextLine: number;
  readonly problem: RecordProblem | null;
}

export function fieldText(field: RawField): string {
  return field.buf.toString('utf8', field.start, field.end);
}

const OPTIONS = {
  bom: false,
  delimiter: ',',
  quote: '"',
  escape: '"',
  record_delimiter: ['\r\n', '\n'],
  relax_column_count: true,
  skip_empty_lines: false,
  encoding: null,
  info: true,
  to: 1,
} as const satisfies Options;
const RELAXED = { ...OPTIONS, relax_quotes: true } as const satisfies Options;

/** At least this many bytes of a record (up to a line end) go to csv-parse at first. */
const FIRST_WINDOW_BYTES = 1 << 14;

interface ParsedRecord {
  readonly record: Buffer[];
  readonly info: { readonly bytes: number };
}

/** csv-parse's first record of `buf[start, end)`, or its error. */
function firstRecord(
  buf: Buffer,
  start: number,
  end: number,
  options: Options,
): ParsedRecord | CsvError {
  try {
    const records = parse(buf.subarray(start, end), options) as unknown as ParsedRecord[];
    return records[0];
  } catch (error) {
    if (error instanceof CsvError) {
      return error;
    }
    throw error;
  }
}

export class CsvRecordReader {
  /** Line where a quoted field left open at the end of the last input started, or 0. */
  openQuoteLine = 0;

  /**
   * Reads the record starting at `buf[start]`, on line `firstLine`. Returns null when it runs past
   * the last line end of `buf` and more input may follow; at end of input (where `buf` ends with a
   * line end) a quote left open is a problem.
   */
  read(buf: Buffer, start: number, eof: boolean, firstLine: number): RawRecord | null {
    this.openQuoteLine = 0;
    const limit = buf.lastIndexOf(LF) + 1;
    if (limit <= start) {
      return null;
    }
    // csv-parse stops after the first record, so a long window costs nothing and rarely needs
    // to grow, which costs a parse and an error.
    const far = start + FIRST_WINDOW_BYTES;
    let end = far >= limit ? limit : buf.indexOf(LF, far) + 1;
    for (;;) {
      const parsed = firstRecord(buf, start, end, OPTIONS);
      if (!(parsed instanceof CsvError)) {
        return this.accepted(buf, start, start + parsed.info.bytes, firstLine, parsed.record);
      }
      if (parsed.code === 'CSV_QUOTE_NOT_CLOSED' && end < limit) {
        end = growWindow(buf, start, end, limit);
        continue;
      }
      if (parsed.code === 'CSV_QUOTE_NOT_CLOSED' && !eof) {
        this.openQuoteLine = openFieldLine(buf, start, end, firstLine);
        return null;
      }
      return this.defective(buf, start, end, limit, eof, firstLine, parsed);
    }
  }

  private accepted(
    buf: Buffer,
    start: number,
    end: number,
    firstLine: number,
    record: Buffer[],
  ): RawRecord {
    const nextLine = firstLine + countLineFeeds(buf, start, end);
    const utf8 = utf8Problem(buf, start, end, firstLine, () =>
      fieldStarts(buf, start, end, OPTIONS),
    );
    if (utf8 !== null) {
      return { fields: [], end, nextLine, problem: utf8 };
    }
    // Each field followed by a line end, so `buf[end]` exists, as the scanners expect.
    const parts: Buffer[] = [];
    for (const field of record) {
      parts.push(field, NEWLINE);
    }
    const joined = Buffer.concat(parts);
    const fields: RawField[] = [];
    let offset = 0;
    let line = firstLine;
    for (const field of record) {
      fields.push({ buf: joined, start: offset, end: offset + field.length, line });
      line += countLineFeeds(field, 0, field.length);
      offset += field.length + 1;
    }
    return { fields, end, nextLine, problem: null };
  }

  /** A record csv-parse refuses: what is wrong with it, and where it ends. */
  private defective(
    buf: Buffer,
    start: number,
    window: number,
    limit: number,
    eof: boolean,
    firstLine: number,
    error: CsvError,
  ): RawRecord | null {
    let end = limit;
    if (error.code !== 'CSV_QUOTE_NOT_CLOSED') {
      for (let w = window; ; w = growWindow(buf, start, w, limit)) {
        const relaxed = firstRecord(buf, start, w, RELAXED);
        if (!(relaxed instanceof CsvError)) {
          end = start + relaxed.info.bytes;
          break;
        }
        if (relaxed.code !== 'CSV_QUOTE_NOT_CLOSED') {
          throw relaxed;
        }
        if (w >= limit) {
          // A later quoted field of the same record is still open.
          if (!eof) {
            this.openQuoteLine = openFieldLine(buf, start, limit, firstLine);
            return null;
          }
          break;
        }
      }
    }
    const nextLine = firstLine + countLineFeeds(buf, start, end);
    // The fields csv-parse finished before it stopped, and where the next one starts.
    const starts = fieldStarts(buf, start, window, OPTIONS);
    const problem =
      utf8Problem(buf, start, end, firstLine, () => fieldStarts(buf, start, end, RELAXED)) ??
      quoteProblem(buf, start, firstLine, starts, error);
    return { fields: [], end, nextLine, problem };
  }
}

/** The next window: about twice as long, still ending just after a line end. */
function growWindow(buf: Buffer, start: number, end: number, limit: number): number {
  const next = buf.indexOf(LF, start + 2 * (end - start) - 1);
  return next < 0 || next >= limit ? limit : next + 1;
}

/**
 * Where each field of the record at `start` begins, as far as csv-parse reads it within
 * `buf[start, end)`: the last entry is where the field it stopped in (or the record's last) begins.
 */
function fieldStarts(buf: Buffer, start: number, end: number, options: Options): number[] {
  const starts = [start];
  // csv-parse hands `cast` the raw bytes read so far, up to the comma that ends each field.
  // (a Buffer, with `encoding: null`, whatever its declared type).
  const cast = (value: string, context: InfoField): string => {
    starts.push(start + Buffer.byteLength(context.raw ?? ''));
    return value;
  };
  try {
    parse(buf.subarray(start, end), { ...options, raw: true, cast });
  } catch {
    // The error is known already. (Building it can even fail: with `raw` and `encoding: null`,
    // csv-parse 7 passes null to Buffer#toString.) The starts gathered so far are the answer.
  }
  const last = starts[starts.length - 1];
  // The last field ends at the line end, not at a comma: it starts no field.
  if (starts.length > 1 && (buf[last - 1] === LF || buf[last - 1] === CR)) {
    starts.pop();
  }
  return starts;
}

function openFieldLine(buf: Buffer, start: number, end: number, firstLine: number): number {
  const starts = fieldStarts(buf, start, end, OPTIONS);
  return firstLine + countLineFeeds(buf, start, starts[starts.length - 1]);
}

function utf8Problem(
  buf: Buffer,
  start: number,
  end: number,
  firstLine: number,
  starts: () => number[],
): RecordProblem | null {
  const bad = firstInvalidUtf8(buf, start, end);
  if (bad < 0) {
    return null;
  }
  const fieldStarts = starts();
  let fieldIndex = 0;
  while (fieldIndex + 1 < fieldStarts.length && fieldStarts[fieldIndex + 1] <= bad) {
    fieldIndex++;
  }
  return {
    fieldIndex,
    line: firstLine + countLineFeeds(buf, start, bad),
    reason: `invalid UTF-8 byte ${hexByte(buf[bad])}`,
    invalidUtf8: true,
  };
}

/** Says what csv-parse refused in the field that starts at the last of `starts`. */
function quoteProblem(
  buf: Buffer,
  start: number,
  firstLine: number,
  starts: readonly number[],
  error: CsvError,
): RecordProblem {
  const fieldIndex = starts.length - 1;
  const fieldStart = starts[fieldIndex];
  const fieldLine = firstLine + countLineFeeds(buf, start, fieldStart);
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    const reason = 'quoted field is not closed before the end of the file';
    return { fieldIndex, line: fieldLine, reason, invalidUtf8: false };
  }
  if (error.code === 'INVALID_OPENING_QUOTE') {
    const reason = 'quote inside an unquoted field';
    return { fieldIndex, line: fieldLine, reason, invalidUtf8: false };
  }
  if (error.code !== 'CSV_INVALID_CLOSING_QUOTE' || buf[fieldStart] !== QUOTE) {
    throw error;
  }
  // The closing quote is the first one not doubled.
  let p = fieldStart + 1;
  while (buf[p] !== QUOTE || buf[p + 1] === QUOTE) {
    p += buf[p] === QUOTE ? 2 : 1;
  }
  return {
    fieldIndex,
    line: fieldLine + countLineFeeds(buf, fieldStart, p),
    reason: `unexpected ${describeByte(buf[p + 1])} after a closing quote`,
    invalidUtf8: false,
  };
}
