import { Global, Module } from '@nestjs/common';
import { DrainState } from 'src/lifecycle/drain-state';

@Global()
@Module({
  providers: [DrainState],
  exports: [DrainState],
})
export class LifecycleModule {}
