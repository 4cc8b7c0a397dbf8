import { DomainError } from 'src/common/errors/domain.error';

export class ExploreAssetNotFoundError extends DomainError {
  readonly kind = 'not-found';

  constructor(
    readonly version: string,
    readonly file: string,
  ) {
    super(
      `The explore page has no asset '${file}' in version '${version}'; reload /explore for the current one`,
    );
    this.name = ExploreAssetNotFoundError.name;
  }
}
