import {
  HttpStatus,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { concatMap, of, type Observable } from 'rxjs';
import { wantsCsv } from 'src/analysis/csv-answer';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import { DEFAULT_DATASET_NAME } from 'src/config/data.config';
import { DatasetRepository } from 'src/data/dataset.repository';
import { PrometheusService } from 'src/observability/prometheus.service';
import {
  CACHE_ANSWER_OPTIONS,
  type AnswerSource,
  type CacheAnswerOptions,
} from 'src/response-cache/cache-answer.decorator';
import {
  entityTagOf,
  ResponseCache,
  responseCacheKey,
  type CachedAnswer,
  type ParsedQuery,
} from 'src/response-cache/response-cache';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Headers an answer's body comes with, kept with it in the cache. */
const DESCRIBING_HEADERS = [
  'content-type',
  'content-disposition',
  REJECTED_ROWS_HEADER.toLowerCase(),
];

/** The body varies with Accept (JSON or CSV) and the CORS headers with Origin. */
const VARY = 'Accept, Origin';

/** The source of an answer computed from every dataset. */
const ALL_DATASETS = Symbol('allDatasets');

/** The dataset an answer is computed from; undefined when the route's parameter is missing. */
function datasetOf(
  source: AnswerSource,
  request: FastifyRequest,
): string | undefined | typeof ALL_DATASETS {
  switch (source) {
    case 'dataset-param': {
      const { dataset } = request.params as { dataset?: unknown };
      return typeof dataset === 'string' ? dataset : undefined;
    }
    case 'default-dataset':
      return DEFAULT_DATASET_NAME;
    case 'all-datasets':
      return ALL_DATASETS;
  }
}

/**
 * The answer cache, inside the pipeline: a repeated GET of a cacheable route is answered from
 * memory after the rate limit and every guard have run; a new one runs the handler, gives its
 * result the route's body form (CSV, Python-style JSON) and `X-Rejected-Rows`, and is kept when it
 * succeeds. Every answer gets a strong ETag (dataset version, normalised query and
 * representation), `Cache-Control` and `Vary`; the conditional-request hook turns a matching
 * `If-None-Match` into a 304.
 */
@Injectable()
export class ResponseCacheInterceptor implements NestInterceptor {
  private readonly cacheControl: string;

  constructor(
    private readonly cache: ResponseCache,
    private readonly datasets: DatasetRepository,
    private readonly prometheus: PrometheusService,
    private readonly reflector: Reflector,
  ) {
    this.cacheControl = cache.cacheControl;
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const options = this.reflector.get<CacheAnswerOptions<never>>(
      CACHE_ANSWER_OPTIONS,
      context.getHandler(),
    );
    const dataset = datasetOf(options.source, request);
    // Read before the version, so an answer that an upload or reload overtakes is not kept.
    const generation = this.cache.generation;
    const version = await this.versionFor(dataset);
    if (version === undefined) {
      // An unknown dataset or an unreachable store: the handler answers with its error.
      return next
        .handle()
        .pipe(concatMap((result: unknown) => this.shape(options, dataset, request, reply, result)));
    }
    const route = request.routeOptions.url ?? request.url;
    const key = responseCacheKey(
      route,
      version,
      request.query as ParsedQuery,
      wantsCsv(request) ? 'csv' : 'json',
    );
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.prometheus.countResponseCacheHit(route);
      return of(this.describe(reply, cached));
    }
    return next.handle().pipe(
      concatMap(async (result: unknown) => {
        const body = await this.shape(options, dataset, request, reply, result);
        const answer = this.toAnswer(key, reply, body);
        if (reply.statusCode === Number(HttpStatus.OK)) {
          this.cache.set(key, answer, generation);
        }
        return this.describe(reply, answer);
      }),
    );
  }

  /**
   * The data an answer is computed from, by name and version (two datasets may hold the same
   * content, but their answers name them); undefined when the repository cannot tell.
   */
  private async versionFor(
    dataset: string | undefined | typeof ALL_DATASETS,
  ): Promise<string | undefined> {
    try {
      if (dataset === ALL_DATASETS) {
        return `*@${await this.datasets.catalogueVersion()}`;
      }
      return dataset === undefined
        ? undefined
        : `${dataset}@${await this.datasets.versionOf(dataset)}`;
    } catch {
      return undefined;
    }
  }

  /** The result in the route's body form, with `X-Rejected-Rows` when the route asks for it. */
  private async shape(
    { body, markRejectedRows }: CacheAnswerOptions<never>,
    dataset: string | undefined | typeof ALL_DATASETS,
    request: FastifyRequest,
    reply: FastifyReply,
    result: unknown,
  ): Promise<unknown> {
    const shaped = body === undefined ? result : body(result as never, request, reply);
    if (markRejectedRows === true && typeof dataset === 'string') {
      const { rejectedRows } = await this.datasets.summary(dataset);
      if (rejectedRows > 0) {
        reply.header(REJECTED_ROWS_HEADER, String(rejectedRows));
      }
    }
    return shaped;
  }

  /** The handler's result as it would be sent: a string as is, anything else as JSON. */
  private toAnswer(key: string, reply: FastifyReply, result: unknown): CachedAnswer {
    const body = typeof result === 'string' ? result : JSON.stringify(result);
    const headers: Record<string, string> = { 'content-type': JSON_CONTENT_TYPE };
    for (const name of DESCRIBING_HEADERS) {
      const value = reply.getHeader(name);
      if (value !== undefined) {
        headers[name] = String(value);
      }
    }
    return { body, headers, etag: entityTagOf(key) };
  }

  /** Puts the answer's headers on the reply and gives its body, sent as is. */
  private describe(reply: FastifyReply, answer: CachedAnswer): string {
    reply.headers(answer.headers);
    reply.header('etag', answer.etag);
    reply.header('cache-control', this.cacheControl);
    reply.header('vary', VARY);
    return answer.body;
  }
}
