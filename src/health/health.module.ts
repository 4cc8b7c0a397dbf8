import { Module } from '@nestjs/common';
import { DataModule } from 'src/data/data.module';
import { HealthController } from 'src/health/health.controller';

@Module({
  imports: [DataModule],
  controllers: [HealthController],
})
export class HealthModule {}
