import {
  HttpStatus,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, of, type Observable } from 'rxjs';
import { wantsCsv } from 'src/analysis/csv-result.interceptor';
import { REJECTED_ROWS_HEADER } from 'src/common/http/header-names';
import { DEFAULT_DATASET_NAME } from 'src/config/data.config';
import { DatasetRepository } from 'src/data/dataset.repository';
import { PrometheusService } from 'src/observability/prometheus.service';
import { ANSWER_SOURCE, type AnswerSource } from 'src/response-cache/cache-answer.decorator';
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

/**
 * The answer cache, inside the pipeline: a repeated GET of a cacheable route is answered from
 * memory after the rate limit and every guard have run; a new one runs the handler and is kept
 * when it succeeds. Every answer gets a strong ETag (dataset version, normalised query and
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
    // Read before the version, so an answer that an upload or reload overtakes is not kept.
    const generation = this.cache.generation;
    const version = await this.versionFor(
      this.reflector.get<AnswerSource>(ANSWER_SOURCE, context.getHandler()),
      request,
    );
    if (version === undefined) {
      // An unknown dataset or an unreachable store: the handler answers with its error.
      return next.handle();
    }
    const reply = http.getResponse<FastifyReply>();
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
      map((result: unknown) => {
        const answer = this.toAnswer(key, reply, result);
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
    source: AnswerSource,
    request: FastifyRequest,
  ): Promise<string | undefined> {
    try {
      switch (source) {
        case 'dataset-param': {
          const { dataset } = request.params as { dataset?: unknown };
          return typeof dataset === 'string' ? await this.datasetVersion(dataset) : undefined;
        }
        case 'default-dataset':
          return await this.datasetVersion(DEFAULT_DATASET_NAME);
        case 'all-datasets':
          return `*@${await this.datasets.catalogueVersion()}`;
      }
    } catch {
      return undefined;
    }
  }

  private async datasetVersion(dataset: string): Promise<string> {
    return `${dataset}@${await this.datasets.versionOf(dataset)}`;
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
