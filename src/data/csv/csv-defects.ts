import { formatIsoDate } from 'src/common/calendar/day-number';
import { LF } from 'src/data/csv/csv-bytes';
import type { DateFormat } from 'src/data/csv/csv-format';
import type { DayRange } from 'src/data/csv/field-scanners';
import { type CsvDefect, quoteForMessage } from 'src/data/csv/csv-load.error';

/*
 * Defect reporting: what the loader says about a row it refuses, and the first few such reports.
 */

/** Counts every defective row and keeps the first `maxReported` reports, in file order. */
export class DefectLog {
  readonly defects: CsvDefect[] = [];
  total = 0;

  constructor(private readonly maxReported: number) {}

  add(defect: CsvDefect): void {
    this.total++;
    if (this.defects.length < this.maxReported) {
      this.defects.push(defect);
    }
  }
}

const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const NOT_FINITE_WORD = /^[+-]?(nan|inf|infinity)$/i;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

export function describeBadCountry(text: string): string {
  if (text.length === 0) {
    return 'country is empty';
  }
  if (text.trim() !== text) {
    return `${quoteForMessage(text)} has leading or trailing whitespace`;
  }
  return `${quoteForMessage(text)} is not a two-letter country code`;
}

export function describeBadValue(text: string): string {
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

export function describeBadDate(text: string, layout: DateFormat): string {
  if (text.length === 0) {
    return 'date is empty';
  }
  const shape = layout === 'YYYY-MM-DD' ? /^\d{4}-\d{2}-\d{2}$/ : /^\d{2}\/\d{2}\/\d{4}$/;
  return shape.test(text)
    ? `${quoteForMessage(text)} is not a calendar date`
    : `${quoteForMessage(text)} does not match ${layout}`;
}

export function describeDayOutOfRange(text: string, range: DayRange): string {
  return (
    `${quoteForMessage(text)} is outside the dates ${range.store} stores ` +
    `(${formatIsoDate(range.first)} to ${formatIsoDate(range.last)})`
  );
}

/** Points at the usual culprit when a whole header lands in one field. */
export function delimiterHint(names: readonly string[]): string {
  if (names.length !== 1) {
    return '';
  }
  const other = [';', '\t', '|'].find((d) => names[0].includes(d));
  return other === undefined
    ? ''
    : `; fields must be separated by "," not ${JSON.stringify(other)}`;
}

export function describeByte(byte: number | undefined): string {
  if (byte === undefined) {
    return 'end of file';
  }
  return byte >= 0x20 && byte < 0x7f ? JSON.stringify(String.fromCharCode(byte)) : hexByte(byte);
}

export function hexByte(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Line feeds in `buf[start, end)`: how many lines a defect lies below its record's first. */
export function countLineFeeds(buf: Buffer, start: number, end: number): number {
  let count = 0;
  for (let i = buf.indexOf(LF, start); i >= 0 && i < end; i = buf.indexOf(LF, i + 1)) {
    count++;
  }
  return count;
}
