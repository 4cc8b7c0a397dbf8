import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
export function requestIdFor(request: Pick<IncomingMessage, 'headers'>): string {
  return acceptRequestId(request.headers[REQUEST_ID_HEADER]) ?? randomUUID();
}

/** The id Fastify gave this request (its `genReqId`), on Fastify's request or Node's. */
export function requestIdOf(request: object): string | undefined {
  const { id } = request as { id?: unknown };
  return typeof id === 'string' ? id : undefined;
}
