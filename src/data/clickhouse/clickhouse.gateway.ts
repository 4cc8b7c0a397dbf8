import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  ClickHouseError,
  ClickHouseLogLevel,
  createClient,
  type ClickHouseClient,
  type ClickHouseSettings,
} from '@clickhouse/client';
import type { Readable } from 'node:stream';
import { clickHouseConfig } from 'src/config/clickhouse.config';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';

/**
 * Server error codes that mean "not now" rather than "wrong query": overload, limits, network
 * trouble between servers, a missing database or table (the schema is recreated on the next call),
 * and authentication (a rotated password). See ClickHouse's ErrorCodes.
 */
const TRANSIENT_SERVER_CODES = new Set([
  '60', // UNKNOWN_TABLE
  '81', // UNKNOWN_DATABASE
  '159', // TIMEOUT_EXCEEDED
  '164', // READONLY
  '192', // UNKNOWN_USER
  '193', // WRONG_PASSWORD
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '252', // TOO_MANY_PARTS
  '279', // ALL_CONNECTION_TRIES_FAILED
  '516', // AUTHENTICATION_FAILED
]);

/** Codes after which the schema may be gone, so migrations must run again. */
const SCHEMA_MISSING_CODES = new Set(['60', '81']);

/**
 * The one ClickHouse client of the process. Every call is bounded by `CLICKHOUSE_TIMEOUT_MS` on
 * both sides (the server stops the query, the client aborts the request), and every failure that
 * a retry can cure becomes a `ClickHouseUnavailableError` (503 with Retry-After). The client keeps
 * no state across failures, so the next call after ClickHouse comes back simply succeeds.
 */
@Injectable()
export class ClickHouseGateway implements OnModuleDestroy {
  private readonly logger = new Logger(ClickHouseGateway.name);
  private readonly client: ClickHouseClient;
  private schemaLost = false;

  constructor(@Inject(clickHouseConfig.KEY) readonly config: ConfigType<typeof clickHouseConfig>) {
    this.client = createClient({
      url: config.url,
      username: config.user,
      password: config.password,
      request_timeout: config.timeoutMs,
      application: 'sales-metrics-service',
      // Failures are reported once, by this class, without the request arguments.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** Where the server is, for messages: the URL without credentials, query or path. */
  get location(): string {
    const url = new URL(this.config.url);
    return `${url.protocol}//${url.host}`;
  }

  /** True once a call reported a missing database or table; reading clears it. */
  takeSchemaLost(): boolean {
    const lost = this.schemaLost;
    this.schemaLost = false;
    return lost;
  }

  async rows<Row>(query: string, settings: ClickHouseSettings = {}): Promise<Row[]> {
    return this.call(async (signal) => {
      const result = await this.client.query({
        query,
        format: 'JSONEachRow',
        abort_signal: signal,
        clickhouse_settings: { ...settings, ...this.serverLimits() },
      });
      return result.json<Row>();
    });
  }

  async command(query: string): Promise<void> {
    await this.call((signal) =>
      this.client.command({
        query,
        abort_signal: signal,
        clickhouse_settings: this.serverLimits(),
      }),
    );
  }

  /** Inserts tab-separated rows (such as `country\tYYYY-MM-DD\tvalue\n`) into `columns` of a table. */
  async insertTabSeparated(
    table: string,
    columns: [string, ...string[]],
    rows: Readable,
  ): Promise<void> {
    await this.call((signal) =>
      this.client.insert({
        table,
        values: rows,
        columns,
        format: 'TabSeparated',
        abort_signal: signal,
      }),
    );
  }

  /** Null when the server answers, else why not. */
  async unreachableReason(): Promise<string | null> {
    try {
      await this.rows<{ ok: number }>('SELECT 1 AS ok');
      return null;
    } catch (error) {
      return error instanceof ClickHouseUnavailableError ? error.message : String(error);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.client.close();
  }

  private serverLimits(): { max_execution_time: number } {
    return { max_execution_time: Math.max(1, Math.ceil(this.config.timeoutMs / 1000)) };
  }

  private async call<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    try {
      return await run(signal);
    } catch (error) {
      throw this.classify(
        signal.aborted ? new ClickHouseTimeoutError(this.config.timeoutMs) : error,
      );
    }
  }

  private classify(error: unknown): unknown {
    if (error instanceof ClickHouseError) {
      if (!TRANSIENT_SERVER_CODES.has(error.code)) {
        return error;
      }
      if (SCHEMA_MISSING_CODES.has(error.code)) {
        this.schemaLost = true;
      }
      this.logger.warn(`ClickHouse at ${this.location} failed a call: ${error.message}`);
      return new ClickHouseUnavailableError(
        `the server at ${this.location} answered error ${error.code}`,
      );
    }
    const reason = describeTransportError(error);
    this.logger.warn(`ClickHouse at ${this.location} is unreachable: ${reason}`);
    return new ClickHouseUnavailableError(`no answer from ${this.location} (${reason})`);
  }
}

class ClickHouseTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

function describeTransportError(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (error instanceof ClickHouseTimeoutError) {
    return error.message;
  }
  if (/timeout/i.test(error.message)) {
    return 'timed out';
  }
  return code ?? error.message;
}
