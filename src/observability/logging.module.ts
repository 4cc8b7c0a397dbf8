import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { ALL_ROUTES } from 'src/common/middleware/all-routes';
import { loggingConfig, type LoggingConfig } from 'src/config/logging.config';
import { pinoHttpOptions } from 'src/observability/pino-http.options';

@Module({
  imports: [
    LoggerModule.forRootAsync({
      imports: [ConfigModule.forFeature(loggingConfig)],
      inject: [loggingConfig.KEY],
      useFactory: (config: LoggingConfig) => ({
        pinoHttp: pinoHttpOptions(config),
        forRoutes: [ALL_ROUTES],
      }),
    }),
  ],
})
export class LoggingModule {}
