import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DatasetConfig } from 'src/config/data.config';
import type { DatasetSummary } from 'src/data/dataset.repository';
import { ClickHouseDatasetRepository } from 'src/data/clickhouse/clickhouse-dataset.repository';
import { KeyClaims, type KeyClaim } from 'src/data/clickhouse/clickhouse-key-claims';
import {
  attachSplit,
  dropStaged,
  splitStaged,
  stageRows,
} from 'src/data/clickhouse/clickhouse-parts';
import { shardDatabases } from 'src/data/clickhouse/clickhouse-schema';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { CLICKHOUSE_DAY_RANGE, stringLiteral, tableRef } from 'src/data/clickhouse/sales-sql';
import { CsvLoadError } from 'src/data/csv/csv-load.error';
import { loadSalesCsv } from 'src/data/csv/sales-csv-loader';
import { CsvRejectedError, MAX_LISTED_DEFECTS } from 'src/data/errors/csv-rejected.error';
import { IdempotencyKeyReusedError } from 'src/data/errors/idempotency.errors';
import { DataGeneration } from 'src/data/live/data-generation';
import { InFlightKeys } from 'src/data/live/in-flight-keys';
import { KeyedLock } from 'src/data/live/keyed-lock';
import type { StagedUpload, UploadOutcome } from 'src/data/live/memory-dataset.writer';
import { nextVersionId } from 'src/data/live/version-ids';
import type { VersionRecord, VersionSource } from 'src/data/live/version-log';

/** A write's state in the `versions` table; a later state wins (`STATE_RANK`). */
type WriteState = 'pending' | 'committed' | 'abandoned';
const STATE_RANK: Record<WriteState, number> = { pending: 0, abandoned: 1, committed: 2 };

/** One row of the `versions` table (64-bit integers arrive as strings). */
interface VersionRow {
  readonly write_id: string;
  readonly state: WriteState;
  readonly sequence: string | number;
  readonly version: string;
  readonly created_at: string;
  readonly source: VersionSource;
  readonly rows_added: string | number;
  readonly rows: string | number;
  readonly rejected_rows: string | number;
  readonly idempotency_key: string | null;
  readonly sha256: string;
}

/** A write as the log folds it: its latest state and what it recorded. */
interface LoggedWrite {
  readonly writeId: string;
  readonly state: WriteState;
  readonly sequence: number;
  readonly record: VersionRecord;
}

/** A staging table per write, named by its write id (digits only, so a safe identifier). */
const STAGING_PREFIX = 'upload_';
const stagingOf = (writeId: string): string => `${STAGING_PREFIX}${writeId}`;

/** A random non-zero 63-bit id: the `part` value of an upload's rows (0 marks imported rows). */
function newWriteId(): string {
  return String(BigInt.asUintN(63, randomBytes(8).readBigUInt64BE()) | 1n);
}

function recordOf(row: VersionRow): VersionRecord {
  return {
    version: row.version,
    createdAt: row.created_at,
    source: row.source,
    rowsAdded: Number(row.rows_added),
    rows: Number(row.rows),
    rejectedRows: Number(row.rejected_rows),
    idempotencyKey: row.idempotency_key,
    sha256: row.sha256,
    // Parts live in the table (column `part`), not in files.
    part: null,
    baseSha256: '',
  };
}

