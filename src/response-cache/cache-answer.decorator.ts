import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ResponseCacheInterceptor } from 'src/response-cache/response-cache.interceptor';

/** Which data an answer is computed from, and so whose version its cache key carries. */
export type AnswerSource =
  /** The dataset named by the route's `:dataset` parameter. */
  | 'dataset-param'
  /** The default dataset (the compatible endpoint). */
  | 'default-dataset'
  /** Every dataset (the list). */
  | 'all-datasets';

/**
 * Turns a handler's result into the body sent, setting on the reply the headers that describe it
 * (Content-Type, Content-Disposition); a result that is not a string is sent as JSON.
 */
export type AnswerBodyWriter<Result = never> = (
  result: Result,
  request: FastifyRequest,
  reply: FastifyReply,
) => unknown;

export interface CacheAnswerOptions<Result> {
  readonly source: AnswerSource;
  /** The body's form; the result as JSON when absent. */
  readonly body?: AnswerBodyWriter<Result>;
  /**
   * Marks answers computed over a dataset with skipped rows (`X-Rejected-Rows`), whatever the
   * body's shape (the compatible endpoint's is fixed, and a CSV download has no room for it).
   */
  readonly markRejectedRows?: boolean;
}

export const CACHE_ANSWER_OPTIONS = Symbol('cacheAnswerOptions');

/**
 * Serves the route's successful GET answers from the response cache, with an ETag, Cache-Control
 * and Vary. As an interceptor it runs after the rate limit and every guard, so a cached answer is
 * never given to a request the pipeline would refuse. The body's form and its describing headers
 * are produced inside the cache, whose entries keep them: one interceptor does it all, since each
 * interceptor costs every request Nest's observable plumbing (see bench/README.md).
 */
export const CacheAnswer = <Result = never>(
  options: AnswerSource | CacheAnswerOptions<Result>,
): MethodDecorator =>
  applyDecorators(
    SetMetadata(CACHE_ANSWER_OPTIONS, typeof options === 'string' ? { source: options } : options),
    UseInterceptors(ResponseCacheInterceptor),
  );
