import {
  DEFAULT_IPV6_SUBNET_PREFIX,
  normalizeIp,
  type ThrottlerModuleOptions,
} from '@nestjs/throttler';
import type { Request } from 'express';
import type { HttpConfig } from 'src/config/http.config';

const ONE_MINUTE_MS = 60_000;

/** The name the guard gives an unnamed throttler; it adds no suffix to the X-RateLimit-* headers. */
export const RATE_LIMIT_THROTTLER = 'default';

/**
 * The one rate limit of the API, shared by the throttler guard and the response cache's fast path
 * so that both count against the same budget in the same storage.
 */
export interface RateLimitPolicy {
  /** False for `RATE_LIMIT_PER_MINUTE=0`: the guard still runs but lets every request through. */
  readonly enabled: boolean;
  readonly limit: number;
  readonly ttlMs: number;
}

export function rateLimitPolicy({ rateLimitPerMinute }: HttpConfig): RateLimitPolicy {
  return {
    enabled: rateLimitPerMinute > 0,
    limit: Math.max(rateLimitPerMinute, 1),
    ttlMs: ONE_MINUTE_MS,
  };
}

/**
 * Who a request counts against: its client address as Express resolves it (`trust proxy`), with
 * IPv6 addresses grouped by /64 as the guard's default tracker does.
 */
export function rateLimitTracker(clientAddress: string | undefined): string {
  // The guard has always passed `req.ip` through unchecked; normalizeIp copes with undefined.
  return normalizeIp(clientAddress as string, DEFAULT_IPV6_SUBNET_PREFIX);
}

/** One budget per client across the whole API (the guard's default key is per route). */
export function rateLimitKey(tracker: string, throttler = RATE_LIMIT_THROTTLER): string {
  return `${throttler}:${tracker}`;
}

/** Refilled each minute; `RATE_LIMIT_PER_MINUTE=0` keeps the guard but skips every request. */
export function rateLimitOptions(config: HttpConfig): ThrottlerModuleOptions {
  const { enabled, limit, ttlMs } = rateLimitPolicy(config);
  return {
    throttlers: [{ name: RATE_LIMIT_THROTTLER, ttl: ttlMs, limit }],
    skipIf: () => !enabled,
    getTracker: (request) => rateLimitTracker((request as Request).ip),
    generateKey: (_context, tracker, throttler) => rateLimitKey(tracker, throttler),
    errorMessage: `Too many requests: the limit is ${config.rateLimitPerMinute} per minute per client; retry after the number of seconds in Retry-After`,
  };
}
