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
  abstract readonly kind:
    | 'invalid-parameter'
    | 'not-found'
    | 'no-data'
    | 'unavailable'
    | 'unauthenticated'
    | 'writes-disabled'
    | 'conflict'
    | 'payload-too-large'
    | 'unsupported-media-type'
    | 'unprocessable';
  /** Seconds a client should wait before retrying; sent as `Retry-After` when set. */
  readonly retryAfterSeconds: number | null = null;
  readonly errors: readonly ParameterError[] = [];
  /** Response headers the condition calls for (`WWW-Authenticate` on a 401). */
  readonly headers: Readonly<Record<string, string>> = {};
  /** Extension members of the problem body (RFC 9457 §3.2), such as the defects of a file. */
  readonly extensions: Readonly<Record<string, unknown>> = {};
}
