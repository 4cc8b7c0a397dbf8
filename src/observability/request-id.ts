import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { REQUEST_ID_HEADER } from 'src/common/http/header-names';

const MAX_REQUEST_ID_LENGTH = 128;
/** Visible ASCII and spaces only: the id is echoed in a response header and written to logs. */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** The caller's id when it is safe to reuse (printable ASCII, at most 128 characters), else undefined. */
export function acceptRequestId(value: string | string[] | undefined): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const id = value.trim();
  return id.length > 0 && id.length <= MAX_REQUEST_ID_LENGTH && PRINTABLE_ASCII.test(id)
    ? id
    : undefined;
}

/** The id a request goes by: the caller's when acceptable, else a new UUID. */
export function requestIdFor(request: IncomingMessage): string {
  return acceptRequestId(request.headers[REQUEST_ID_HEADER]) ?? randomUUID();
}

/** pino-http `genReqId`: reuses the caller's id or creates one, and echoes it to the client. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const id = requestIdFor(request);
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The id the logging middleware gave this request, if it ran. */
export function requestIdOf(request: IncomingMessage): string | undefined {
  const { id } = request as { id?: unknown };
  return typeof id === 'string' ? id : undefined;
}
