import { DomainError } from 'src/common/errors/domain.error';

/** Uploads and reloads apply to datasets held in memory; a ClickHouse table is filled by import. */
export class ReadOnlyDatasetError extends DomainError {
  readonly kind = 'conflict';

  constructor(dataset: string) {
    super(
      `Dataset '${dataset}' is served from ClickHouse: uploads, reloads and version history apply to in-memory datasets only; add its rows with npm run import`,
    );
    this.name = ReadOnlyDatasetError.name;
  }
}
