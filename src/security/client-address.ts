import type { Express } from 'express';
import type { IncomingMessage } from 'node:http';

export type ClientAddressOf = (request: IncomingMessage) => string | undefined;

/**
 * `req.ip` for a request Express has not taken yet: Express's own getter, run against the app's
 * `trust proxy` setting, so the address (and with it the rate-limit budget) is exactly the one the
 * throttler guard sees for the same request.
 */
export function clientAddressResolver(app: Express): ClientAddressOf {
  // The getter reads only the app's settings, the headers (X-Forwarded-For) and the socket.
  return ({ headers, socket }) => {
    const address: unknown = Reflect.get(app.request, 'ip', {
      app,
      headers,
      socket,
      connection: socket,
    });
    return typeof address === 'string' ? address : undefined;
  };
}
