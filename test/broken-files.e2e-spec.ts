import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBuilt } from 'test/support/built-server';
import { FIXTURES } from 'test/support/test-app';

/*
 * Starts the real entry point (src/main.ts) on every kind of broken data file and checks that it
 * refuses to start: exit status 1, within a bounded time, printing one report that names the
 * file and the line and column of the defect. Processes run a few at a time.
 */
const ROOT = resolve(__dirname, '..');
const NOT_OK = join(FIXTURES, 'csv', 'not-ok');
/** The built entry point: compiling the whole app with ts-node per start-up would dominate. */
const ENTRY = [
  '-r',
  'ts-node/register/transpile-only',
  '-r',
  './test/support/report-max-rss.ts',
  'dist/main.js',
];
/** Start-up is CPU-bound: one process per core, plus one to cover the waits. */
const CONCURRENCY = availableParallelism() + 1;
/**
 * A refusal takes about a second on a quiet machine, and up to ~30 s was seen with jest's workers
 * and other servers sharing two cores; anything near this bound means the process hung.
 */
const EXIT_WITHIN_MS = 60_000;
const KILL_AFTER_MS = 90_000;
const HUNDRED_MB = 100 * 1024 * 1024;
/** Peak memory a 100 MB line may add over a tiny broken file: the loader stops after 1 MiB. */
const MAX_EXTRA_RSS_KIB = 64 * 1024;
/** Written at exit by test/support/report-max-rss.ts. */
const MAX_RSS_LINE = /^max RSS (\d+) KiB$/m;

interface Outcome {
  readonly status: number | null;
  readonly output: string;
  readonly ms: number;
  readonly maxRssKib: number | null;
}

interface Case {
  readonly name: string;
  readonly path: string;
  /** The loader's whole message, which follows `Start-up failed: `. */
  readonly message: string;
}

/** A file with one defective row. */
const rowDefect = (file: string, defect: string): Case => {
  const path = join(NOT_OK, file);
  return { name: file, path, message: `${path}: 1 defective row (showing 1):\n  ${defect}` };
};

/** A file that is unusable as a whole. */
const fileDefect = (file: string, defect: string): Case => {
  const path = join(NOT_OK, file);
  return { name: file, path, message: `${path}: ${defect}` };
};

const FIXTURE_CASES: Case[] = [
  fileDefect('empty-file.csv', 'file is empty'),
  fileDefect('blank-lines-only.csv', 'file has only blank lines'),
  fileDefect('header-only.csv', 'no data rows after the header'),
  fileDefect(
    'wrong-delimiter.csv',
    'line 1: header lacks columns "country", "value", "fecha" (found: "country;value;fecha"); fields must be separated by "," not ";"',
  ),
  fileDefect(
    'missing-column.csv',
    'line 1: header lacks column "value" (found: "country", "valor", "fecha")',
  ),
  fileDefect(
    'duplicate-column.csv',
    'line 1: header has column "value" more than once (found: "country", "value", "fecha", "value")',
  ),
  fileDefect(
    'header-wrong-case.csv',
    'line 1: header lacks columns "country", "value", "fecha" (found: "Country", "Value", "Fecha")',
  ),
  fileDefect(
    'cr-only-line-endings.csv',
    'line 1: header lacks column "fecha" (found: "country", "value", "fecha\\rAR", "10", "01/01/2024\\rCL", "5", "02/01/2024")',
  ),
  fileDefect('utf16-le-bom.csv', 'line 1: header has an invalid UTF-8 byte 0xFF'),
  fileDefect('gzip-compressed.csv', 'line 1: header has an invalid UTF-8 byte 0x8B'),
  rowDefect('truncated-last-line.csv', 'line 4: expected 3 fields, found 2'),
  rowDefect('missing-field.csv', 'line 3: expected 3 fields, found 2'),
  rowDefect('extra-field.csv', 'line 2: expected 3 fields, found 4'),
  rowDefect('whitespace-only-line.csv', 'line 3: expected 3 fields, found 1'),
  rowDefect('repeated-header.csv', 'line 4: repeated header'),
  rowDefect(
    'unclosed-quote.csv',
    'line 3, column "value": quoted field is not closed before the end of the file',
  ),
  rowDefect(
    'quote-inside-unquoted-field.csv',
    'line 2, column "value": quote inside an unquoted field',
  ),
  rowDefect(
    'text-after-closing-quote.csv',
    'line 2, column "value": unexpected "5" after a closing quote',
  ),
  rowDefect('non-utf8.csv', 'line 3, column "notes": invalid UTF-8 byte 0xFA'),
  rowDefect('nul-byte.csv', 'line 3, column "value": "5\\u0000" is not a decimal number'),
  rowDefect('value-nan.csv', 'line 3, column "value": "NaN" is not a finite number'),
  rowDefect('value-infinity.csv', 'line 2, column "value": "-Infinity" is not a finite number'),
  rowDefect(
    'value-overflow.csv',
    'line 2, column "value": "1e999" is not a finite number (out of range)',
  ),
  rowDefect('empty-value.csv', 'line 5, column "value": value is empty'),
  rowDefect('value-decimal-comma.csv', 'line 3: expected 3 fields, found 4'),
  rowDefect(
    'value-decimal-comma-quoted.csv',
    'line 2, column "value": "12,5" is not a decimal number (the decimal separator must be ".")',
  ),
  rowDefect(
    'value-thousands-separator.csv',
    'line 2, column "value": "1,234.50" is not a decimal number',
  ),
  rowDefect('value-hex.csv', 'line 2, column "value": "0x1F" is not a decimal number'),
  rowDefect(
    'value-currency-symbol.csv',
    'line 2, column "value": "$12.50" is not a decimal number',
  ),
  rowDefect(
    'value-surrounding-spaces.csv',
    'line 2, column "value": " 12.5 " has leading or trailing whitespace',
  ),
  rowDefect(
    'invalid-date-31-02.csv',
    'line 3, column "fecha": "31/02/2024" is not a calendar date',
  ),
  rowDefect(
    'invalid-date-29-02-2023.csv',
    'line 4, column "fecha": "29/02/2023" is not a calendar date',
  ),
  rowDefect('month-13.csv', 'line 3, column "fecha": "15/13/2024" is not a calendar date'),
  rowDefect('iso-date.csv', 'line 2, column "fecha": "2024-01-05" does not match DD/MM/YYYY'),
  rowDefect('short-year-date.csv', 'line 3, column "fecha": "1/1/24" does not match DD/MM/YYYY'),
  rowDefect(
    'date-with-time.csv',
    'line 3, column "fecha": "16/01/2024 10:30" does not match DD/MM/YYYY',
  ),
  rowDefect('empty-date.csv', 'line 2, column "fecha": date is empty'),
  rowDefect(
    'country-three-letters.csv',
    'line 2, column "country": "ARG" is not a two-letter country code',
  ),
  rowDefect(
    'country-digits.csv',
    'line 2, column "country": "A1" is not a two-letter country code',
  ),
  rowDefect(
    'country-non-ascii.csv',
    'line 2, column "country": "ÑA" is not a two-letter country code',
  ),
  rowDefect('empty-country.csv', 'line 3, column "country": country is empty'),
];

