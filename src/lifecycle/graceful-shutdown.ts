import { Logger, type INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { DrainState } from 'src/lifecycle/drain-state';

const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface ShutdownBounds {
  /** Whole shutdown; past it the remaining connections are cut and the process exits 1. */
  readonly timeoutMs: number;
  /** Time to keep answering (with `Connection: close`) before refusing new connections. */
  readonly drainDelayMs: number;
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) => server.getConnections((_error, count) => resolve(count)));
}

/**
 * Replaces Nest's shutdown hooks, which close the modules before the server and re-raise the
 * signal (exit code 143). On SIGTERM or SIGINT:
 * 1. readiness fails and every response closes its connection;
 * 2. for `drainDelayMs` the server keeps answering, so proxies see the failed readiness and requests
 *    already sent over kept-alive connections are read instead of being reset;
 * 3. the server refuses new connections, closes idle ones and waits for the requests in flight;
 * 4. the modules close and the process exits 0; at `timeoutMs` it exits 1 whatever is left.
 */
export function enableGracefulShutdown(
  app: INestApplication,
  { timeoutMs, drainDelayMs }: ShutdownBounds,
): void {
  const logger = new Logger('Shutdown');
  const drain = app.get(DrainState);
  const server = app.getHttpServer() as Server;

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    const started = Date.now();
    drain.begin();
    logger.log(
      `${signal} received: not ready; closing connections as their requests end, exiting within ${timeoutMs} ms`,
    );
    setTimeout(() => {
      logger.error(`Shutdown took longer than ${timeoutMs} ms; cutting the connections still open`);
      server.closeAllConnections();
      process.exit(1);
    }, timeoutMs);
    if ((await openConnections(server)) > 0) {
      await sleep(drainDelayMs);
    }
    // A response whose headers went out before the signal could not say `Connection: close`; its
    // connection then ends this long after it (plus Node's 1 s margin) instead of after 5 s.
    server.keepAliveTimeout = 1;
    // Refuses new connections and closes idle ones; calls back once the last one has ended.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
    logger.log(`Shut down cleanly in ${Date.now() - started} ms`);
    process.exit(0);
  };

  let shuttingDown = false;
  for (const signal of SHUTDOWN_SIGNALS) {
    process.on(signal, (received: NodeJS.Signals) => {
      if (shuttingDown) {
        return;
      }
      shuttingDown = true;
      shutdown(received).catch((error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
    });
  }
}
