import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/**
 * Refuses over-long URLs with 414 before parsing or validation spends time on them. A later hook
 * than the request id and access log, so the refusal carries both.
 */
export function limitUrlLength(fastify: FastifyInstance, maxUrlLength: number): void {
  fastify.addHook('preValidation', (request, _reply, done) => {
    const { length } = request.url;
    done(
      length > maxUrlLength
        ? new HttpException(
            `The request URL is ${length} characters long; the limit is ${maxUrlLength}`,
            HttpStatus.URI_TOO_LONG,
          )
        : undefined,
    );
  });
}
