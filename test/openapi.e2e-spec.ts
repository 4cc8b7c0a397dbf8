import type { INestApplication } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import ts from 'typescript';
import { createTestApp, FIXTURES } from 'test/support/test-app';

const run = promisify(execFile);
const BIN = resolve(__dirname, '..', 'node_modules', '.bin');

/**
 * The served OpenAPI document is what generated clients are built from: it must pass Redocly's
 * recommended ruleset with no error and no warning, and the TypeScript types openapi-typescript
 * generates from it must compile and name the real shapes.
 */
describe('the OpenAPI document', () => {
  let app: INestApplication;
  let dir: string;
  let documentFile: string;

  beforeAll(async () => {
    app = await createTestApp({ DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv') });
    dir = mkdtempSync(join(tmpdir(), 'openapi-'));
    documentFile = join(dir, 'openapi.json');
    const response = await request(app.getHttpServer()).get('/openapi.json').expect(200);
    writeFileSync(documentFile, response.text);
  });

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should pass the recommended Redocly ruleset without errors or warnings', async () => {
    // Exit code 1 when errors are found; the JSON report on stdout says what they are either way.
    const { stdout } = await run(
      join(BIN, 'redocly'),
      ['lint', 'openapi.json', '--extends=recommended', '--format=json'],
      {
        cwd: dir,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as {
      totals: { errors: number; warnings: number; ignored: number };
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    expect(
      report.problems.map(
        ({ ruleId, message, location }) => `${ruleId} at ${location[0]?.pointer}: ${message}`,
      ),
    ).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  }, 120_000);

  it('should generate TypeScript types that compile and describe the answers', async () => {
    const typesFile = join(dir, 'api.d.ts');
    await run(join(BIN, 'openapi-typescript'), [documentFile, '--output', typesFile]);
    const usageFile = join(dir, 'usage.ts');
    writeFileSync(
      usageFile,
      [
        `import type { components, paths } from './api';`,
        `type Analysis = paths['/v1/datasets/{dataset}/analysis']['get']['responses'][200]['content']['application/json'];`,
        `const answer: Analysis = { dataset: 'sales', query: { metrics: ['mean'], countries: ['AR'], years: null, from: null, to: null, groupBy: ['country'] }, matchedRows: 1, rejectedRows: 0, results: [{ country: 'AR', mean: 1.5, stddev: null }] };`,
        `type Problem = components['schemas']['ProblemDetailsDto'];`,
        `const problem: Problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'x', instance: '/x' };`,
        `type LegacyError = paths['/data_analysis']['get']['responses'][422]['content']['application/json'];`,
        `const legacy: LegacyError = { detail: [{ loc: ['query', 'year'], msg: 'value is not a valid integer', type: 'type_error.integer' }] };`,
        `type LegacyDetail = paths['/data_analysis']['get']['responses'][404]['content']['application/json'];`,
        `const detail: LegacyDetail = { detail: 'Filters returned no data' };`,
        `// @ts-expect-error a string is not a metric value`,
        `const wrong: components['schemas']['LegacyMetricsDto'] = { mean: 'high' };`,
        `export { answer, problem, legacy, detail, wrong };`,
      ].join('\n'),
    );
    const program = ts.createProgram([usageFile], {
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      types: [],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  }, 120_000);
});
