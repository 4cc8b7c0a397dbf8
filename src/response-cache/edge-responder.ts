import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';
import type { Express } from 'express';
import { PinoLogger } from 'nestjs-pino';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { httpConfig, type HttpConfig } from 'src/config/http.config';
import { DrainState } from 'src/lifecycle/drain-state';
import { PrometheusService } from 'src/observability/prometheus.service';
import { requestIdFor } from 'src/observability/request-id';
import { routeTemplateOf } from 'src/observability/route-template';
import { captureBody } from 'src/response-cache/body-capture';
import {
  headersFor,
  toCachedResponse,
  type CachedResponse,
  type RateLimitValues,
} from 'src/response-cache/cached-response';
import { ResponseCache, responseCacheKey } from 'src/response-cache/response-cache';
import { clientAddressResolver, type ClientAddressOf } from 'src/security/client-address';
import {
  RATE_LIMIT_THROTTLER,
  rateLimitKey,
  rateLimitPolicy,
  rateLimitTracker,
  type RateLimitPolicy,
} from 'src/security/rate-limit.options';

/**
 * Routes whose successful answers depend only on the request target, Origin and Accept, because
 * datasets never change once loaded.
 */
const CACHEABLE_ROUTES: ReadonlySet<string> = new Set([
  '/data_analysis',
  '/v1/datasets',
  '/v1/datasets/:dataset',
  '/v1/datasets/:dataset/analysis',
]);

/** Request targets that may reach one of those routes, so that other answers are not copied. */
const CACHEABLE_PREFIXES = ['/data_analysis', '/v1/datasets'] as const;

/**
 * Requests the full pipeline may answer differently from a plain GET (304, 412, 206, a parsed
 * body, 100-continue): never served from the cache, nor used to fill it.
 */
const PIPELINE_ONLY_HEADERS = [
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
  'content-length',
  'transfer-encoding',
  'expect',
] as const;

const STATUS_OK = 200;

function needsPipeline({ headers }: IncomingMessage): boolean {
  for (const name of PIPELINE_ONLY_HEADERS) {
    if (headers[name] !== undefined) {
      return true;
    }
  }
  return false;
}

function mayBeCacheable(url: string | undefined): boolean {
  return url !== undefined && CACHEABLE_PREFIXES.some((prefix) => url.startsWith(prefix));
}

/**
 * Answers repeated GETs of the cacheable routes from the response cache, ahead of Express, while
 * keeping what every answer gets on the normal path: a request id, the same rate-limit budget and
 * headers, the duration metric and one access line in pino-http's shape. Anything else (another
 * method, conditions, a body, shutdown, an exhausted budget, a miss) goes through Express, which
 * fills the cache with its successful answers.
 */
@Injectable()
export class EdgeResponder implements OnApplicationBootstrap {
  private readonly rateLimit: RateLimitPolicy;
  private pipeline: RequestListener = () => undefined;
  private clientAddressOf: ClientAddressOf = () => undefined;
  private accessLog: Logger | undefined;

  constructor(
    private readonly cache: ResponseCache,
    private readonly prometheus: PrometheusService,
    private readonly drain: DrainState,
    @InjectThrottlerStorage() private readonly throttlerStorage: ThrottlerStorage,
    @Inject(httpConfig.KEY) http: HttpConfig,
  ) {
    this.rateLimit = rateLimitPolicy(http);
  }

  /**
   * The access logger is pino-http's, which exists once the logging middleware is set up during
   * init; nothing is served from the cache before then.
   */
  onApplicationBootstrap(): void {
    this.accessLog = PinoLogger.root;
  }

  /** Puts the responder in front of the server's request listener (Express); nothing when off. */
  install(server: Server, app: Express): void {
    if (!this.cache.enabled) {
      return;
    }
    const listeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    this.pipeline = (request, response) => {
      for (const listener of listeners) {
        listener.call(server, request, response);
      }
    };
    this.clientAddressOf = clientAddressResolver(app);
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.handle(request, response),
    );
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'GET' || needsPipeline(request)) {
      this.pipeline(request, response);
      return;
    }
    const key = responseCacheKey(request);
    const cached = this.cache.get(key);
    if (cached === undefined) {
      if (mayBeCacheable(request.url)) {
        this.storeWhenAnswered(key, request, response);
      }
      this.pipeline(request, response);
      return;
    }
    const accessLog = this.accessLog;
    if (
      accessLog === undefined ||
      this.drain.isDraining ||
      cached.rateLimited !== this.rateLimit.enabled
    ) {
      this.pipeline(request, response);
      return;
    }
    const startedAt = Date.now();
    const started = performance.now();
    if (!this.rateLimit.enabled) {
      this.replay(request, response, cached, accessLog, undefined, startedAt, started);
      return;
    }
    const { limit, ttlMs } = this.rateLimit;
    const tracker = rateLimitTracker(this.clientAddressOf(request));
    // The guard's own call: same key, limit, ttl and block duration (the ttl, as it defaults).
    this.throttlerStorage
      .increment(rateLimitKey(tracker), ttlMs, limit, ttlMs, RATE_LIMIT_THROTTLER)
      .then(
        ({ totalHits, timeToExpire, isBlocked }) => {
          // A blocked client adds no hit, so the guard, counting again, answers the usual 429.
          if (isBlocked || this.drain.isDraining) {
            this.pipeline(request, response);
            return;
          }
          const values: RateLimitValues = {
            limit: String(limit),
            remaining: String(Math.max(0, limit - totalHits)),
            reset: String(timeToExpire),
          };
          this.replay(request, response, cached, accessLog, values, startedAt, started);
        },
        () => this.pipeline(request, response),
      );
  }

  private replay(
    request: IncomingMessage,
    response: ServerResponse,
    cached: CachedResponse,
    accessLog: Logger,
    rateLimit: RateLimitValues | undefined,
    startedAt: number,
    started: number,
  ): void {
    const id = requestIdFor(request);
    // As pino-http does: the access line's `req` serializer reads the id from the request.
    request.id = id;
    response.on('finish', () => {
      this.prometheus.observeRequest(
        cached.route,
        'GET',
        STATUS_OK,
        (performance.now() - started) / 1000,
      );
      // pino-http's access line: the `req` binding first, then its success object and message.
      accessLog[cached.logLevel](
        { req: request, route: cached.route, res: response, responseTime: Date.now() - startedAt },
        cached.logMessage,
      );
    });
    this.prometheus.countResponseCacheHit(cached.route);
    response.writeHead(STATUS_OK, headersFor(cached, id, rateLimit));
    response.end(cached.body);
  }

  private storeWhenAnswered(key: string, request: IncomingMessage, response: ServerResponse): void {
    const body = captureBody(response, this.cache.maxEntryBytes);
    // An upload or reload finishing while this answer is computed makes it stale before it is kept.
    const generation = this.cache.generation;
    response.once('finish', () => {
      const route = routeTemplateOf(request);
      const bytes = CACHEABLE_ROUTES.has(route) ? body() : undefined;
      const cached = bytes === undefined ? undefined : toCachedResponse(route, response, bytes);
      if (cached !== undefined) {
        this.cache.set(key, cached, generation);
      }
    });
  }
}
