import { COMMA, CR, LF, NEWLINE, QUOTE } from 'src/data/csv/csv-bytes';
import { describeByte } from 'src/data/csv/csv-defects';

/*
 * The general tokenizer, for every record the plain-row fast path does not take (quoted fields,
 * line breaks inside quotes, defects).
 *
 * It follows RFC 4180 as csv-parse does with `{ bom: true, skip_empty_lines: true,
 * relax_column_count: false }`: quoted fields may hold commas, `""` and line breaks, and every LF
 * ends a line with a CR right before it dropped, so CRLF, LF and a mix of both are read alike
 * (csv-parse locks onto the first line ending it sees). Unlike csv-parse, it keeps going after a
 * malformed record and says where it went wrong, field and line, which the defect reports need.
 */

/** A field's bytes are `buf[start, end)`; `buf[end]` always exists and is not part of it. */
export interface RawField {
  readonly buf: Buffer;
  readonly start: number;
  readonly end: number;
  /** Where the field starts in the record's buffer, quote included. */
  readonly rawStart: number;
  readonly line: number;
}

export interface RecordProblem {
  readonly fieldIndex: number;
  readonly line: number;
  readonly reason: string;
}

export interface RawRecord {
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

export class CsvTokenizer {
  /** Line where a quoted field left open at the end of the last input started, or 0. */
  openQuoteLine = 0;

  /**
   * Splits one record, starting on line `line`, into fields starting at `start`. Returns null
   * when the record runs past the end of `buf` and more input may follow; at end of input a quote
   * left open is a problem.
   */
  tokenize(buf: Buffer, start: number, eof: boolean, firstLine: number): RawRecord | null {
    const len = buf.length;
    const fields: RawField[] = [];
    let problem: RecordProblem | null = null;
    let line = firstLine;
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
}
