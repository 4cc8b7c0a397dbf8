import { HttpException, HttpStatus, Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpConfig } from 'src/config/http.config';

/** Refuses over-long URLs with 414 before any parsing or validation spends time on them. */
@Injectable()
export class UrlLengthMiddleware implements NestMiddleware {
  constructor(@Inject(httpConfig.KEY) private readonly config: ConfigType<typeof httpConfig>) {}

  use(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    const url = (request as { originalUrl?: string }).originalUrl ?? request.url ?? '';
    if (url.length > this.config.maxUrlLength) {
      throw new HttpException(
        `The request URL is ${url.length} characters long; the limit is ${this.config.maxUrlLength}`,
        HttpStatus.URI_TOO_LONG,
      );
    }
    next();
  }
}