/**
 * Uploads and reloads of ClickHouse datasets, with the guarantees of the in-memory ones:
 *
 * - **All or nothing.** The upload is validated whole with the loader first (same 422 defects).
 *   Its rows are inserted into a staging table, each row carrying the upload's write id in column
 *   `part`, and then moved into the dataset's table by one `ATTACH PARTITION … FROM` (per shard for
 *   a cluster). Until that step no query sees any of them; after it, all of them. A single INSERT
 *   into MergeTree would be atomic only up to `max_insert_block_size` rows.
 * - **Exactly once, also across crashes.** Before the attach, a `pending` row describing the write
 *   (version, rows, key, SHA-256) goes into the `versions` table; after it, a `committed` row. A
 *   write left pending (a crash, ClickHouse failing in between) is settled by counting its rows:
 *   present in full, it is committed as recorded; absent, abandoned. Settling runs at start-up,
 *   and before a retry with the same Idempotency-Key, so that retry either answers the first
 *   upload's 201 or inserts anew, never twice.
 * - **Durable before 201.** The 201 follows the committed row; ClickHouse has written both the
 *   parts and that row to disk by then (an INSERT returns once its part is on disk).
 * - **Serialised** per dataset within the process; the history (`versions`) and idempotency keys
 *   live in ClickHouse, so they survive restarts and are shared by replicas.
 * - **One request per key across replicas.** An upload with an Idempotency-Key first claims the
 *   key in ClickHouse (`KeyClaims`): while another replica's request holds it, the answer is 409.
 *   Once the rows are staged, a holder whose claim is past half its TTL renews it and looks the
 *   key up again (a replica that took an expired claim over may have answered it meanwhile); the
 *   attaches must start before the claim lapses.
 */
@Injectable()
export class ClickHouseDatasetWriter implements OnApplicationBootstrap {
  private readonly logger = new Logger(ClickHouseDatasetWriter.name);
  private readonly lock = new KeyedLock();
  private readonly inFlight = new InFlightKeys();
  private readonly claims: KeyClaims;
  /** Writes this process left pending after a failure; the next write to the dataset settles them. */
  private readonly unsettled = new Set<string>();

  constructor(
    private readonly gateway: ClickHouseGateway,
    private readonly repository: ClickHouseDatasetRepository,
    private readonly generation: DataGeneration,
  ) {
    this.claims = new KeyClaims(gateway);
  }

  has(dataset: string): boolean {
    return this.repository.has(dataset);
  }

  /** Settles what a crash left pending and drops leftover staging tables; ClickHouse may be down. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.repository.names.length === 0) {
      return;
    }
    try {
      await this.recover();
    } catch (error) {
      if (!(error instanceof ClickHouseUnavailableError)) {
        throw error;
      }
      this.logger.warn(`Pending uploads not settled yet: ${error.message}`);
    }
  }

  /** Settles every dataset's pending writes, then drops staging tables nothing refers to. */
  async recover(): Promise<void> {
    for (const name of this.repository.names) {
      await this.lock.run(name, async () => {
        const dataset = this.repository.config(name);
        await this.settle(dataset, await this.writes(dataset), () => true);
      });
    }
    await this.dropLeftoverStaging();
  }

  /** Where the service stages an upload's bytes before validating them: a fresh temporary file. */
  stagingPathFor(dataset: string): string {
    this.repository.config(dataset);
    return join(tmpdir(), `sales-metrics-upload-${randomUUID()}.csv`);
  }

  /** @throws IdempotencyKeyInFlightError while another request of this process holds the key */
  claimIdempotencyKey(dataset: string, key: string): () => void {
    return this.inFlight.claim(dataset, key);
  }

  /** Committed versions, oldest first. */
  async history(dataset: string): Promise<VersionRecord[]> {
    const config = this.repository.config(dataset);
    return committed(await this.writes(config)).map(({ record }) => record);
  }

  /**
   * Appends a staged upload, or answers a retry of an earlier one; the staged file is removed
   * either way. @throws CsvRejectedError, IdempotencyKeyReusedError, ClickHouseUnavailableError
   */
  async append(
    dataset: string,
    staged: StagedUpload,
    idempotencyKey: string | null,
  ): Promise<UploadOutcome> {
    try {
      return await this.lock.run(dataset, () => this.appendLocked(dataset, staged, idempotencyKey));
    } finally {
      await rm(staged.file, { force: true });
    }
  }

