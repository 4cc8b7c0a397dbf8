/** One invalid request parameter, as reported to clients in a problem's `errors` array. */
export interface ParameterError {
  readonly parameter: string;
  readonly message: string;
}

/**
 * Base of the errors services throw for conditions a client caused or can fix. They carry no HTTP
 * knowledge; the problem-details filter maps each `kind` to a status and a problem type.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'invalid-parameter' | 'not-found' | 'no-data' | 'unavailable';
  /** Seconds a client should wait before retrying; sent as `Retry-After` when set. */
  readonly retryAfterSeconds: number | null = null;
  readonly errors: readonly ParameterError[] = [];
}
