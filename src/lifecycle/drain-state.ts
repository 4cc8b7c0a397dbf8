import { Injectable } from '@nestjs/common';

/**
 * Whether the process is shutting down. Once draining, readiness fails and every response still
 * to be sent closes its connection (see drain.hook.ts), so keep-alive clients reconnect elsewhere
 * and the server can close as soon as in-flight requests are answered.
 */
@Injectable()
export class DrainState {
  private draining = false;

  get isDraining(): boolean {
    return this.draining;
  }

  begin(): void {
    this.draining = true;
  }
}
