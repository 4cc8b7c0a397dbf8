import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Swagger UI at /docs loads only same-origin scripts but has inline <style> blocks and data:
 * images, which helmet's defaults already allow. Dropping the upgrade directive keeps /docs usable
 * over plain http (local runs, docker run -p).
 */
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } },
};

/**
 * The headers helmet sets, captured once: with these options they are the same for every
 * response, and copying them costs far less per request than running helmet's middleware
 * (see bench/README.md).
 */
export function securityHeaders(options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/** helmet's security headers on every response, errors and unmatched routes included. */
export function sendSecurityHeaders(fastify: FastifyInstance): void {
  const headers = securityHeaders();
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
