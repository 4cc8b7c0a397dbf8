import { levels, symbols, type Logger } from 'pino';
import SonicBoom from 'sonic-boom';

/** At most one summary line (dropping started, dropping stopped) per this interval. */
export const SUMMARY_INTERVAL_MS = 10_000;
/** On exit, how long the remaining lines may wait for a blocked stdout before they are given up. */
export const EXIT_FLUSH_MS = 1_000;

/** Share of the bound an access line may fill: access lines are the first to be dropped. */
const ACCESS_SHARE = 1 / 2;
/** Share of the bound other lines below `error` may fill; errors and lifecycle lines get it all. */
const ROUTINE_SHARE = 3 / 4;
/** Dropping stops once the buffer is back under this share of the bound. */
const RESUME_SHARE = 1 / 4;
const ERROR_LEVEL = levels.values.error;
/** Contexts of the start-up and shutdown lines, which, like errors, get the whole bound. */
const LIFECYCLE_CONTEXTS: ReadonlySet<unknown> = new Set(['Bootstrap', 'Shutdown']);

export interface LogOutputOptions {
  /** Bytes that may wait for the descriptor before lines are dropped. */
  readonly maxBytes: number;
  /** Descriptor written to: stdout's in production. */
  readonly fd: number;
  /** Called once per dropped line with its level name. */
  readonly onDrop: (level: string) => void;
  /** At most one summary line per this interval; `SUMMARY_INTERVAL_MS` unless a test says. */
  readonly summaryIntervalMs?: number;
}

/**
 * How full the buffer may be for a line to join it, as a share of the bound; `undefined` for the
 * whole bound. Access lines (pino-http's, with a `responseTime`) give way first, then routine
 * lines; errors and the start-up and shutdown lines are kept whenever they fit at all.
 */
export function admissionShare(level: number, fields: object): number | undefined {
  if ('responseTime' in fields) {
    return ACCESS_SHARE;
  }
  if (level >= ERROR_LEVEL || LIFECYCLE_CONTEXTS.has((fields as { context?: unknown }).context)) {
    return undefined;
  }
  return ROUTINE_SHARE;
}

function levelName(level: number): string {
  return levels.labels[level] ?? String(level);
}

/**
 * pino's destination, bounded: a sonic-boom writing asynchronously to stdout whose buffer holds at
 * most `maxBytes` (its `maxLength`). A line that does not fit is dropped, not queued, and counted;
 * access lines are refused earlier than the others so that errors keep room. When dropping starts
 * and when it stops, one summary line says so (at most one per `summaryIntervalMs`).
 *
 * pino fills in the `last*` fields before each `write` because of the metadata symbol; that is
 * how a line's level and fields are known without parsing it.
 */
export class LogOutput {
  readonly [symbols.needsMetadataGsym] = true;
  lastLevel = 0;
  lastObj: object = {};
  lastMsg = '';
  lastTime = '';
  lastLogger: Logger | undefined;

  private readonly sonic: SonicBoom;
  private readonly maxBytes: number;
  private readonly onDrop: (level: string) => void;
  private readonly summaryIntervalMs: number;
  /** Bytes handed to sonic-boom and not yet written: its own count, kept from its events. */
  private buffered = 0;
  private refusedBySonic = false;
  /** Set once stdout failed for good (closed pipe): every later line is dropped. */
  private broken = false;
  private dropping = false;
  /** Lines dropped by level since the last "stopped" summary. */
  private unreported = new Map<string, number>();
  private unreportedSince = 0;
  private lastSummaryAt = -Infinity;
  private pendingSummary: NodeJS.Timeout | undefined;
  private giveUpWritingAt = Infinity;
  private exitHookInstalled = false;

  constructor({ maxBytes, fd, onDrop, summaryIntervalMs }: LogOutputOptions) {
    this.maxBytes = maxBytes;
    this.onDrop = onDrop;
    this.summaryIntervalMs = summaryIntervalMs ?? SUMMARY_INTERVAL_MS;
    this.sonic = new SonicBoom({
      fd,
      sync: false,
      maxLength: maxBytes,
      // A full pipe answers EAGAIN: sonic-boom retries after 100 ms, until exit gives up.
      retryEAGAIN: () => Date.now() < this.giveUpWritingAt,
    });
    this.sonic.on('write', (bytes: number) => this.written(bytes));
    this.sonic.on('drop', () => {
      this.refusedBySonic = true;
    });
    // Without a listener a write error would be thrown and end the process.
    this.sonic.on('error', () => {
      this.broken = true;
    });
  }

