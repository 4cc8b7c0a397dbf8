import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

function closeConnectionAfter(response: ServerResponse): void {
  // Node ends a keep-alive socket after a response that carries `Connection: close`.
  if (!response.headersSent) {
    response.setHeader('Connection', 'close');
  }
}

/**
 * Whether the process is shutting down. Once draining, readiness fails and every response still
 * to be written closes its connection, so keep-alive clients reconnect elsewhere and the server
 * can close as soon as in-flight requests are answered.
 */
@Injectable()
export class DrainState {
  private draining = false;
  private readonly inFlight = new Set<ServerResponse>();

  get isDraining(): boolean {
    return this.draining;
  }

  track(response: ServerResponse): void {
    if (this.draining) {
      closeConnectionAfter(response);
      return;
    }
    this.inFlight.add(response);
    response.once('close', () => this.inFlight.delete(response));
  }

  begin(): void {
    if (this.draining) {
      return;
    }
    this.draining = true;
    for (const response of this.inFlight) {
      closeConnectionAfter(response);
    }
  }
}
