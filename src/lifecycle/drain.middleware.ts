import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DrainState } from 'src/lifecycle/drain-state';

@Injectable()
export class DrainMiddleware implements NestMiddleware {
  constructor(private readonly drain: DrainState) {}

  use(_request: IncomingMessage, response: ServerResponse, next: () => void): void {
    this.drain.track(response);
    next();
  }
}
