import { Controller, Get, Header } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { prometheusContentType } from 'prom-client';
import { PrometheusService } from 'src/observability/prometheus.service';
import { NOT_RATE_LIMITED } from 'src/security/rate-limit.options';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly prometheus: PrometheusService) {}

  @Get()
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Content-Type', prometheusContentType)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description:
      'Process metrics, request durations by route template, problem responses by type, rows and load time per dataset, and log lines dropped by level because stdout fell behind. Not rate limited.',
  })
  @ApiOkResponse({
    description: 'Metrics in the Prometheus text format, version 0.0.4.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  scrape(): Promise<string> {
    return this.prometheus.render();
  }
}
