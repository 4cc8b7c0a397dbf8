import { DomainError } from 'src/common/errors/domain.error';

export class DatasetNotFoundError extends DomainError {
  readonly kind = 'not-found';

  constructor(
    readonly dataset: string,
    readonly available: readonly string[],
  ) {
    super(`Dataset '${dataset}' does not exist. Available datasets: ${available.join(', ')}`);
    this.name = DatasetNotFoundError.name;
  }
}
