import type { INestApplication, Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { resolve } from 'node:path';
import { AppModule } from 'src/app.module';
import { configureApp, createHttpAdapter } from 'src/app.setup';
import { clickHouseBackedDefault } from 'test/support/clickhouse';
import { enforceContract } from 'test/support/openapi-contract';

export const FIXTURES = resolve(__dirname, '..', 'fixtures');

/**
 * Settings every test app starts with unless the test gives its own: no log output, and no rate
 * limit, since suites send many requests from one address.
 */
const TEST_DEFAULTS: Record<string, string> = { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' };

export interface TestAppOptions {
  /** Extra providers for the root module, such as a test-only `APP_GUARD`. */
  readonly providers?: Provider[];
  /**
   * Whether every response is checked against the OpenAPI document (default true). Off only for
   * apps whose test-only providers answer in ways the document does not describe.
   */
  readonly checkContract?: boolean;
}

/**
 * Starts the real application (real CSV repository, real pipes, filters, hooks and guards) on the
 * given environment, which is applied before the configuration is read and restored afterwards.
 * An `undefined` value unsets that variable. The application is ready for requests through
 * `app.getHttpServer()` (supertest) or after `app.listen(0)`. Every response it sends is checked
 * against its OpenAPI document.
 */
export async function createTestApp(
  env: Record<string, string | undefined>,
  { providers = [], checkContract = true }: TestAppOptions = {},
): Promise<INestApplication> {
  const applied = { ...TEST_DEFAULTS, ...env, ...(await clickHouseBackedDefault(env)) };
  const saved = Object.fromEntries(Object.keys(applied).map((key) => [key, process.env[key]]));
  const setVariables = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  };
  setVariables(applied);
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule], providers }).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
      logger: false,
    });
    await configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    if (checkContract) {
      enforceContract(app);
    }
    return app;
  } finally {
    setVariables(saved);
  }
}
