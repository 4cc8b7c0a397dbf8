import { VersioningType, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { StrictValidationPipe } from 'src/common/validation/strict-validation.pipe';
import { setupSwagger } from 'src/docs/swagger';

/**
 * Everything main.ts applies to the application besides listening, shared with the e2e tests so
 * they exercise the same pipes, versioning and documentation as production.
 */
export function configureApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  // Plain key=value parsing: bracket syntax (`a[b]=c`) stays a literal key instead of building objects.
  express.set('query parser', 'simple');
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(new StrictValidationPipe());
  setupSwagger(app);
}
