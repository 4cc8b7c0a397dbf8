import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { resolve } from 'node:path';
import { AppModule } from 'src/app.module';
import { configureApp } from 'src/app.setup';
import { clickHouseBackedDefault } from 'test/support/clickhouse';
import { enforceContract } from 'test/support/openapi-contract';

export const FIXTURES = resolve(__dirname, '..', 'fixtures');

/**
 * Settings every test app starts with unless the test gives its own: no log output, and no rate
 * limit, since suites send many requests from one address.
 */
const TEST_DEFAULTS: Record<string, string> = { LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' };

/**
 * Starts the real application (real CSV repository, real pipes, filters, middleware and guards)
 * on the given environment, which is applied before the configuration is read and restored
 * afterwards (an `undefined` value unsets that variable). Every response it sends is checked
 * against its OpenAPI document.
 */
export async function createTestApp(
  env: Record<string, string | undefined>,
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
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    configureApp(app);
    await app.init();
    enforceContract(app);
    return app;
  } finally {
    setVariables(saved);
  }
}