  /**
   * Reads the dataset's state from ClickHouse again, dropping what the service had cached. When the
   * table changed by other means since the last recorded version (an `npm run import`, another
   * writer), that change becomes a `reload` version; otherwise the latest version is returned.
   */
  reload(dataset: string): Promise<VersionRecord> {
    const config = this.repository.config(dataset);
    return this.lock.run(dataset, async () => {
      const writes = await this.writes(config);
      await this.settle(config, writes, ({ writeId }) => this.unsettled.has(writeId));
      this.repository.forget(dataset);
      const summary = await this.repository.summary(dataset);
      const latest = committed(writes).at(-1);
      if (latest !== undefined && latest.record.rows === summary.rows) {
        return latest.record;
      }
      return this.recordTableAsRead(config, writes, summary);
    });
  }

  /**
   * Records the table as read now: the `initial` version when the history is empty (the rows
   * imported before any upload), else a `reload` for rows written by other means. Its SHA-256 is
   * that of the state read (rows, countries, date range, latest import's SHA-256).
   */
  private async recordTableAsRead(
    config: DatasetConfig,
    writes: readonly LoggedWrite[],
    summary: DatasetSummary,
  ): Promise<VersionRecord> {
    const latest = committed(writes).at(-1);
    const sha256 = createHash('sha256')
      .update(JSON.stringify([summary.rows, summary.countries, summary.dateRange, summary.sha256]))
      .digest('hex');
    const source: VersionSource = latest === undefined ? 'initial' : 'reload';
    const sequence = nextSequence(writes);
    const record: VersionRecord = {
      // The initial version keeps the id the dataset had, so ETags do not change for nothing.
      version:
        latest === undefined
          ? summary.version
          : nextVersionId(latest.record.version, sequence, source, sha256),
      createdAt: new Date().toISOString(),
      source,
      rowsAdded: summary.rows - (latest?.record.rows ?? 0),
      rows: summary.rows,
      rejectedRows: 0,
      idempotencyKey: null,
      sha256,
      part: null,
      baseSha256: '',
    };
    await this.log(config, newWriteId(), sequence, 'committed', record);
    this.installed(config.name);
    return record;
  }

  /** Every ClickHouse dataset, as SIGHUP asks; failures are logged. */
  async reloadAll(): Promise<void> {
    for (const name of this.repository.names) {
      try {
        const record = await this.reload(name);
        this.logger.log(
          `Reloaded dataset '${name}': version ${record.version}, ${record.rows} rows`,
        );
      } catch (error) {
        this.logger.error(`Reload of dataset '${name}' failed: ${(error as Error).message}`);
      }
    }
  }

  private async appendLocked(
    dataset: string,
    staged: StagedUpload,
    idempotencyKey: string | null,
  ): Promise<UploadOutcome> {
    const config = this.repository.config(dataset);
    const claim = idempotencyKey === null ? null : await this.claims.claim(dataset, idempotencyKey);
    try {
      return await this.appendClaimed(config, staged, claim);
    } finally {
      await claim?.release();
    }
  }

