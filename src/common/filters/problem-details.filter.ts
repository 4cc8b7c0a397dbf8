import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  Optional,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainError } from 'src/common/errors/domain.error';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  type ProblemDetails,
} from 'src/common/problem/problem-details';
import { PrometheusService } from 'src/observability/prometheus.service';
import { loggedRequest } from 'src/observability/logger.options';
import { requestIdOf } from 'src/observability/request-id';

export const DOMAIN_PROBLEMS: Record<
  DomainError['kind'],
  { status: HttpStatus; type: string; title: string }
> = {
  'invalid-parameter': {
    status: HttpStatus.BAD_REQUEST,
    type: PROBLEM_TYPES.invalidParameter,
    title: 'Invalid request parameter',
  },
  'not-found': { status: HttpStatus.NOT_FOUND, type: PROBLEM_TYPES.notFound, title: 'Not found' },
  'no-data': {
    status: HttpStatus.NOT_FOUND,
    type: PROBLEM_TYPES.noData,
    title: 'No matching data',
  },
  unavailable: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    type: PROBLEM_TYPES.unavailable,
    title: 'Data backend unavailable',
  },
  unauthenticated: {
    status: HttpStatus.UNAUTHORIZED,
    type: PROBLEM_TYPES.unauthenticated,
    title: 'Unauthorized',
  },
  'writes-disabled': {
    status: HttpStatus.FORBIDDEN,
    type: PROBLEM_TYPES.writesDisabled,
    title: 'Writes are disabled',
  },
  conflict: { status: HttpStatus.CONFLICT, type: PROBLEM_TYPES.conflict, title: 'Conflict' },
  'payload-too-large': {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    type: PROBLEM_TYPES.payloadTooLarge,
    title: 'Content Too Large',
  },
  'unsupported-media-type': {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    type: PROBLEM_TYPES.unsupportedMediaType,
    title: 'Unsupported Media Type',
  },
  unprocessable: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    type: PROBLEM_TYPES.unprocessable,
    title: 'Unprocessable Content',
  },
};

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) {
    return message.map(String).join('; ');
  }
  return typeof message === 'string' && message.length > 0 ? message : exception.message;
}

/**
 * Turns every error into an RFC 9457 `application/problem+json` body: domain errors by their kind,
 * framework HTTP exceptions by their status, and anything else into a bare 500 that is logged but
 * never reveals its message or stack.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);

  constructor(@Optional() private readonly prometheus?: PrometheusService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const response = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request);
    if (response.sent) {
      // A streamed body already started; the connection is the only thing left to end.
      response.raw.end();
      return;
    }
    this.prometheus?.countProblem(problem.type, problem.status);
    // The request id lets a client quote the failure and an operator find its log lines.
    const requestId = requestIdOf(request);
    const body = requestId === undefined ? problem : { ...problem, requestId };
    if (exception instanceof DomainError) {
      if (exception.retryAfterSeconds !== null) {
        response.header('Retry-After', String(exception.retryAfterSeconds));
      }
      for (const [name, value] of Object.entries(exception.headers)) {
        response.header(name, value);
      }
    }
    response
      .status(problem.status)
      .type(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
      .send(JSON.stringify(body));
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDetails {
    const instance = request.originalUrl;
    if (exception instanceof DomainError) {
      const { status, type, title } = DOMAIN_PROBLEMS[exception.kind];
      return {
        type,
        title,
        status,
        detail: exception.message,
        instance,
        ...(exception.errors.length > 0 ? { errors: [...exception.errors] } : {}),
        ...exception.extensions,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      return {
        type: PROBLEM_TYPES.generic,
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: httpExceptionDetail(exception),
        instance,
      };
    }
    // With the request it failed, as on its access line.
    this.logger.error(
      {
        req: loggedRequest(request),
        err: exception instanceof Error ? exception : new Error(String(exception)),
      },
      `Unexpected error on ${instance}`,
    );
    return {
      type: PROBLEM_TYPES.generic,
      title: 'Internal Server Error',
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'The server failed to answer this request. It has been logged.',
      instance,
    };
  }
}