  /** Bytes waiting for stdout. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** pino's write: the line's level and fields come from the metadata pino set just before. */
  write(line: string): void {
    this.admit(line, this.lastLevel, admissionShare(this.lastLevel, this.lastObj));
  }

  /** An access line built without pino (see access-log.ts), admitted as pino's would be. */
  writeAccessLine(level: number, line: string): void {
    this.admit(line, level, ACCESS_SHARE);
  }

  private admit(line: string, level: number, share: number | undefined): void {
    const bytes = Buffer.byteLength(line);
    if (this.broken || (share !== undefined && this.buffered + bytes > this.maxBytes * share)) {
      this.drop(level);
      return;
    }
    if (this.send(line, bytes)) {
      return;
    }
    this.drop(level);
  }

  /** pino's `logger.flush()`. */
  flush(callback?: (error?: Error) => void): void {
    this.sonic.flush(callback);
  }

  /** Hands a line to sonic-boom; false when its bound refused it. */
  private send(line: string, bytes: number): boolean {
    this.installExitHook();
    this.refusedBySonic = false;
    this.sonic.write(line);
    if (this.refusedBySonic) {
      return false;
    }
    this.buffered += bytes;
    return true;
  }

  private drop(level: number): void {
    const name = levelName(level);
    this.onDrop(name);
    if (this.unreported.size === 0) {
      this.unreportedSince = Date.now();
    }
    this.unreported.set(name, (this.unreported.get(name) ?? 0) + 1);
    if (this.dropping) {
      return;
    }
    if (this.buffered <= this.maxBytes * RESUME_SHARE) {
      // A line too long for the room left while little waits: no backlog to report on.
      this.reportDropped();
      return;
    }
    this.dropping = true;
    if (Date.now() - this.lastSummaryAt >= this.summaryIntervalMs) {
      this.summarise(
        `Log output is backed up (${this.buffered} bytes wait for stdout): dropping lines, access lines first, until it drains`,
        {},
      );
    }
  }

  private written(bytes: number): void {
    this.buffered = Math.max(0, this.buffered - bytes);
    if (this.dropping && this.buffered <= this.maxBytes * RESUME_SHARE) {
      this.dropping = false;
      this.reportDropped();
    }
  }

  /** Writes the "stopped" summary now, or when the interval since the last summary has passed. */
  private reportDropped(): void {
    if (this.dropping || this.unreported.size === 0 || this.pendingSummary !== undefined) {
      return;
    }
    const wait = this.lastSummaryAt + this.summaryIntervalMs - Date.now();
    if (wait > 0) {
      this.pendingSummary = setTimeout(() => {
        this.pendingSummary = undefined;
        this.reportDropped();
      }, wait).unref();
      return;
    }
    const droppedLines = Object.fromEntries(this.unreported);
    const total = [...this.unreported.values()].reduce((sum, count) => sum + count, 0);
    const seconds = ((Date.now() - this.unreportedSince) / 1000).toFixed(1);
    this.unreported = new Map();
    this.summarise(`Log output resumed: ${total} lines dropped in the last ${seconds} s`, {
      droppedLines,
    });
  }

  /** A summary line in the JSON shape of every other line; it takes the whole bound if needed. */
  private summarise(msg: string, fields: Record<string, unknown>): void {
    this.lastSummaryAt = Date.now();
    const line = `${JSON.stringify({
      level: 'warn',
      time: new Date(this.lastSummaryAt).toISOString(),
      context: LogOutput.name,
      ...fields,
      msg,
    })}\n`;
    if (!this.broken) {
      this.send(line, Buffer.byteLength(line));
    }
  }

  /**
   * Flushes what is left when the process exits, for at most `EXIT_FLUSH_MS` of a blocked stdout:
   * pino's own exit flush would wait for a stalled reader forever.
   */
  private installExitHook(): void {
    if (this.exitHookInstalled) {
      return;
    }
    this.exitHookInstalled = true;
    process.once('exit', () => {
      if (this.broken) {
        return;
      }
      this.giveUpWritingAt = Date.now() + EXIT_FLUSH_MS;
      try {
        this.sonic.flushSync();
      } catch {
        // stdout stayed blocked: the lines still buffered are lost.
      }
    });
  }
}
