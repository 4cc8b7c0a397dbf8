import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusService } from 'src/observability/prometheus.service';
import { routeTemplateOf } from 'src/observability/route-template';

/** Times every request; the route is read at the end, once the router has matched it. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly prometheus: PrometheusService) {}

  use(request: IncomingMessage, response: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.prometheus.observeRequest(
        routeTemplateOf(request),
        request.method ?? 'UNKNOWN',
        response.statusCode,
        seconds,
      );
    });
    next();
  }
}
