import { Controller, Get, Header } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { HealthCheckResult } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { HealthService, type ReadinessReport } from 'src/health/health.service';

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
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get('live')
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
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Readiness: every dataset is loaded and the instance is not shutting down',
    description: 'Route traffic here only while this answers 200. Reports the rows loaded.',
  })
  @ApiOkResponse({ schema: { example: READY_EXAMPLE } })
  @ApiServiceUnavailableResponse({
    description:
      'Shutting down or a dataset is missing (application/problem+json, e.g. "Not ready: lifecycle (shutting down)").',
  })
  ready(): Promise<ReadinessReport> {
    return this.health.readiness();
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Alias of /health/ready' })
  @ApiOkResponse({ schema: { example: READY_EXAMPLE } })
  @ApiServiceUnavailableResponse({ description: 'As /health/ready.' })
  check(): Promise<ReadinessReport> {
    return this.health.readiness();
  }
}
