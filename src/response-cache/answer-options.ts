import type { FastifyReply, FastifyRequest } from 'fastify';

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

/** How a cacheable route's answers are keyed and written (see `AnswerCache.serve`). */
export interface CacheAnswerOptions<Result = never> {
  readonly source: AnswerSource;
  /** The body's form; the result as JSON when absent. */
  readonly body?: AnswerBodyWriter<Result>;
  /**
   * Marks answers computed over a dataset with skipped rows (`X-Rejected-Rows`), whatever the
   * body's shape (the compatible endpoint's is fixed, and a CSV download has no room for it).
   */
  readonly markRejectedRows?: boolean;
}
