import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs the checks in a fresh Node process: `gc` must start unexposed there, whatever other suites
 * of this jest worker did to V8's flags.
 */
const CHECKS = `
const { collectGarbage } = require(${JSON.stringify(join(__dirname, 'collect-garbage'))});
const MIB = 1024 * 1024;
const exposedBefore = typeof globalThis.gc;
let garbage = new SharedArrayBuffer(64 * MIB);
new Uint8Array(garbage).fill(1);
const before = process.memoryUsage().arrayBuffers;
garbage = null;
const took = collectGarbage();
const freedMiB = (before - process.memoryUsage().arrayBuffers) / MIB;
process.stdout.write(JSON.stringify({ exposedBefore, took, freedMiB, exposedAfter: typeof globalThis.gc }));
`;

describe('collectGarbage', () => {
  it('frees unreachable array buffers at once, without --expose-gc, and leaves gc unexposed', () => {
    const output = execFileSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', CHECKS],
      {
        cwd: join(__dirname, '..', '..', '..'),
        encoding: 'utf8',
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    );
    const result = JSON.parse(output) as {
      exposedBefore: string;
      took: number;
      freedMiB: number;
      exposedAfter: string;
    };
    expect(result.exposedBefore).toBe('undefined');
    expect(result.took).toBeGreaterThanOrEqual(0);
    expect(result.freedMiB).toBeGreaterThanOrEqual(63);
    expect(result.exposedAfter).toBe('undefined');
  });
});
