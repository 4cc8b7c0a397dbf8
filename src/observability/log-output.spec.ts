import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { levels, pino, type Logger } from 'pino';
import { admissionShare, LogOutput } from 'src/observability/log-output';

describe(admissionShare.name, () => {
  it.each([
    ['an access line', levels.values.info, { responseTime: 3 }, 0.5],
    ['a 4xx access line', levels.values.warn, { responseTime: 3 }, 0.5],
    ['a routine line', levels.values.info, { context: 'CsvDatasetRepository' }, 0.75],
    ['a routine warning', levels.values.warn, {}, 0.75],
    ['an error', levels.values.error, { context: 'ProblemDetailsFilter' }, undefined],
    ['a fatal line', levels.values.fatal, {}, undefined],
    ['a start-up line', levels.values.info, { context: 'Bootstrap' }, undefined],
    ['a shutdown line', levels.values.info, { context: 'Shutdown' }, undefined],
  ])('should give %s its share of the bound', (_case, level, fields, share) => {
    expect(admissionShare(level, fields)).toBe(share);
  });
});

/**
 * A named pipe opened at both ends without blocking, as a container's stdout is: nothing drains
 * it until the test reads, so after 64 KiB the writer gets EAGAIN, as with a stalled collector.
 */
class StalledPipe {
  readonly writeFd: number;
  private readonly readFd: number;
  private readonly folder: string;
  private pending = '';
  private reading = true;
  readonly lines: Record<string, unknown>[] = [];

  constructor() {
    this.folder = mkdtempSync(join(tmpdir(), 'log-output-'));
    const path = join(this.folder, 'stdout');
    execFileSync('mkfifo', [path]);
    this.readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.writeFd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  }

  /** Fills the pipe with whole JSON lines of 4 KiB (atomic writes) until it takes no more. */
  fill(): void {
    const line = Buffer.from(`${JSON.stringify({ filler: 'f'.repeat(4096 - 14) })}\n`);
    for (;;) {
      try {
        writeSync(this.writeFd, line);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          return;
        }
        throw error;
      }
    }
  }

  /** Reads whatever the pipe holds now. */
  drain(): void {
    const chunk = Buffer.alloc(1 << 16);
    for (;;) {
      let read = 0;
      try {
        read = readSync(this.readFd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          return;
        }
        throw error;
      }
      if (read === 0) {
        return;
      }
      const lines = (this.pending + chunk.toString('utf8', 0, read)).split('\n');
      this.pending = lines.pop() ?? '';
      this.lines.push(...lines.map((line) => JSON.parse(line) as Record<string, unknown>));
    }
  }

  get readerOpen(): boolean {
    return this.reading;
  }

  closeReader(): void {
    closeSync(this.readFd);
    this.reading = false;
  }

  close(): void {
    for (const fd of [this.readFd, this.writeFd]) {
      try {
        closeSync(fd);
      } catch {
        // Already closed by the test.
      }
    }
    rmSync(this.folder, { recursive: true, force: true });
  }
}

const MAX_BYTES = 64 * 1024;
/** Writes a 4 KiB access line (not counting the JSON around it) at the given level. */
const ACCESS_PADDING = 'a'.repeat(4000);

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(20);
  }
}

