import { VersioningType, type INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { StrictValidationPipe } from 'src/common/validation/strict-validation.pipe';
import type { HttpConfig } from 'src/config/http.config';
import { setupSwagger } from 'src/docs/swagger';
import { EdgeResponder } from 'src/response-cache/edge-responder';
import { applyHttpHardening } from 'src/security/http-hardening';

/**
 * Everything main.ts applies to the application besides logging and listening, shared with the
 * e2e tests so they exercise the same headers, limits, pipes, versioning, documentation and
 * response cache as production.
 */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Plain key=value parsing: bracket syntax (`a[b]=c`) stays a literal key instead of building objects.
  express.set('query parser', 'simple');
  applyHttpHardening(express, app.get(ConfigService).getOrThrow<HttpConfig>('http'));
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(new StrictValidationPipe());
  setupSwagger(app);
  // Ahead of Express on the server itself: repeated analysis answers skip the framework entirely.
  app.get(EdgeResponder).install(express.getHttpServer(), express.getHttpAdapter().getInstance());
}
