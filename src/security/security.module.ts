import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { ALL_ROUTES } from 'src/common/middleware/all-routes';
import { httpConfig, type HttpConfig } from 'src/config/http.config';
import { rateLimitOptions } from 'src/security/rate-limit.options';
import { UrlLengthMiddleware } from 'src/security/url-length.middleware';

/** Rate limiting for every controller (health and metrics opt out) and the URL length limit. */
@Module({
  imports: [
    ConfigModule.forFeature(httpConfig),
    ThrottlerModule.forRootAsync({
      imports: [ConfigModule.forFeature(httpConfig)],
      inject: [httpConfig.KEY],
      useFactory: (config: HttpConfig) => rateLimitOptions(config),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class SecurityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(UrlLengthMiddleware).forRoutes(ALL_ROUTES);
  }
}
