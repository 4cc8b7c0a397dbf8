import { DomainError } from 'src/common/errors/domain.error';

/** RFC 6750 challenge sent with every 401; the realm names the service. */
const CHALLENGE = 'Bearer realm="sales-metrics"';

/** A write without a valid bearer key. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated';
  override readonly headers: Readonly<Record<string, string>>;

  constructor(problem: 'missing' | 'invalid') {
    super(
      problem === 'missing'
        ? 'This operation needs an API key: send Authorization: Bearer <key>'
        : 'The API key is not valid',
    );
    this.name = UnauthenticatedError.name;
    this.headers = {
      'WWW-Authenticate': problem === 'missing' ? CHALLENGE : `${CHALLENGE}, error="invalid_token"`,
    };
  }
}

/** Writes need API_KEYS; without it the service is read-only. */
export class WritesDisabledError extends DomainError {
  readonly kind = 'writes-disabled';

  constructor() {
    super('Writes are disabled on this server: it has no API_KEYS configured');
    this.name = WritesDisabledError.name;
  }
}
