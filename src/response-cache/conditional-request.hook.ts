import { HttpStatus } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import fresh from 'fresh';

/**
 * A 200 answer whose ETag matches the request's If-None-Match becomes a 304 without a body
 * (RFC 9110 §13.1.2), keeping the validator and caching headers.
 */
export function answerConditionalRequests(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const etag = reply.getHeader('etag');
    if (
      etag === undefined ||
      request.headers['if-none-match'] === undefined ||
      reply.statusCode !== Number(HttpStatus.OK) ||
      !fresh(request.headers, { etag: String(etag) })
    ) {
      done(null, payload);
      return;
    }
    reply.code(HttpStatus.NOT_MODIFIED);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    done(null, null);
  });
}
