import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
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
              ...(TYPE_AND_TITLE[status] ?? { type: PROBLEM_TYPES.generic, title: 'Error' }),
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