/** Paths that are not readable CSV files at all, made in a temporary folder. */
const WORK = mkdtempSync(join(tmpdir(), 'broken-files-'));
const at = (name: string): string => join(WORK, name);
const PATH_CASES: Case[] = [
  {
    name: 'a file that does not exist',
    path: at('missing.csv'),
    message: `${at('missing.csv')}: file not found`,
  },
  {
    name: 'a directory',
    path: at('folder.csv'),
    message: `${at('folder.csv')}: path is a directory`,
  },
  {
    name: 'a dangling symbolic link',
    path: at('dangling.csv'),
    message: `${at('dangling.csv')}: broken symbolic link (its target does not exist)`,
  },
  {
    // Unreadable even for root, unlike a chmod 000 file: resolving the path fails.
    name: 'a symbolic link loop',
    path: at('loop-a.csv'),
    message: `${at('loop-a.csv')}: cannot open file: too many levels of symbolic links`,
  },
  {
    // Opens fine, even for root, but every read fails: the process's own memory at address 0.
    name: 'a file whose reads fail (/proc/self/mem)',
    path: '/proc/self/mem',
    message: '/proc/self/mem: cannot read file: EIO: i/o error, read',
  },
  {
    name: 'a named pipe',
    path: at('pipe.csv'),
    message: `${at('pipe.csv')}: path is not a regular file`,
  },
  {
    name: 'a 100 MB value on one line',
    path: at('huge-value.csv'),
    message: `${at('huge-value.csv')}: line 2: record is longer than 1048576 bytes; reading stopped`,
  },
  {
    name: 'a 100 MB file without a line break',
    path: at('one-line.csv'),
    message: `${at('one-line.csv')}: line 1: record is longer than 1048576 bytes; reading stopped`,
  },
];

/** Writes `head`, `size` bytes of `fill`, then `tail`, in 1 MiB blocks. */
function writeLongFile(path: string, head: string, fill: string, size: number, tail: string): void {
  const block = Buffer.alloc(1024 * 1024, fill);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    for (let written = 0; written < size; written += block.length) {
      writeSync(fd, block, 0, Math.min(block.length, size - written));
    }
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
}

