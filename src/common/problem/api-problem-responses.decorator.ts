import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  ProblemDetailsDto,
} from 'src/common/problem/problem-details';

export interface ProblemExample {
  readonly status: HttpStatus;
  readonly description: string;
  readonly detail: string;
  readonly instance: string;
  readonly errors?: readonly { parameter: string; message: string }[];
}

const TYPE_AND_TITLE: Partial<Record<HttpStatus, { type: string; title: string }>> = {
  [HttpStatus.BAD_REQUEST]: {
    type: PROBLEM_TYPES.invalidParameter,
    title: 'Invalid request parameter',
  },
  [HttpStatus.NOT_FOUND]: { type: PROBLEM_TYPES.notFound, title: 'Not found' },
  [HttpStatus.UNAUTHORIZED]: { type: PROBLEM_TYPES.unauthenticated, title: 'Unauthorized' },
  [HttpStatus.FORBIDDEN]: { type: PROBLEM_TYPES.writesDisabled, title: 'Writes are disabled' },
  [HttpStatus.CONFLICT]: { type: PROBLEM_TYPES.conflict, title: 'Conflict' },
  [HttpStatus.PAYLOAD_TOO_LARGE]: {
    type: PROBLEM_TYPES.payloadTooLarge,
    title: 'Content Too Large',
  },
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: {
    type: PROBLEM_TYPES.unsupportedMediaType,
    title: 'Unsupported Media Type',
  },
  [HttpStatus.UNPROCESSABLE_ENTITY]: {
    type: PROBLEM_TYPES.unprocessable,
    title: 'Unprocessable Content',
  },
};

/** Documents error responses as `application/problem+json`, one example body per status. */
export function ApiProblemResponses(
  ...examples: ProblemExample[]
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...examples.map(({ status, description, errors, ...rest }) =>
      ApiResponse({
        status,
        description,
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
            example: {
              ...(TYPE_AND_TITLE[status] ?? {
                type: PROBLEM_TYPES.generic,
                title: STATUS_CODES[status] ?? 'Error',
              }),
              status,
              ...rest,
              ...(errors ? { errors } : {}),
            },
          },
        },
      }),
    ),
  );
}

export { ProblemDetailsDto };

/** Documents the 429 that every rate-limited route answers once a client's budget is spent. */
export function ApiRateLimitedResponse(): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: HttpStatus.TOO_MANY_REQUESTS,
    description: 'More than RATE_LIMIT_PER_MINUTE requests from this client in the last minute.',
    headers: {
      'Retry-After': {
        description: 'Seconds until the client may send again.',
        schema: { type: 'integer', example: 42 },
      },
    },
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
        example: {
          type: PROBLEM_TYPES.generic,
          title: 'Too Many Requests',
          status: HttpStatus.TOO_MANY_REQUESTS,
          detail:
            'Too many requests: the limit is 600 per minute per client; retry after the number of seconds in Retry-After',
          instance: '/v1/datasets/sales/analysis?metrics=mean',
        },
      },
    },
  });
}

/** Documents the 503 of routes that read a dataset from an external backend (ClickHouse). */
export function ApiBackendUnavailableResponse(): MethodDecorator & ClassDecorator {
  return ApiResponse({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    description:
      'The dataset lives in ClickHouse, which refused, timed out or is overloaded; retry after Retry-After seconds.',
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: { type: 'integer', example: 5 },
      },
    },
    content: {
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
        example: {
          type: PROBLEM_TYPES.unavailable,
          title: 'Data backend unavailable',
          status: HttpStatus.SERVICE_UNAVAILABLE,
          detail: 'ClickHouse is unavailable: connection refused. Retry later.',
          instance: '/v1/datasets/sales/analysis?metrics=mean',
        },
      },
    },
  });
}
