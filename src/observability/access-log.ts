import type { FastifyRequest } from 'fastify';
import { levels, type Logger } from 'pino';
import type { LogOutput } from 'src/observability/log-output';
import { accessLevelOf, accessLine, logAccess } from 'src/observability/logger.options';

/**
 * The service's pino logger, and the one access line each request gets when its answer has been
 * sent (method, URL, route template, status, duration, request id). With JSON output the line is
 * built as a string and handed to the logger's bounded output directly; pretty output goes
 * through pino.
 */
export class AccessLog {
  constructor(
    readonly logger: Logger,
    private readonly output?: LogOutput,
  ) {}

  record(request: FastifyRequest, route: string, statusCode: number, elapsedMs: number): void {
    const req = { id: request.id, method: request.method, url: request.url };
    if (this.output === undefined) {
      logAccess(this.logger, req, route, statusCode, elapsedMs);
      return;
    }
    const level = accessLevelOf(statusCode);
    // Below LOG_LEVEL the line is never built.
    if (this.logger.isLevelEnabled(level)) {
      this.output.writeAccessLine(
        levels.values[level],
        accessLine(level, req, route, statusCode, elapsedMs),
      );
    }
  }
}
