import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { FIXTURES } from 'test/support/test-app';

const ROOT = resolve(__dirname, '..');

/** Runs the real entry point (src/main.ts) with the given settings, expecting it to refuse to start. */
function start(env: Record<string, string>): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
        ...env,
        NO_COLOR: '1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('start-up with bad settings or files', () => {
  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT: must be an integer between 0 and 65535'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT: must be an integer between 0 and 65535'],
    [{ DATA_LENIENT: 'perhaps' }, 'Invalid configuration: DATA_LENIENT: must be true or false'],
    [{ DATA_PATH: '/nonexistent/sales.csv' }, '/nonexistent/sales.csv'],
    [{ DATA_PATH: join(FIXTURES, 'e2e', 'invalid-date.csv') }, 'line 3, column "fecha"'],
    [
      { DATASETS_FILE: join(FIXTURES, 'config', 'missing.json') },
      'Invalid configuration: DATASETS_FILE: cannot read',
    ],
    [
      { DATASETS_FILE: join(FIXTURES, 'config', 'duplicate-name.json') },
      "dataset name 'sales' is used twice",
    ],
    [
      { DATASETS_FILE: join(FIXTURES, 'config', 'bad-entry.json') },
      'datasets.0.dateFormat: must be one of DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD',
    ],
  ])('should exit non-zero on %p, saying %p', (env, message) => {
    const { status, output } = start(env);
    expect(status).toBe(1);
    // One failure report; a defective file's report continues with one line per defect.
    const failures = output.split('Start-up failed');
    expect(failures).toHaveLength(2);
    expect(failures[1]).toContain(message);
  });
});
