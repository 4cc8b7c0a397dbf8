import type { INestApplication } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createOpenApiDocument } from 'src/docs/swagger';

/*
 * The response contract: every response a test app sends is checked against the OpenAPI document
 * the same app serves, for its path, method and status (content type, and the body against the
 * schema for JSON bodies). Operations the document does not describe (unknown routes, the Swagger
 * UI's assets, HEAD) are not checked. Violations are collected here and fail the suite that
 * caused them (see test/setup-contract.ts).
 */

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options']);
/** Bodies past this size are not kept for checking; no documented answer comes near it. */
const MAX_CHECKED_BODY_BYTES = 4 * 1024 * 1024;

interface MediaTypeObject {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaTypeObject>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}

const violations: string[] = [];

/** The violations seen since the last call, which clears them. */
export function takeContractViolations(): string[] {
  return violations.splice(0);
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Checks responses against one OpenAPI document. */
export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly routes: { template: string; pattern: RegExp }[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenAPIObject) {
    // OpenAPI 3.0 schemas are JSON Schema plus `nullable` (which Ajv knows) and `example`.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(document, 'openapi.json');
    this.routes = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}$`,
      ),
    }));
  }

  /** What is wrong with one response, or undefined when it keeps the contract (or is not covered). */
  check(
    method: string,
    url: string,
    status: number,
    contentType: string | undefined,
    body: Buffer | undefined,
  ): string | undefined {
    const lowerMethod = method.toLowerCase();
    const pathname = url.split(/[?#]/)[0];
    const route = this.routes.find(({ pattern }) => pattern.test(pathname));
    const operation = route
      ? ((this.document.paths[route.template] as Record<string, unknown>)[lowerMethod] as
          OperationObject | undefined)
      : undefined;
    if (!route || !METHODS.has(lowerMethod) || operation === undefined) {
      return undefined;
    }
    const where = `${method} ${url.slice(0, 200)} -> ${status}`;
    const statusKey = [String(status), `${String(status)[0]}XX`, 'default'].find(
      (key) => key in operation.responses,
    );
    if (statusKey === undefined) {
      return `${where}: status not documented for ${lowerMethod.toUpperCase()} ${route.template}`;
    }
    const content = operation.responses[statusKey].content;
    if (status === 204 || status === 304 || body === undefined || body.length === 0) {
      return undefined;
    }
    if (content === undefined) {
      return `${where}: a body where the document declares none`;
    }
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
    if (!(mediaType in content)) {
      return `${where}: content type ${mediaType || '(none)'} not documented (${Object.keys(content).join(', ')})`;
    }
    if (!/^application\/(.+\+)?json$/.test(mediaType) || content[mediaType].schema === undefined) {
      return undefined;
    }
    const pointer = [
      'paths',
      route.template,
      lowerMethod,
      'responses',
      statusKey,
      'content',
      mediaType,
      'schema',
    ]
      .map(escapePointer)
      .join('/');
    let validate = this.validators.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${pointer}` });
      this.validators.set(pointer, validate);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return `${where}: ${mediaType} body is not JSON`;
    }
    if (!validate(parsed)) {
      return `${where}: body does not match the schema: ${this.ajv.errorsText(validate.errors)}; body ${body.toString('utf8').slice(0, 300)}`;
    }
    return undefined;
  }
}

interface CapturedResponse {
  /** The body written, or undefined past the size limit. */
  body(): Buffer | undefined;
  contentType(): string | undefined;
}

/** Keeps a copy of what a response writes, up to the size limit, and its content type. */
function captureResponse(response: ServerResponse): CapturedResponse {
  let headContentType: string | undefined;
  const chunks: Buffer[] = [];
  let bytes = 0;
  let overflow = false;
  const keep = (chunk: unknown, encoding?: unknown): void => {
    if (overflow || chunk === undefined || chunk === null || typeof chunk === 'function') {
      return;
    }
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : Buffer.from(chunk as Uint8Array);
    bytes += buffer.length;
    overflow = bytes > MAX_CHECKED_BODY_BYTES;
    chunks.push(buffer);
  };
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  // Headers given to writeHead (a cached answer's replay) never show in getHeader().
  response.writeHead = (...args: unknown[]) => {
    const headers = args.find((arg) => typeof arg === 'object' && arg !== null);
    const pairs = Array.isArray(headers)
      ? (headers as unknown[]).flatMap((item, index, all) =>
          index % 2 === 0 ? [[String(item), all[index + 1]] as const] : [],
        )
      : Object.entries((headers ?? {}) as Record<string, unknown>);
    const contentType = pairs.find(([name]) => name.toLowerCase() === 'content-type');
    if (contentType !== undefined) {
      headContentType = String(contentType[1]);
    }
    return writeHead(...args);
  };
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return write(...args);
  }) as ServerResponse['write'];
  response.end = ((...args: unknown[]) => {
    keep(args[0], args[1]);
    return end(...args);
  }) as ServerResponse['end'];
  return {
    body: () => (overflow ? undefined : Buffer.concat(chunks)),
    contentType: () => {
      const header = response.getHeader('content-type');
      return header === undefined ? headContentType : String(header);
    },
  };
}

/** Whether a server 'request' listener is the contract check, for tests that count listeners. */
export function isContractListener(listener: unknown): boolean {
  return typeof listener === 'function' && listener.name === 'checkAgainstContract';
}

/** Checks every response the application's HTTP server sends from now on. */
export function enforceContract(app: INestApplication): void {
  const contract = new OpenApiContract(createOpenApiDocument(app));
  const server = app.getHttpServer() as Server;
  server.prependListener(
    'request',
    function checkAgainstContract(request: IncomingMessage, response: ServerResponse) {
      const captured = captureResponse(response);
      response.once('finish', () => {
        const violation = contract.check(
          request.method ?? 'GET',
          request.url ?? '/',
          response.statusCode,
          captured.contentType(),
          request.method === 'HEAD' ? undefined : captured.body(),
        );
        if (violation !== undefined) {
          violations.push(violation);
        }
      });
    },
  );
}