  private async appendClaimed(
    config: DatasetConfig,
    staged: StagedUpload,
    claim: KeyClaim | null,
  ): Promise<UploadOutcome> {
    const dataset = config.name;
    const idempotencyKey = claim?.key ?? null;
    const part = await this.validate(config, staged);
    const first = await this.answered(config, staged, idempotencyKey);
    if (first.outcome !== null) {
      return first.outcome;
    }
    let writes = first.writes;

    if (committed(writes).length === 0) {
      // The first recorded write starts the history with the rows already there (imported).
      this.repository.forget(dataset);
      const summary = await this.repository.summary(dataset);
      if (summary.rows > 0) {
        await this.recordTableAsRead(config, writes, summary);
        writes = await this.writes(config);
      }
    }

    const database = this.gateway.config.database;
    const writeId = newWriteId();
    const staging = stagingOf(writeId);
    try {
      await stageRows(this.gateway, database, staging, part.columns, {
        column: 'part',
        id: writeId,
      });
      const targets = await splitStaged(this.gateway, config, database, staging);
      if (claim !== null && (await claim.renewIfOld())) {
        // Staging took long: a replica may have taken the claim over and answered the key.
        const again = await this.answered(config, staged, idempotencyKey);
        if (again.outcome !== null) {
          return again.outcome;
        }
        writes = again.writes;
      }
      const before = await this.tableRows(config);
      const previous = committed(writes).at(-1)?.record.version ?? (await this.baseVersion(config));
      const sequence = nextSequence(writes);
      const record: VersionRecord = {
        version: nextVersionId(previous, sequence, 'upload', staged.sha256),
        createdAt: new Date().toISOString(),
        source: 'upload',
        rowsAdded: part.columns.rowCount,
        rows: before + part.columns.rowCount,
        rejectedRows: part.rejectedRows,
        idempotencyKey,
        sha256: staged.sha256,
        part: null,
        baseSha256: '',
      };
      claim?.checkDeadline();
      this.unsettled.add(writeId);
      await this.log(config, writeId, sequence, 'pending', record);
      await attachSplit(this.gateway, targets, () => {
        claim?.checkDeadline();
        return true;
      });
      await this.log(config, writeId, sequence, 'committed', record);
      this.unsettled.delete(writeId);
      this.installed(dataset);
      return { record, replayed: false };
    } finally {
      await dropStaged(this.gateway, config, database, staging).catch(() => undefined);
    }
  }

  /**
   * The writes logged so far, and the first answer when the key was used before: its 201 again
   * for the same body. Pending writes of this key (a crash, a failure, a replica that lost its
   * claim) and this process's own unsettled ones are settled first, so the key is answered from
   * what really happened. @throws IdempotencyKeyReusedError for the same key with another body
   */
  private async answered(
    config: DatasetConfig,
    staged: StagedUpload,
    idempotencyKey: string | null,
  ): Promise<{ writes: LoggedWrite[]; outcome: UploadOutcome | null }> {
    let writes = await this.writes(config);
    if (
      await this.settle(
        config,
        writes,
        ({ writeId, record }) =>
          this.unsettled.has(writeId) ||
          (idempotencyKey !== null && record.idempotencyKey === idempotencyKey),
      )
    ) {
      writes = await this.writes(config);
    }
    const earlier =
      idempotencyKey === null
        ? undefined
        : committed(writes).find(({ record }) => record.idempotencyKey === idempotencyKey);
    if (earlier === undefined) {
      return { writes, outcome: null };
    }
    if (earlier.record.sha256 !== staged.sha256) {
      throw new IdempotencyKeyReusedError(config.name);
    }
    return { writes, outcome: { record: earlier.record, replayed: true } };
  }

  /** The upload's rows, validated like a file of the dataset. @throws CsvRejectedError */
  private async validate(
    config: DatasetConfig,
    staged: StagedUpload,
  ): Promise<Awaited<ReturnType<typeof loadSalesCsv>>> {
    try {
      return await loadSalesCsv(staged.file, {
        format: config.format,
        lenient: config.lenient,
        dayRange: CLICKHOUSE_DAY_RANGE,
        maxReportedDefects: MAX_LISTED_DEFECTS,
      });
    } catch (error) {
      if (error instanceof CsvLoadError) {
        throw new CsvRejectedError(
          `Upload to dataset '${config.name}' refused`,
          error.defects,
          error.totalDefects,
        );
      }
      throw error;
    }
  }

