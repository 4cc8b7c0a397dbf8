import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { HttpConfig } from 'src/config/http.config';

const ONE_MINUTE_MS = 60_000;

/**
 * One budget per client address across the whole API (the default key is per route), refilled
 * each minute. `RATE_LIMIT_PER_MINUTE=0` keeps the guard but skips every request.
 */
export function rateLimitOptions({ rateLimitPerMinute }: HttpConfig): ThrottlerModuleOptions {
  return {
    throttlers: [{ ttl: ONE_MINUTE_MS, limit: Math.max(rateLimitPerMinute, 1) }],
    skipIf: () => rateLimitPerMinute === 0,
    generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
    errorMessage: `Too many requests: the limit is ${rateLimitPerMinute} per minute per client; retry after the number of seconds in Retry-After`,
  };
}
