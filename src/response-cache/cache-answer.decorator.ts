import {
  applyDecorators,
  SetMetadata,
  UseInterceptors,
  type NestInterceptor,
} from '@nestjs/common';
import { ResponseCacheInterceptor } from 'src/response-cache/response-cache.interceptor';

/** Which data an answer is computed from, and so whose version its cache key carries. */
export type AnswerSource =
  /** The dataset named by the route's `:dataset` parameter. */
  | 'dataset-param'
  /** The default dataset (the compatible endpoint). */
  | 'default-dataset'
  /** Every dataset (the list). */
  | 'all-datasets';

export const ANSWER_SOURCE = Symbol('answerSource');

type InterceptorClass = new (...args: never[]) => NestInterceptor;

/**
 * Serves the route's successful GET answers from the response cache, with an ETag, Cache-Control
 * and Vary. As an interceptor it runs after the rate limit and every guard, so a cached answer is
 * never given to a request the pipeline would refuse. `shaping` are the route's interceptors that
 * shape the body and its headers (CSV, X-Rejected-Rows): they run inside the cache, whose entries
 * keep what they produced.
 */
export const CacheAnswer = (
  source: AnswerSource,
  ...shaping: InterceptorClass[]
): MethodDecorator =>
  applyDecorators(
    SetMetadata(ANSWER_SOURCE, source),
    UseInterceptors(ResponseCacheInterceptor, ...shaping),
  );