  /**
   * Settles the pending writes `which` selects: committed when all their rows are in the table,
   * abandoned when none are. A write torn across shards (a crash between two shards' attaches) is
   * completed from the shards' staging tables, or else its rows are deleted. True when any was
   * settled.
   */
  private async settle(
    config: DatasetConfig,
    writes: readonly LoggedWrite[],
    which: (write: LoggedWrite) => boolean,
  ): Promise<boolean> {
    const pending = writes.filter((write) => write.state === 'pending' && which(write));
    for (const write of pending) {
      // ClickHouse finishes a statement whose client went away: count once none is left running.
      await this.statementsFinished(write.writeId);
      let present = await this.partRows(config, write.writeId);
      if (present > 0 && present < write.record.rowsAdded && config.cluster) {
        await this.completeShards(config, write.writeId);
        present = await this.partRows(config, write.writeId);
        if (present !== write.record.rowsAdded) {
          await this.deletePart(config, write.writeId);
          present = 0;
        }
      }
      const state: WriteState = present === write.record.rowsAdded ? 'committed' : 'abandoned';
      await this.log(config, write.writeId, write.sequence, state, write.record);
      await dropStaged(
        this.gateway,
        config,
        this.gateway.config.database,
        stagingOf(write.writeId),
      );
      this.unsettled.delete(write.writeId);
      this.logger.warn(
        `Settled upload ${write.record.version} of dataset '${config.name}' left pending: ${state}`,
      );
      if (state === 'committed') {
        this.installed(config.name);
      }
    }
    return pending.length > 0;
  }

