import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'main.js');

function newestSourceTime(folder: string): number {
  return readdirSync(folder, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(folder, entry.name);
    const time = entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs;
    return Math.max(newest, time);
  }, 0);
}

/**
 * Fails unless dist/main.js is newer than every file under src/. `npm test` builds first (its
 * pretest step): building here, from several suites running at once, would race.
 */
export function ensureBuilt(): void {
  let builtAt = 0;
  try {
    builtAt = statSync(MAIN).mtimeMs;
  } catch {
    throw new Error(`${MAIN} does not exist: run \`npm run build\` (npm test runs it first)`);
  }
  if (builtAt < newestSourceTime(join(ROOT, 'src'))) {
    throw new Error(`${MAIN} is older than src/: run \`npm run build\` (npm test runs it first)`);
  }
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly context?: string;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Date.now() when the process ended. */
  readonly at: number;
}

export interface BuiltServer {
  readonly port: number;
  readonly child: ChildProcess;
  /** JSON log lines printed so far, in order. */
  readonly logs: LogLine[];
  readonly exited: Promise<Exit>;
  /** Resolves with the first log line (already printed or still to come) that matches. */
  waitForLog(matches: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
}

/**
 * Starts `node dist/main.js` on any free port with JSON logs at info level (plus `env`), and
 * resolves once it listens.
 */
/** How long a built server may take to listen. */
const STARTUP_TIMEOUT_MS = 90_000;

export async function startBuiltServer(env: Record<string, string>): Promise<BuiltServer> {
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let output = '';
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter((text) => text.startsWith('{'))) {
      logs.push(JSON.parse(line) as LogLine);
    }
    waiters.forEach((wake) => wake());
  });
  let ended = false;
  const exited = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => {
      ended = true;
      resolveExit({ code, signal, at: Date.now() });
      waiters.forEach((wake) => wake());
    });
  });

  const waitForLog = (matches: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolveLine, reject) => {
      const check = (): void => {
        const found = logs.find(matches);
        if (found || ended) {
          clearTimeout(timer);
          waiters.delete(check);
          if (found) {
            resolveLine(found);
          } else {
            reject(new Error(`The server ended before the expected log line:\n${output}`));
          }
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`No matching log line within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  // Start-up takes a few seconds alone, but several times that beside other jest workers on a
  // busy machine; the bound only catches a server that never listens.
  const listening = await waitForLog(
    ({ msg }) => msg.startsWith('Listening on port '),
    STARTUP_TIMEOUT_MS,
  );
  const port = Number(listening.msg.slice('Listening on port '.length));
  return { port, child, logs, exited, waitForLog };
}
