import { Controller, Get, Header, HttpStatus } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { ApiProblemResponses } from 'src/common/problem/api-problem-responses.decorator';
import { HealthService, type ReadinessReport } from 'src/health/health.service';
import { NOT_RATE_LIMITED } from 'src/security/rate-limit.options';

const READY_EXAMPLE = {
  status: 'ok',
  rows: 5000,
  info: {
    lifecycle: { status: 'up' },
    datasets: { status: 'up', rows: 5000, datasets: { sales: { rows: 5000 } } },
  },
  error: {},
  details: {
    lifecycle: { status: 'up' },
    datasets: { status: 'up', rows: 5000, datasets: { sales: { rows: 5000 } } },
  },
};

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Liveness: the process answers HTTP',
    description: 'Stays 200 while shutting down; restart the instance only when this fails.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', info: {}, error: {}, details: {} } } })
  live(): Promise<HealthCheckResult> {
    return this.health.liveness();
  }

  @Get('ready')
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: every dataset is loaded and the instance is not shutting down',
    description: 'Route traffic here only while this answers 200. Reports the rows loaded.',
  })
  @ApiOkResponse({ schema: { example: READY_EXAMPLE } })
  @ApiProblemResponses({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    description: 'Shutting down or a dataset is missing.',
    detail: 'Not ready: lifecycle (shutting down)',
    instance: '/health/ready',
  })
  ready(): Promise<ReadinessReport> {
    return this.health.readiness();
  }

  @Get()
  @RouteConfig(NOT_RATE_LIMITED)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Alias of /health/ready' })
  @ApiOkResponse({ schema: { example: READY_EXAMPLE } })
  @ApiProblemResponses({
    status: HttpStatus.SERVICE_UNAVAILABLE,
    description: 'As /health/ready.',
    detail: 'Not ready: lifecycle (shutting down)',
    instance: '/health',
  })
  check(): Promise<ReadinessReport> {
    return this.health.readiness();
  }
}
