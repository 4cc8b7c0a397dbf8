import type { ServerResponse } from 'node:http';
import type { LevelWithSilent } from 'pino';
import { accessLevelOf, accessMessageOf } from 'src/observability/pino-http.options';
import { REQUEST_ID_HEADER } from 'src/common/http/header-names';

/** Response headers whose values are made for each request; an answer from the cache gets new ones. */
export type PerRequestValue = 'requestId' | 'limit' | 'remaining' | 'reset';

const PER_REQUEST_HEADERS: ReadonlyMap<string, PerRequestValue> = new Map([
  [REQUEST_ID_HEADER, 'requestId'],
  ['x-ratelimit-limit', 'limit'],
  ['x-ratelimit-remaining', 'remaining'],
  ['x-ratelimit-reset', 'reset'],
]);

/** Framing and time headers Node writes itself for every response. */
const WRITTEN_BY_NODE = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Headers that tie a response to more than the cache key (a cookie, a refused or differently
 * named rate limit): a response carrying one is never kept.
 */
const NOT_REPLAYABLE = /^(set-cookie|retry-after|x-ratelimit-.*)$/;

/** The request headers the cache key holds besides the target; see `responseCacheKey`. */
const KEYED_REQUEST_HEADERS = new Set(['origin', 'accept']);

const STATUS_OK = 200;

/** Whether the answer may vary with a request header the cache key leaves out (or with anything). */
function variesBeyondKey(vary: ReturnType<ServerResponse['getHeader']>): boolean {
  if (vary === undefined) {
    return false;
  }
  return String(vary)
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .some((name) => name !== '' && !KEYED_REQUEST_HEADERS.has(name));
}

/** A successful answer as Nest wrote it, ready to be written again for the same request. */
export interface CachedResponse {
  /** Route template, for the duration metric and the access line. */
  readonly route: string;
  readonly body: Buffer;
  /** `[name, value, name, value, …]` in the order Nest set them, names in their original case. */
  readonly headers: readonly string[];
  /** Positions in `headers` of values to fill for each request. */
  readonly perRequest: readonly { readonly at: number; readonly value: PerRequestValue }[];
  /** Whether the answer carried X-RateLimit-* headers, so it may only be replayed with them. */
  readonly rateLimited: boolean;
  readonly logLevel: LevelWithSilent;
  readonly logMessage: string;
}

/** X-RateLimit-* values for one request, as the throttler guard writes them. */
export interface RateLimitValues {
  readonly limit: string;
  readonly remaining: string;
  readonly reset: string;
}

/**
 * The cacheable form of a finished 200 response and its complete body, or undefined when it asks
 * not to be stored, varies with a request header outside the key, or carries a header that could
 * differ for another request with the same key.
 */
export function toCachedResponse(
  route: string,
  response: ServerResponse,
  body: Buffer,
): CachedResponse | undefined {
  const cacheControl = String(response.getHeader('cache-control') ?? '');
  if (
    response.statusCode !== STATUS_OK ||
    /no-store|private/i.test(cacheControl) ||
    variesBeyondKey(response.getHeader('vary'))
  ) {
    return undefined;
  }
  const headers: string[] = [];
  const perRequest: { at: number; value: PerRequestValue }[] = [];
  // Every outgoing message has it since Node 15.13; @types/node 20 declares it on ClientRequest only.
  const names = (
    response as ServerResponse & { getRawHeaderNames(): string[] }
  ).getRawHeaderNames();
  for (const name of names) {
    const lower = name.toLowerCase();
    const value = response.getHeader(lower);
    const slot = PER_REQUEST_HEADERS.get(lower);
    if (slot !== undefined) {
      headers.push(name, '');
      perRequest.push({ at: headers.length - 1, value: slot });
    } else if (NOT_REPLAYABLE.test(lower)) {
      return undefined;
    } else if (!WRITTEN_BY_NODE.has(lower) && value !== undefined) {
      for (const item of Array.isArray(value) ? value : [value]) {
        headers.push(name, String(item));
      }
    }
  }
  // Only a body written in full, with no transformation in between, may stand in for it.
  if (Number(response.getHeader('content-length')) !== body.length) {
    return undefined;
  }
  return {
    route,
    body,
    headers,
    perRequest,
    rateLimited: perRequest.some(({ value }) => value !== 'requestId'),
    logLevel: accessLevelOf(STATUS_OK),
    logMessage: accessMessageOf('GET', route, STATUS_OK),
  };
}

/** The headers to write for one request answered from `cached`. */
export function headersFor(
  cached: CachedResponse,
  requestId: string,
  rateLimit: RateLimitValues | undefined,
): string[] {
  const headers = cached.headers.slice();
  for (const { at, value } of cached.perRequest) {
    headers[at] = value === 'requestId' ? requestId : (rateLimit?.[value] ?? '');
  }
  return headers;
}
