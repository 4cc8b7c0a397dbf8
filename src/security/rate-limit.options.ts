import fastifyRateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { HttpConfig } from 'src/config/http.config';

const ONE_MINUTE_MS = 60_000;

/** Route config of the routes outside the limit (health checks, metrics). */
export const NOT_RATE_LIMITED = { rateLimit: false } as const;

/**
 * One budget per client address (IPv6 addresses grouped by /64) across the whole API, refilled
 * each minute. It runs in the request's `preValidation` hook: after the request id and access log
 * exist, so a 429 carries both, and before every Nest guard, interceptor and the answer cache.
 */
export function rateLimitOptions(config: HttpConfig): RateLimitPluginOptions {
  return {
    max: config.rateLimitPerMinute,
    timeWindow: ONE_MINUTE_MS,
    hook: 'preValidation',
    // A bounded store: the least recently seen clients are dropped first past this many.
    cache: 100_000,
    errorResponseBuilder: () =>
      new HttpException(
        `Too many requests: the limit is ${config.rateLimitPerMinute} per minute per client; retry after the number of seconds in Retry-After`,
        HttpStatus.TOO_MANY_REQUESTS,
      ),
  };
}

/**
 * Registers the limit for every route registered from now on, unless the route's config says
 * `NOT_RATE_LIMITED`; `RATE_LIMIT_PER_MINUTE=0` registers nothing.
 */
export async function limitRequestRate(
  app: NestFastifyApplication,
  config: HttpConfig,
): Promise<void> {
  if (config.rateLimitPerMinute > 0) {
    await app.register(fastifyRateLimit, rateLimitOptions(config));
  }
}
