/**
 * Reference for the cost of a Nest interceptor: a Nest 11 + Fastify app with one route sending a
 * fixed JSON body, with no interceptor (`none`), an interceptor that answers itself the way a
 * cache hit would (`answer`), or one that lets the request through to the handler with
 * `next.handle()` (`through`).
 *   PORT=… node http/nest-interceptor-server.cjs <body.json> <none|answer|through>
 */
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { Controller, Get, Header, Injectable, Module, UseInterceptors } = require('@nestjs/common');
const { of } = require('rxjs');
const { readFileSync } = require('node:fs');

const body = readFileSync(process.argv[2], 'utf8');
const mode = process.argv[3];

class Interceptor {
  intercept(_context, next) {
    return mode === 'answer' ? of(body) : next.handle();
  }
}
Reflect.decorate([Injectable()], Interceptor);

class BodyController {
  send() {
    return body;
  }
}
const decorators = [Get('*'), Header('content-type', 'application/json; charset=utf-8')];
if (mode !== 'none') {
  decorators.push(UseInterceptors(Interceptor));
}
const send = Object.getOwnPropertyDescriptor(BodyController.prototype, 'send');
Reflect.decorate(decorators, BodyController.prototype, 'send', send);
Reflect.decorate([Controller()], BodyController);

class AppModule {}
Reflect.decorate([Module({ controllers: [BodyController], providers: [Interceptor] })], AppModule);

void (async () => {
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
  console.log(`nest ${mode} listening on ${process.env.PORT}`);
})();
