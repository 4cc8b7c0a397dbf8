import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { AddressInfo } from 'node:net';
import { AppModule } from 'src/app.module';
import { configureApp, createHttpAdapter } from 'src/app.setup';
import { collectGarbage } from 'src/common/memory/collect-garbage';
import type { AppConfig } from 'src/config/app.config';
import { enableGracefulShutdown } from 'src/lifecycle/graceful-shutdown';

/** Every interface, so the service is reachable from outside its container. */
const ALL_INTERFACES = '0.0.0.0';

async function bootstrap(): Promise<void> {
  // abortOnError off: a bad setting or file ends start-up through the catch below, as one readable
  // line. Nest's own start-up lines wait for pino (bufferLogs) and are dropped if start-up fails
  // before it exists (autoFlushLogs off), so that line stays the only output in another format.
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    abortOnError: false,
    bufferLogs: true,
    autoFlushLogs: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  await configureApp(app);
  const { port, shutdownTimeoutMs, shutdownDrainDelayMs } = app
    .get(ConfigService)
    .getOrThrow<AppConfig>('app');
  enableGracefulShutdown(app, { timeoutMs: shutdownTimeoutMs, drainDelayMs: shutdownDrainDelayMs });
  // init() loads the datasets (listen() would otherwise run it); then free what loading left
  // behind, before the service listens and reports ready.
  await app.init();
  const gcMs = collectGarbage();
  await app.listen(port, ALL_INTERFACES);
  // The bound port, which differs from PORT when PORT=0 asks for any free one.
  const { port: boundPort } = app.getHttpServer().address() as AddressInfo;
  const logger = new Logger('Bootstrap');
  logger.log(`Freed load-time memory in ${gcMs.toFixed(0)} ms (full garbage collection)`);
  logger.log(`Listening on port ${boundPort}`);
}

bootstrap().catch((error: unknown) => {
  // Plain stderr: with bad settings the logger does not exist yet, and this is the line to read.
  process.stderr.write(
    `Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