describe(LogOutput.name, () => {
  let pipe: StalledPipe;
  let output: LogOutput;
  let logger: Logger;
  let dropped: string[];

  beforeEach(() => {
    pipe = new StalledPipe();
    pipe.fill();
    dropped = [];
    output = new LogOutput({
      maxBytes: MAX_BYTES,
      fd: pipe.writeFd,
      onDrop: (level) => dropped.push(level),
      summaryIntervalMs: 0,
    });
    logger = pino(
      { base: undefined, formatters: { level: (label) => ({ level: label }) } },
      output,
    );
  });

  afterEach(async () => {
    // Lets sonic-boom finish, so that no retry writes to a descriptor number reused by the next test.
    if (pipe.readerOpen) {
      await waitFor(() => {
        pipe.drain();
        return output.bufferedBytes === 0;
      }, 'the buffer to drain');
    }
    pipe.close();
  });

  /** Logs access lines until the first one is dropped; returns how many were accepted. */
  function fillWithAccessLines(): number {
    let accepted = 0;
    while (dropped.length === 0) {
      logger.info({ responseTime: 1, padding: ACCESS_PADDING }, 'GET /v1/datasets 200');
      accepted += dropped.length === 0 ? 1 : 0;
    }
    return accepted;
  }

  it('should drop access lines once half the bound waits, and count them by level', async () => {
    fillWithAccessLines();
    // Give sonic-boom time to push what the pipe takes and meet EAGAIN.
    await sleep(200);
    const before = dropped.length;
    logger.warn({ responseTime: 1, padding: ACCESS_PADDING }, 'GET /v1/datasets 404');
    logger.info({ responseTime: 1, padding: ACCESS_PADDING }, 'GET /v1/datasets 200');
    expect(dropped.slice(before)).toEqual(['warn', 'info']);
    expect(output.bufferedBytes).toBeLessThanOrEqual(MAX_BYTES / 2);
  });

  it('should admit access lines built without pino as pino-written ones, and drop them alike', async () => {
    const accessLine = (status: number) =>
      `${JSON.stringify({ level: 'info', responseTime: 1, padding: ACCESS_PADDING, msg: `GET / ${status}` })}\n`;
    let accepted = 0;
    while (dropped.length === 0) {
      output.writeAccessLine(levels.values.info, accessLine(200));
      accepted += dropped.length === 0 ? 1 : 0;
    }
    expect(accepted).toBeGreaterThan(0);
    expect(output.bufferedBytes).toBeLessThanOrEqual(MAX_BYTES / 2);
    await sleep(200);
    output.writeAccessLine(levels.values.warn, accessLine(404));
    expect(dropped).toEqual(['info', 'warn']);
    // An error still fits in the room the access lines leave.
    logger.error({ padding: 'e'.repeat(4000) }, 'Unexpected error');
    expect(dropped).toEqual(['info', 'warn']);
  });

  it('should keep room for errors and shutdown lines after access lines are refused', async () => {
    fillWithAccessLines();
    await sleep(200);
    const before = dropped.length;
    logger.error({ padding: 'e'.repeat(4000) }, 'Unexpected error');
    logger.info({ context: 'Shutdown' }, 'SIGTERM received');
    expect(dropped.length).toBe(before);

    // Past the whole bound even errors are dropped, by sonic-boom's maxLength.
    while (dropped.length === before) {
      logger.error({ padding: 'e'.repeat(4000) }, 'Unexpected error');
    }
    expect(dropped.at(-1)).toBe('error');
    expect(output.bufferedBytes).toBeLessThanOrEqual(MAX_BYTES);
  });

  it('should say when it starts dropping, then log again with a count once the reader resumes', async () => {
    fillWithAccessLines();
    for (let i = 0; i < 5; i++) {
      logger.warn({ responseTime: 1, padding: ACCESS_PADDING }, 'GET /v1/datasets 404');
    }
    const droppedWhileStalled = dropped.length;

    // The reader resumes; sonic-boom retries after EAGAIN every 100 ms.
    await waitFor(() => {
      pipe.drain();
      return output.bufferedBytes === 0;
    }, 'the buffer to drain');
    logger.info({ responseTime: 1 }, 'GET /health/live 200');
    await waitFor(() => {
      pipe.drain();
      return pipe.lines.some(({ msg }) => msg === 'GET /health/live 200');
    }, 'the line logged after the reader resumed');

    const summaries = pipe.lines.filter(({ context }) => context === LogOutput.name);
    expect(summaries.map(({ level }) => level)).toEqual(['warn', 'warn']);
    expect(summaries[0].msg).toMatch(/^Log output is backed up \(\d+ bytes wait for stdout\)/);
    expect(summaries[1]).toMatchObject({
      msg: expect.stringMatching(
        new RegExp(`^Log output resumed: ${droppedWhileStalled} lines dropped in the last`),
      ) as unknown,
      droppedLines: { info: droppedWhileStalled - 5, warn: 5 },
    });
    // Whole lines or nothing: everything read parsed as JSON, in order, access lines included.
    expect(pipe.lines.filter(({ msg }) => msg === 'GET /v1/datasets 200').length).toBeGreaterThan(
      0,
    );
  });

  it('should drop and count every line once the reader has gone, without throwing', async () => {
    pipe.closeReader();
    logger.info({ responseTime: 1 }, 'GET /health/live 200');
    // The write fails with EPIPE asynchronously.
    await sleep(100);
    const before = dropped.length;
    expect(() => logger.error('Unexpected error')).not.toThrow();
    expect(dropped.slice(before)).toEqual(['error']);
  });
});
