import { VersioningType } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { parse as parseQueryString } from 'node:querystring';
import { StrictValidationPipe } from 'src/common/validation/strict-validation.pipe';
import { httpConfig, type HttpConfig } from 'src/config/http.config';
import { setupSwagger } from 'src/docs/swagger';
import { answerConditionalRequests } from 'src/response-cache/conditional-request.hook';
import { trackDraining } from 'src/lifecycle/drain.hook';
import { DrainState } from 'src/lifecycle/drain-state';
import { AccessLog } from 'src/observability/access-log';
import { observeRequests } from 'src/observability/observe-requests.hook';
import { PrometheusService } from 'src/observability/prometheus.service';
import { requestIdFor } from 'src/observability/request-id';
import {
  answerFrameworkError,
  clientErrorProblemHandler,
} from 'src/security/client-error-problems';
import { applyHttpHardening } from 'src/security/http-hardening';

/**
 * The Fastify adapter, with the settings Fastify takes only when it is created: trusted proxies,
 * request ids, query parsing and the limits Node's HTTP parser enforces. Reads the validated HTTP
 * settings from the environment when none are given.
 */
export function createHttpAdapter(config: HttpConfig = httpConfig()): FastifyAdapter {
  return new FastifyAdapter({
    // The client address (rate limits, logs) is the one the last N trusted proxies forwarded.
    trustProxy: config.trustProxyHops,
    genReqId: requestIdFor,
    // Node's plain key=value parsing: repeated keys become arrays and bracket syntax (`a[b]=c`)
    // stays a literal key instead of building objects.
    routerOptions: {
      // A fragment (`#…`, which clients do not send) is not part of the query, as in Node's URL parser.
      querystringParser: (query: string) => parseQueryString(query.split('#', 1)[0]),
      // A dataset name of any length reaches the handler, which names it in a 404 problem.
      maxParamLength: config.maxUrlLength,
    },
    // Node answers 431 past this, before any hook runs.
    http: { maxHeaderSize: config.maxHeaderBytes },
    clientErrorHandler: clientErrorProblemHandler(config.maxHeaderBytes),
    frameworkErrors: answerFrameworkError,
  });
}

/**
 * Everything main.ts applies to the application besides logging and listening, shared with the
 * e2e tests so they exercise the same hooks, headers, limits, pipes, versioning and documentation
 * as production.
 */
export async function configureApp(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const config = app.get(ConfigService);
  trackDraining(fastify, app.get(DrainState));
  observeRequests(fastify, app.get(PrometheusService), app.get(AccessLog));
  answerConditionalRequests(fastify);
  // Bodies of types Fastify does not parse itself (text/csv, multipart uploads) reach their
  // handler unread, as a stream it limits and stores itself.
  fastify.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(new StrictValidationPipe());
  // Registered before the rate limit, whose hook applies to the routes registered after it.
  setupSwagger(app);
  await applyHttpHardening(app, config.getOrThrow<HttpConfig>('http'));
}
