import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { resolve } from 'node:path';
import { AppModule } from 'src/app.module';
import { configureApp } from 'src/app.setup';

export const FIXTURES = resolve(__dirname, '..', 'fixtures');

/**
 * Starts the real application (real CSV repository, real pipes and filters) on the given
 * environment, which is applied before the configuration is read and restored afterwards.
 */
export async function createTestApp(
  env: Record<string, string | undefined>,
): Promise<INestApplication> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    configureApp(app);
    await app.init();
    return app;
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  }
}
