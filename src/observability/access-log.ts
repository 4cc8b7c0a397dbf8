import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { logAccess } from 'src/observability/logger.options';

/**
 * The service's pino logger, and the one access line each request gets when its answer has been
 * sent (method, URL, route template, status, duration, request id).
 */
export class AccessLog {
  constructor(readonly logger: Logger) {}

  record(request: FastifyRequest, route: string, statusCode: number, elapsedMs: number): void {
    logAccess(
      this.logger,
      { id: request.id, method: request.method, url: request.url },
      route,
      statusCode,
      elapsedMs,
    );
  }
}
