import { DomainError } from 'src/common/errors/domain.error';

/** A defect as clients see it: never an absolute path, at most the file's own name. */
export interface ReportedDefect {
  readonly file?: string;
  readonly line: number;
  readonly column: string | null;
  readonly reason: string;
}

/** Most defects a refused upload or reload lists; the total counts them all. */
export const MAX_LISTED_DEFECTS = 100;

/**
 * An upload or reload whose rows (or file) are not valid for the dataset. Nothing was stored and
 * the previous version keeps serving.
 */
export class CsvRejectedError extends DomainError {
  readonly kind = 'unprocessable';
  override readonly extensions: { defects: ReportedDefect[]; totalDefects: number };

  constructor(summary: string, defects: readonly ReportedDefect[], totalDefects: number) {
    const noun = totalDefects === 1 ? 'defect' : 'defects';
    super(`${summary}: ${totalDefects} ${noun} (listing ${defects.length}); nothing was stored`);
    this.name = CsvRejectedError.name;
    this.extensions = { defects: [...defects], totalDefects };
  }
}
