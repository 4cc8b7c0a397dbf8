import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { httpConfig } from 'src/config/http.config';

/**
 * The validated HTTP settings (CORS, rate limit, proxies, limits). The hooks that apply them are
 * added to Fastify by configureApp, since Fastify takes some of them only when it is created.
 */
@Module({
  imports: [ConfigModule.forFeature(httpConfig)],
})
export class SecurityModule {}
