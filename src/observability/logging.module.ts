import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { pino } from 'pino';
import { loggingConfig, type LoggingConfig } from 'src/config/logging.config';
import { AccessLog } from 'src/observability/access-log';
import { LogOutput } from 'src/observability/log-output';
import { loggerOptions } from 'src/observability/logger.options';
import { PrometheusService } from 'src/observability/prometheus.service';

/** The service's one pino logger, behind the access log that owns it. */
@Module({
  imports: [ConfigModule.forFeature(loggingConfig)],
  providers: [
    {
      provide: AccessLog,
      inject: [loggingConfig.KEY, PrometheusService],
      useFactory: (config: LoggingConfig, prometheus: PrometheusService) => {
        const options = loggerOptions(config);
        // JSON lines go through a bounded buffer; pretty output is for a developer's terminal.
        if (config.format !== 'json') {
          return new AccessLog(pino(options));
        }
        const output = new LogOutput({
          maxBytes: config.bufferMaxBytes,
          fd: process.stdout.fd,
          onDrop: (level) => prometheus.countDroppedLogLine(level),
        });
        return new AccessLog(pino(options, output), output);
      },
    },
  ],
  exports: [AccessLog],
})
class AccessLogModule {}

/**
 * Nest's loggers and the access lines write through the same pino logger. The access line comes
 * from a Fastify hook (see observe-requests.hook.ts), so nestjs-pino mounts no pino-http
 * middleware (`forRoutes: []`): that middleware, its per-request child logger and its request
 * context cost more than the rest of a cached answer (see bench/README.md).
 */
@Module({
  imports: [
    AccessLogModule,
    LoggerModule.forRootAsync({
      imports: [AccessLogModule],
      inject: [AccessLog],
      useFactory: ({ logger }: AccessLog) => ({ pinoHttp: { logger }, forRoutes: [] }),
    }),
  ],
  exports: [AccessLogModule],
})
export class LoggingModule {}
