import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Request, Response } from 'express';

/** Swagger UI at /docs, the OpenAPI document at /docs-json and at /openapi.json (the original's path). */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Sales metrics')
    .setDescription(
      'Metrics over sales exports loaded at start-up: count, sum, mean, median, min, max, stddev, variance and percentiles, per country and period. Every error is `application/problem+json` (RFC 9457).',
    )
    .setVersion('1')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app
    .getHttpAdapter()
    .get('/openapi.json', (_request: Request, response: Response) => response.json(document));
}
