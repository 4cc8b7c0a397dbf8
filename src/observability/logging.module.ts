import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { ALL_ROUTES } from 'src/common/middleware/all-routes';
import { loggingConfig, type LoggingConfig } from 'src/config/logging.config';
import { LogOutput } from 'src/observability/log-output';
import { PrometheusService } from 'src/observability/prometheus.service';
import { pinoHttpOptions } from 'src/observability/pino-http.options';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      imports: [ConfigModule.forFeature(loggingConfig)],
      inject: [loggingConfig.KEY, PrometheusService],
      useFactory: (config: LoggingConfig, prometheus: PrometheusService) => {
        const options = pinoHttpOptions(config);
        // JSON lines go through a bounded buffer; pretty output is for a developer's terminal.
        const output =
          config.format === 'json'
            ? new LogOutput({
                maxBytes: config.bufferMaxBytes,
                fd: process.stdout.fd,
                onDrop: (level) => prometheus.countDroppedLogLine(level),
              })
            : undefined;
        return {
          pinoHttp: output === undefined ? options : [options, output],
          forRoutes: [ALL_ROUTES],
        };
      },
    }),
  ],
})
export class LoggingModule {}
