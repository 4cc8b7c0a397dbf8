import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private ClickHouse server for tests: loopback only, free ports, a temporary data folder, the
 * config in this folder. Installs Debian's `clickhouse-server` when it is missing (root and
 * apt-get needed), and otherwise fails saying what to install: the suites never skip.
 */

const SEARCH_PATH = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];
export const TEST_CLUSTER = 'two_shards';
export const SHARD_DATABASES = ['shard_1', 'shard_2'] as const;

function findServerBinary(): string | null {
  for (const folder of [...(process.env.PATH ?? '').split(':'), ...SEARCH_PATH]) {
    if (folder && existsSync(join(folder, 'clickhouse-server'))) {
      return join(folder, 'clickhouse-server');
    }
  }
  return null;
}

const INSTALL_HINT =
  'The test suites need a ClickHouse server. Install it, e.g. on Debian/Ubuntu as root: ' +
  '`apt-get update && apt-get install -y clickhouse-server`, or put a `clickhouse-server` ' +
  'binary (any release from 18.16 on) on PATH, then run the tests again.';

/** The server binary, installed with apt-get first when it is missing and this process may. */
export function ensureClickHouseInstalled(): string {
  const found = findServerBinary();
  if (found) {
    return found;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `clickhouse-server is not installed and cannot be installed here (${isRoot ? 'no apt-get' : 'not root'}). ${INSTALL_HINT}`,
    );
  }
  process.stdout.write(
    'Installing clickhouse-server with apt-get (needed by the test suites)...\n',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync(
      'apt-get',
      ['install', '-y', '--no-install-recommends', 'clickhouse-server', 'clickhouse-client'],
      { stdio: 'inherit', env },
    );
  } catch (error) {
    throw new Error(
      `apt-get could not install clickhouse-server (${String(error)}). ${INSTALL_HINT}`,
    );
  }
  const installed = findServerBinary();
  if (!installed) {
    throw new Error(`apt-get ran but no clickhouse-server binary was found. ${INSTALL_HINT}`);
  }
  return installed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

export interface ClickHouseServerInfo {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly folder: string;
}

export class TestClickHouseServer {
  private process: ChildProcess | null = null;

  private constructor(
    private readonly binary: string,
    readonly info: ClickHouseServerInfo,
  ) {}

  /** Lays out a config in a temporary folder and starts the server on free loopback ports. */
  static async start(): Promise<TestClickHouseServer> {
    const binary = ensureClickHouseInstalled();
    const folder = mkdtempSync(join(tmpdir(), 'sales-metrics-clickhouse-'));
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    const template = readFileSync(join(__dirname, 'config.xml'), 'utf8');
    writeFileSync(
      join(folder, 'config.xml'),
      template
        .replaceAll('@DIR@', folder)
        .replaceAll('@HTTP_PORT@', String(httpPort))
        .replaceAll('@TCP_PORT@', String(tcpPort))
        .replaceAll('@SHARD1@', SHARD_DATABASES[0])
        .replaceAll('@SHARD2@', SHARD_DATABASES[1]),
    );
    copyFileSync(join(__dirname, 'users.xml'), join(folder, 'users.xml'));
    const server = new TestClickHouseServer(binary, {
      url: `http://127.0.0.1:${httpPort}`,
      httpPort,
      tcpPort,
      folder,
    });
    await server.resume();
    return server;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Starts (again) on the same ports and data folder, and waits until it answers. */
  async resume(): Promise<void> {
    if (this.process) {
      return;
    }
    const child = spawn(this.binary, [`--config-file=${join(this.info.folder, 'config.xml')}`], {
      cwd: this.info.folder,
      stdio: 'ignore',
    });
    this.process = child;
    const state: { exited: string | null } = { exited: null };
    child.once('exit', (code, signal) => {
      state.exited = `exited with ${signal ?? code}`;
      if (this.process === child) {
        this.process = null;
      }
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (state.exited) {
        throw new Error(
          `clickhouse-server ${state.exited} at start; see ${join(this.info.folder, 'server.err.log')}`,
        );
      }
      try {
        const response = await fetch(`${this.info.url}/ping`);
        if (response.ok) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await this.stop();
    throw new Error(`clickhouse-server did not answer within 60 s on ${this.info.url}`);
  }

  /** Stops the server (SIGTERM, then SIGKILL after 15 s); the data folder stays for `resume`. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) {
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
    this.process = null;
  }

  /** Stops the server and deletes its folder. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.info.folder, { recursive: true, force: true });
  }
}
