import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs a command to completion, inheriting stdio; rejects on a non-zero exit. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`${command} ${args.join(' ')} exited with ${signal ?? code}`));
      }
    });
  });
}

/**
 * Runs `node --expose-gc <script> ...args` in a fresh process and returns the JSON it wrote to
 * BENCH_OUT. Its stderr/stdout are passed through (prefixed) so failures stay visible.
 */
export async function runEngineChild(
  script,
  args,
  { env = {}, label, timeoutMs = 15 * 60_000 } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const out = join(dir, 'result.json');
  try {
    await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--expose-gc', script, ...args], {
        env: { ...process.env, TZ: 'UTC', ...env, BENCH_OUT: out },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const relay = (stream, sink) => {
        stream.setEncoding('utf8');
        let pending = '';
        stream.on('data', (text) => {
          pending += text;
          const lines = pending.split('\n');
          pending = lines.pop();
          for (const line of lines) {
            sink.write(`    [${label}] ${line}\n`);
          }
        });
        stream.on('end', () => pending && sink.write(`    [${label}] ${pending}\n`));
      };
      relay(child.stdout, process.stdout);
      relay(child.stderr, process.stderr);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          resolve();
        } else {
          reject(new Error(`${label} child exited with ${signal ?? code}`));
        }
      });
    });
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
