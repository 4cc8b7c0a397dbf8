import { DomainError } from 'src/common/errors/domain.error';

/** The filters were valid but selected no rows. */
export class NoMatchingDataError extends DomainError {
  readonly kind = 'no-data';

  constructor(detail: string) {
    super(detail);
    this.name = NoMatchingDataError.name;
  }
}
