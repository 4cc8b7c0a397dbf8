import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ALL_ROUTES } from 'src/common/middleware/all-routes';
import { DrainMiddleware } from 'src/lifecycle/drain.middleware';
import { DrainState } from 'src/lifecycle/drain-state';

@Global()
@Module({
  providers: [DrainState],
  exports: [DrainState],
})
export class LifecycleModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(DrainMiddleware).forRoutes(ALL_ROUTES);
  }
}