  /**
   * Waits while the server still runs a statement on the write's staging table (its process died
   * or gave up while ClickHouse went on), so counting its rows cannot race an attach.
   */
  private async statementsFinished(writeId: string): Promise<void> {
    const deadline = Date.now() + this.gateway.config.timeoutMs;
    for (;;) {
      // The name is split in the text, so this statement does not find itself.
      const [row] = await this.gateway.rows<{ n: string }>(
        'SELECT count() AS n FROM system.processes ' +
          `WHERE position(query, ${stringLiteral(STAGING_PREFIX)} || ${stringLiteral(writeId)}) > 0`,
      );
      if (Number(row?.n ?? 0) === 0) {
        return;
      }
      if (Date.now() > deadline) {
        throw new ClickHouseUnavailableError(
          `a statement on upload ${writeId} is still running on the server`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Attaches the staged rows of every shard that has none of the write's rows yet. */
  private async completeShards(config: DatasetConfig, writeId: string): Promise<void> {
    const staging = stagingOf(writeId);
    for (const shard of await shardDatabases(this.gateway, config.cluster as string)) {
      const [{ n }] = await this.gateway.rows<{ n: string }>(
        `SELECT count() AS n FROM ${tableRef(shard, config.table)} WHERE part = ${writeId}`,
      );
      const [{ staged }] = await this.gateway.rows<{ staged: string }>(
        `SELECT count() AS staged FROM system.tables WHERE database = ${stringLiteral(shard)} ` +
          `AND name = ${stringLiteral(staging)}`,
      );
      if (Number(n) === 0 && Number(staged) > 0) {
        await this.gateway.command(
          `ALTER TABLE ${tableRef(shard, config.table)} ATTACH PARTITION tuple() FROM ${tableRef(shard, staging)}`,
        );
      }
    }
  }

  private async deletePart(config: DatasetConfig, writeId: string): Promise<void> {
    const tables = config.cluster
      ? (await shardDatabases(this.gateway, config.cluster)).map((db) => tableRef(db, config.table))
      : [tableRef(this.gateway.config.database, config.table)];
    for (const table of tables) {
      await this.gateway.command(`ALTER TABLE ${table} DELETE WHERE part = ${writeId}`);
    }
  }

  /** Staging tables of writes no longer pending (their process died before dropping them). */
  private async dropLeftoverStaging(): Promise<void> {
    const database = this.gateway.config.database;
    const clusters = new Set(
      this.repository.names.flatMap((name) => this.repository.config(name).cluster ?? []),
    );
    const databases = [database];
    for (const cluster of clusters) {
      databases.push(...(await shardDatabases(this.gateway, cluster)));
    }
    for (const db of databases) {
      const tables = await this.gateway.rows<{ name: string }>(
        `SELECT name FROM system.tables WHERE database = ${stringLiteral(db)} ` +
          `AND startsWith(name, ${stringLiteral(STAGING_PREFIX)})`,
      );
      for (const { name } of tables) {
        if (/^upload_\d+$/.test(name)) {
          await this.gateway.command(`DROP TABLE IF EXISTS ${tableRef(db, name)}`);
        }
      }
    }
  }

  private async writes(config: DatasetConfig): Promise<LoggedWrite[]> {
    const rows = await this.gateway.rows<VersionRow>(
      'SELECT toString(write_id) AS write_id, state, sequence, version, created_at, source, ' +
        'rows_added, rows, rejected_rows, idempotency_key, sha256 ' +
        `FROM ${tableRef(this.gateway.config.database, 'versions')} ` +
        `WHERE dataset = ${stringLiteral(config.name)} ORDER BY sequence, write_id`,
    );
    const byId = new Map<string, LoggedWrite>();
    for (const row of rows) {
      const known = byId.get(row.write_id);
      if (known === undefined || STATE_RANK[row.state] > STATE_RANK[known.state]) {
        byId.set(row.write_id, {
          writeId: row.write_id,
          state: row.state,
          sequence: Number(row.sequence),
          record: recordOf(row),
        });
      }
    }
    return [...byId.values()].sort((a, b) => a.sequence - b.sequence);
  }

  private async log(
    config: DatasetConfig,
    writeId: string,
    sequence: number,
    state: WriteState,
    record: VersionRecord,
  ): Promise<void> {
    const key = record.idempotencyKey === null ? 'NULL' : stringLiteral(record.idempotencyKey);
    await this.gateway.command(
      `INSERT INTO ${tableRef(this.gateway.config.database, 'versions')} ` +
        '(dataset, write_id, state, sequence, version, created_at, source, rows_added, rows, ' +
        'rejected_rows, idempotency_key, sha256, logged_at) VALUES ' +
        `(${stringLiteral(config.name)}, ${writeId}, ${stringLiteral(state)}, ${sequence}, ` +
        `${stringLiteral(record.version)}, ${stringLiteral(record.createdAt)}, ` +
        `${stringLiteral(record.source)}, ${record.rowsAdded}, ${record.rows}, ` +
        `${record.rejectedRows}, ${key}, ${stringLiteral(record.sha256)}, now())`,
    );
  }

  private async partRows(config: DatasetConfig, writeId: string): Promise<number> {
    const [row] = await this.gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${tableRef(this.gateway.config.database, config.table)} ` +
        `WHERE part = ${writeId}`,
    );
    return Number(row?.n ?? 0);
  }

  /** Rows as queries see them (a cluster's uncommitted writes left out). */
  private async tableRows(config: DatasetConfig): Promise<number> {
    const visible = this.repository.visibleRows(config);
    const [row] = await this.gateway.rows<{ n: string }>(
      `SELECT count() AS n FROM ${tableRef(this.gateway.config.database, config.table)}` +
        (visible.length > 0 ? ` WHERE ${visible.join(' AND ')}` : ''),
    );
    return Number(row?.n ?? 0);
  }

  /** The version before the first recorded write: the table as imported. */
  private async baseVersion(config: DatasetConfig): Promise<string> {
    this.repository.forget(config.name);
    return (await this.repository.summary(config.name)).version;
  }

  /** A new version serves: cached summaries and answers of the older one go. */
  private installed(dataset: string): void {
    this.repository.forget(dataset);
    this.generation.advance();
  }
}

function committed(writes: readonly LoggedWrite[]): LoggedWrite[] {
  return writes.filter(({ state }) => state === 'committed');
}

function nextSequence(writes: readonly LoggedWrite[]): number {
  return writes.reduce((max, { sequence }) => Math.max(max, sequence), 0) + 1;
}
