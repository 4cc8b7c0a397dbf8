import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { UploadSource } from 'src/live-data/upload-body';

/**
 * The unread request body of an upload, as a stream. On Express the request itself is that stream
 * (its JSON and form parsers leave text/csv and multipart alone); a platform that hands the body
 * over through a pass-through parser puts the stream in `body` instead.
 */
export const UploadBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UploadSource => {
    const request = context
      .switchToHttp()
      .getRequest<IncomingMessage & { body?: unknown; raw?: IncomingMessage }>();
    const stream = request.body instanceof Readable ? request.body : (request.raw ?? request);
    return { stream, headers: request.headers };
  },
);
