import type { INestApplication } from '@nestjs/common';
import { HttpStatus } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  ProblemDetailsDto,
} from 'src/common/problem/problem-details';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The scheme the write operations (uploads, reloads) require; reads are public. */
export const BEARER_SCHEME = 'bearer';

const URI_TOO_LONG: ResponseObject = {
  description: 'The URL is longer than MAX_URL_LENGTH.',
  content: {
    [PROBLEM_CONTENT_TYPE]: {
      schema: { $ref: '#/components/schemas/ProblemDetailsDto' },
      example: {
        type: PROBLEM_TYPES.generic,
        title: 'URI Too Long',
        status: HttpStatus.URI_TOO_LONG,
        detail: 'The request URL is 5000 characters long; the limit is 4096',
        instance: '/v1/datasets/sales/analysis?metrics=mean&countries=AR,AR,AR,…',
      },
    },
  },
};

/** Every GET answer carries an ETag, so a client revalidating with If-None-Match may get a 304. */
const NOT_MODIFIED: ResponseObject = {
  description: 'Not modified: the ETag sent in If-None-Match still matches; no body.',
};

/**
 * The OpenAPI document of every route the application has registered. Besides what the
 * decorators say, it states what holds for every operation: it needs no credentials unless it
 * declares a scheme (`security: []`), it answers 414 to an over-long URL, and a GET answers 304 to a
 * matching If-None-Match.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Sales metrics')
    .setDescription(
      'Metrics over sales exports loaded at start-up: count, sum, mean, median, min, max, stddev, variance and percentiles, per country and period. Every error of the v1 API is `application/problem+json` (RFC 9457); `/data_analysis` keeps the original service\'s `{"detail": ...}` bodies.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer('/', 'This service (paths are relative to the host that served this document)')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'For write operations; reads are public.' },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    extraModels: [ProblemDetailsDto],
  });
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const) {
      const operation = path[method];
      if (operation !== undefined) {
        operation.security ??= [];
        operation.responses[HttpStatus.URI_TOO_LONG] ??= URI_TOO_LONG;
        if (method === 'get') {
          operation.responses[HttpStatus.NOT_MODIFIED] ??= NOT_MODIFIED;
        }
      }
    }
  }
  return document;
}

/** Swagger UI at /docs, the OpenAPI document at /docs-json and at /openapi.json (the original's path). */
export function setupSwagger(app: INestApplication): void {
  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app
    .getHttpAdapter()
    .get('/openapi.json', (_request: FastifyRequest, reply: FastifyReply) => reply.send(document));
}
