/**
 * The floor of a cached answer on this stack: a Nest 11 + Fastify app doing, in their cheapest
 * form, only the per-request pieces a cached `/data_analysis` answer must carry, with none of the
 * service's modules behind them:
 * - the request id (the caller's or a new UUID) and Node's query-string parsing;
 * - one `onRequest` hook: the service's fixed response headers (security and CORS headers, read
 *   from the file the bench captured from the built server), the request id, and a per-address
 *   fixed-window counter with its three `X-RateLimit-*` headers;
 * - the route's handler (no pipe): a Map lookup by the sorted query, then Content-Type, ETag,
 *   Cache-Control and Vary;
 * - one `onResponse` hook: a prom-client histogram observation by route, method and status, and
 *   one JSON access line through an asynchronous sonic-boom on stdout.
 *
 *   PORT=… node http/nest-floor-server.cjs <body.json> <headers.json>
 */
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { Controller, Get, Module, Query, Res } = require('@nestjs/common');
const { parse } = require('node:querystring');
const { randomUUID } = require('node:crypto');
const { readFileSync } = require('node:fs');
const SonicBoom = require('sonic-boom');
const { Histogram } = require('prom-client');

const body = readFileSync(process.argv[2], 'utf8');
const fixedHeaders = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const LIMIT = 1_000_000;
const WINDOW_MS = 60_000;
const answers = new Map();

class FloorController {
  answer(query, reply) {
    const key = Object.keys(query)
      .sort()
      .map((name) => `${name}=${query[name]}`)
      .join('&');
    let answer = answers.get(key);
    if (answer === undefined) {
      answer = { body, etag: `"${answers.size}"` };
      answers.set(key, answer);
    }
    reply.header('content-type', 'application/json; charset=utf-8');
    reply.header('etag', answer.etag);
    reply.header('cache-control', 'public, max-age=60');
    reply.header('vary', 'Accept, Origin');
    return answer.body;
  }
}
const answer = Object.getOwnPropertyDescriptor(FloorController.prototype, 'answer');
Reflect.decorate([Get('data_analysis')], FloorController.prototype, 'answer', answer);
Query()(FloorController.prototype, 'answer', 0);
Res({ passthrough: true })(FloorController.prototype, 'answer', 1);
Reflect.decorate([Controller()], FloorController);

class FloorModule {}
Reflect.decorate([Module({ controllers: [FloorController] })], FloorModule);

void (async () => {
  const adapter = new FastifyAdapter({
    genReqId: (request) => request.headers['x-request-id'] ?? randomUUID(),
    routerOptions: { querystringParser: (query) => parse(query) },
  });
  const app = await NestFactory.create(FloorModule, adapter, { logger: false });
  const fastify = app.getHttpAdapter().getInstance();
  const windows = new Map();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.headers(fixedHeaders);
    reply.header('x-request-id', request.id);
    const now = Date.now();
    let window = windows.get(request.ip);
    if (window === undefined || window.resetAt <= now) {
      window = { count: 0, resetAt: now + WINDOW_MS };
      windows.set(request.ip, window);
    }
    window.count++;
    reply.header('x-ratelimit-limit', String(LIMIT));
    reply.header('x-ratelimit-remaining', String(Math.max(0, LIMIT - window.count)));
    reply.header('x-ratelimit-reset', String(Math.ceil((window.resetAt - now) / 1000)));
    done();
  });
  const durations = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request durations',
    labelNames: ['route', 'method', 'status'],
  });
  const log = new SonicBoom({ fd: process.stdout.fd, sync: false });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    durations.observe(
      { route, method: request.method, status: String(status) },
      reply.elapsedTime / 1000,
    );
    log.write(
      `${JSON.stringify({
        level: 'info',
        time: new Date().toISOString(),
        req: { id: request.id, method: request.method, url: request.url },
        route,
        res: { statusCode: status },
        responseTime: Math.round(reply.elapsedTime),
        msg: `${request.method} ${route} ${status}`,
      })}\n`,
    );
    done();
  });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.error(`nest floor listening on ${process.env.PORT}`);
})();
