import fastifyCors from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REJECTED_ROWS_HEADER, REQUEST_ID_HEADER } from 'src/common/http/header-names';
import type { HttpConfig } from 'src/config/http.config';
import { limitRequestRate } from 'src/security/rate-limit.options';
import { sendSecurityHeaders } from 'src/security/security-headers.hook';
import { limitUrlLength } from 'src/security/url-length.hook';

/**
 * Response headers browsers on other origins may read (request id, limits, CSV file names, rows a
 * lenient dataset skipped, the validator of cached answers).
 */
const EXPOSED_HEADERS = [
  REQUEST_ID_HEADER,
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'content-disposition',
  'etag',
  REJECTED_ROWS_HEADER.toLowerCase(),
];

/** Process-wide HTTP settings applied before any route: security headers, CORS, limits. */
export async function applyHttpHardening(
  app: NestFastifyApplication,
  config: HttpConfig,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  sendSecurityHeaders(fastify);
  limitUrlLength(fastify, config.maxUrlLength);
  // Registered on Fastify itself rather than through app.enableCors(): Nest's adapter wraps the
  // same plugin to copy its headers onto Node's response for Nest middleware, which this service
  // has none of, and that copy sends every answer down Node's slower header path (about 7% of the
  // cached answer's throughput, see bench/README.md).
  await app.register(fastifyCors, {
    origin: config.corsOrigins === '*' ? '*' : [...config.corsOrigins],
    methods: 'GET,HEAD,OPTIONS',
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
  await limitRequestRate(app, config);
}
