/** One problem found while loading a CSV file. */
export interface CsvDefect {
  /** 1-based physical line in the file; 0 when the problem concerns the file as a whole. */
  readonly line: number;
  /** CSV column name (as written in the header), or null for row- and file-level problems. */
  readonly column: string | null;
  readonly reason: string;
}

/**
 * What went wrong. Everything except `defective-rows` is a file-level problem that makes the
 * file unusable, so it is raised in lenient mode too.
 */
export type CsvLoadErrorKind =
  | 'not-found'
  | 'not-a-file'
  | 'unreadable'
  | 'empty-file'
  | 'bad-header'
  | 'no-data-rows'
  | 'record-too-long'
  | 'defective-rows';

export const MAX_REPORTED_DEFECTS = 20;

/** A `CsvLoadError` as plain data (its cause, if any, left out). */
export interface CsvLoadErrorData {
  readonly file: string;
  readonly kind: CsvLoadErrorKind;
  readonly defects: readonly CsvDefect[];
  readonly totalDefects: number;
  readonly message: string;
}

/** Longest value quoted in a message, so one huge field cannot flood the logs. */
const MAX_QUOTED_CHARS = 60;

export class CsvLoadError extends Error {
  override readonly name = 'CsvLoadError';

  private constructor(
    /** The path as given to the loader. */
    readonly file: string,
    readonly kind: CsvLoadErrorKind,
    /** The first defects found, in file order (at most the configured cap). */
    readonly defects: readonly CsvDefect[],
    /** All defective rows, including those not kept in `defects`. */
    readonly totalDefects: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** A problem with the file as a whole (missing, unreadable, bad header, ...). */
  static fileProblem(
    file: string,
    kind: Exclude<CsvLoadErrorKind, 'defective-rows'>,
    reason: string,
    line = 0,
    cause?: unknown,
  ): CsvLoadError {
    const defect: CsvDefect = { line, column: null, reason };
    return new CsvLoadError(
      file,
      kind,
      [defect],
      1,
      `${file}: ${formatDefect(defect)}`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** The error as plain data, to post from a worker thread (see `fromData`). */
  toData(): CsvLoadErrorData {
    const { file, kind, defects, totalDefects, message } = this;
    return { file, kind, defects, totalDefects, message };
  }

  /** The error another thread posted as `toData()`. */
  static fromData({ file, kind, defects, totalDefects, message }: CsvLoadErrorData): CsvLoadError {
    return new CsvLoadError(file, kind, defects, totalDefects, message);
  }

  /** Rows that failed validation; `defects` holds the first of them. */
  static defectiveRows(
    file: string,
    defects: readonly CsvDefect[],
    totalDefects: number,
  ): CsvLoadError {
    const lines = defects.map((d) => `\n  ${formatDefect(d)}`).join('');
    const noun = totalDefects === 1 ? 'row' : 'rows';
    return new CsvLoadError(
      file,
      'defective-rows',
      defects,
      totalDefects,
      `${file}: ${totalDefects} defective ${noun} (showing ${defects.length}):${lines}`,
    );
  }
}

/** `line 5, column "value": reason`, leaving out the parts that do not apply. */
export function formatDefect(defect: CsvDefect): string {
  const where: string[] = [];
  if (defect.line > 0) {
    where.push(`line ${defect.line}`);
  }
  if (defect.column !== null) {
    where.push(`column ${JSON.stringify(defect.column)}`);
  }
  return where.length > 0 ? `${where.join(', ')}: ${defect.reason}` : defect.reason;
}

/** A field's text as shown in a reason: JSON-quoted and shortened. */
export function quoteForMessage(text: string): string {
  const shown = text.length > MAX_QUOTED_CHARS ? `${text.slice(0, MAX_QUOTED_CHARS)}...` : text;
  return JSON.stringify(shown);
}
