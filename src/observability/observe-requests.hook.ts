import type { FastifyInstance } from 'fastify';
import { REQUEST_ID_HEADER } from 'src/common/http/header-names';
import type { AccessLog } from 'src/observability/access-log';
import type { PrometheusService } from 'src/observability/prometheus.service';
import { rememberRouteTemplate, routeTemplateOf } from 'src/observability/route-template';

/**
 * For every request, first thing: echoes its id (Fastify's `genReqId`) and records the route
 * template it matched. Once its answer is sent: times it by that template and writes its access
 * line.
 */
export function observeRequests(
  fastify: FastifyInstance,
  metrics: PrometheusService,
  accessLog: AccessLog,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    rememberRouteTemplate(request.raw, request.is404 ? undefined : request.routeOptions.url);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routeTemplateOf(request.raw);
    const { statusCode, elapsedTime } = reply;
    metrics.observeRequest(route, request.method, statusCode, elapsedTime / 1000);
    accessLog.record(request, route, statusCode, elapsedTime);
    done();
  });
}
