import type { FastifyInstance } from 'fastify';
import type { PrometheusService } from 'src/observability/prometheus.service';
import { REQUEST_ID_HEADER } from 'src/common/http/header-names';
import { rememberRouteTemplate, routeTemplateOf } from 'src/observability/route-template';

/**
 * For every request, first thing: echoes its id (Fastify's `genReqId`) and records the route
 * template it matched on the raw request, where the access log (pino-http, which sees only
 * Node's request) reads it. At the end, times it by that template.
 */
export function observeRequests(fastify: FastifyInstance, metrics: PrometheusService): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    rememberRouteTemplate(request.raw, request.is404 ? undefined : request.routeOptions.url);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      routeTemplateOf(request.raw),
      request.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
}
