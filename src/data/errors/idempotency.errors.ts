import { DomainError } from 'src/common/errors/domain.error';

/** The key's first request is still running (IETF Idempotency-Key draft: 409). */
export class IdempotencyKeyInFlightError extends DomainError {
  readonly kind = 'conflict';

  constructor() {
    super(
      'A request with this Idempotency-Key is still being processed; retry once it has answered',
    );
    this.name = IdempotencyKeyInFlightError.name;
  }
}

/** The key was already used with another body (IETF Idempotency-Key draft: 422). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly kind = 'unprocessable';

  constructor(dataset: string) {
    super(
      `This Idempotency-Key was already used for a different upload to dataset '${dataset}'; use a new key for new rows`,
    );
    this.name = IdempotencyKeyReusedError.name;
  }
}
