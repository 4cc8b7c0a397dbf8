import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, MAIN, ROOT } from 'test/support/built-server';
import { FIXTURES } from 'test/support/test-app';

/** A refusal takes about a second; anything near this bound means the process hung. */
const EXIT_WITHIN_MS = 15_000;

/** Runs the built entry point with the given settings, expecting it to refuse to start. */
function start(env: Record<string, string>): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_PATH: join(FIXTURES, 'e2e', 'sales.csv'),
      ...env,
      NO_COLOR: '1',
    },
    encoding: 'utf8',
    timeout: EXIT_WITHIN_MS,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('start-up with bad settings or files', () => {
  beforeAll(() => ensureBuilt());

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