function makePathCases(): void {
  mkdirSync(at('folder.csv'));
  symlinkSync(join(WORK, 'no-such-target.csv'), at('dangling.csv'));
  symlinkSync(at('loop-b.csv'), at('loop-a.csv'));
  symlinkSync(at('loop-a.csv'), at('loop-b.csv'));
  const mkfifo = spawnSync('mkfifo', [at('pipe.csv')]);
  if (mkfifo.status !== 0) {
    throw new Error(`mkfifo failed: ${String(mkfifo.stderr)}`);
  }
  writeLongFile(at('huge-value.csv'), 'country,value,fecha\nAR,', '7', HUNDRED_MB, ',01/01/2024\n');
  writeLongFile(at('one-line.csv'), '', 'a', HUNDRED_MB, '');
}

/** This process's environment without the settings that add datasets or change strictness. */
function baseEnvironment(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DATASETS_FILE;
  delete env.DATA_LENIENT;
  return env;
}

/** Runs the entry point on `dataPath` until it exits (or is killed as hung). */
function startServer(dataPath: string): Promise<Outcome> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, ENTRY, {
      cwd: ROOT,
      env: {
        ...baseEnvironment(),
        PORT: '0',
        DATA_PATH: dataPath,
        LOG_LEVEL: 'warn',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('close', (status) => {
      clearTimeout(killer);
      const rss = MAX_RSS_LINE.exec(output);
      resolvePromise({
        status,
        output,
        ms: Date.now() - started,
        maxRssKib: rss ? Number(rss[1]) : null,
      });
    });
  });
}

/** Runs tasks at most `limit` at a time, in order. */
function pool(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= limit) {
      await new Promise<void>((wake) => waiting.push(wake));
    }
    running++;
    try {
      return await task();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

beforeAll(() => ensureBuilt());

describe('start-up on broken data files (real entry point)', () => {
  const outcomes = new Map<string, Promise<Outcome>>();

  beforeAll(() => {
    makePathCases();
    const run = pool(CONCURRENCY);
    for (const { name, path } of [...FIXTURE_CASES, ...PATH_CASES]) {
      outcomes.set(
        name,
        run(() => startServer(path)),
      );
    }
  });

  afterAll(async () => {
    const all = await Promise.all(outcomes.values());
    console.info(
      `broken files: ${all.length} refused start-ups, slowest ${Math.max(...all.map(({ ms }) => ms))} ms`,
    );
    rmSync(WORK, { recursive: true, force: true });
  });

  it('should cover every fixture in test/fixtures/csv/not-ok', () => {
    expect(FIXTURE_CASES.map(({ name }) => name).sort()).toEqual(readdirSync(NOT_OK).sort());
  });

  it.each([...FIXTURE_CASES, ...PATH_CASES].map((c) => [c.name, c] as const))(
    'should refuse %s, naming the file and where the defect is',
    async (name, { message }) => {
      const outcome = await outcomes.get(name)!;
      const failures = outcome.output.split('Start-up failed: ');
      expect(failures).toHaveLength(2);
      expect(failures[1].startsWith(`${message}\n`)).toBe(true);
      expect(outcome.status).toBe(1);
      expect(outcome.ms).toBeLessThan(EXIT_WITHIN_MS);
    },
    KILL_AFTER_MS + 30_000,
  );

  it.each(['a 100 MB value on one line', 'a 100 MB file without a line break'])(
    'should read no more of %s than a small file needs',
    async (name) => {
      const [huge, small] = await Promise.all([
        outcomes.get(name)!,
        outcomes.get('header-only.csv')!,
      ]);
      expect(huge.maxRssKib).not.toBeNull();
      expect(small.maxRssKib).not.toBeNull();
      console.info(
        `${name}: refused in ${huge.ms} ms, peak RSS ${huge.maxRssKib} KiB ` +
          `(a header-only file: ${small.maxRssKib} KiB)`,
      );
      expect(huge.maxRssKib! - small.maxRssKib!).toBeLessThan(MAX_EXTRA_RSS_KIB);
    },
    KILL_AFTER_MS + 30_000,
  );
});

describe('start-up on a file with lower-case country codes (real entry point)', () => {
  it('should accept it and serve the codes upper-cased', async () => {
    const port = await new Promise<number>((resolvePort) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const child = spawn(process.execPath, ENTRY, {
      cwd: ROOT,
      env: {
        ...baseEnvironment(),
        PORT: String(port),
        DATA_PATH: join(FIXTURES, 'csv', 'ok', 'lowercase-countries.csv'),
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
      },
      stdio: 'ignore',
    });
    try {
      let summary: unknown = null;
      for (let attempt = 0; attempt < 300 && summary === null; attempt++) {
        await new Promise((wait) => setTimeout(wait, 100));
        summary = await fetch(`http://127.0.0.1:${port}/v1/datasets/sales`)
          .then((response) => (response.ok ? response.json() : null))
          .catch(() => null);
      }
      // ar, Ar, aR and br in the file.
      expect(summary).toMatchObject({
        rows: 4,
        countries: [
          { code: 'AR', rows: 3 },
          { code: 'BR', rows: 1 },
        ],
      });
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
