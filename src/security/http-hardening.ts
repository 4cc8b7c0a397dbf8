import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { REJECTED_ROWS_HEADER, REQUEST_ID_HEADER } from 'src/common/http/header-names';
import type { HttpConfig } from 'src/config/http.config';
import { answerClientErrorsWithProblems } from 'src/security/client-error-problems';

/**
 * Response headers browsers on other origins may read (request id, limits, CSV file names, rows a
 * lenient dataset skipped).
 */
const EXPOSED_HEADERS = [
  REQUEST_ID_HEADER,
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-disposition',
  REJECTED_ROWS_HEADER.toLowerCase(),
];

/** Process-wide HTTP settings applied before any route: proxies, security headers, CORS, limits. */
export function applyHttpHardening(app: NestExpressApplication, config: HttpConfig): void {
  // The client address (rate limits, logs) is the one the last N trusted proxies forwarded.
  app.set('trust proxy', config.trustProxyHops);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Swagger UI at /docs loads only same-origin scripts but has inline <style> blocks and
          // data: images, which helmet's defaults already allow. Dropping the upgrade directive
          // keeps /docs usable over plain http (local runs, docker run -p).
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.enableCors({
    origin: config.corsOrigins === '*' ? '*' : [...config.corsOrigins],
    methods: ['GET', 'HEAD', 'OPTIONS'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  // The field `http.createServer({ maxHeaderSize })` sets; Node reads it for each new connection and
  // answers 431 past it, before any middleware runs.
  const server = app.getHttpServer();
  Object.assign(server, { maxHeaderSize: config.maxHeaderBytes });
  answerClientErrorsWithProblems(server, config.maxHeaderBytes);
}
