import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  interpolate,
  quantileRank,
  roundedRatio,
  type Arithmetic,
  type DatasetQuery,
  type DatasetQueryResult,
  type ResultGroup,
} from 'src/engine';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { migrateClickHouse } from 'src/data/clickhouse/clickhouse-schema';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import {
  ANALYSIS_SETTINGS,
  analysisSql,
  EXACT_SCALE,
  INEXACT_VALUE,
  quantileSql,
  scaledSumOf,
  stringLiteral,
  tableRef,
  type AnalysisRow,
  type QuantileGroup,
  type QuantileRow,
} from 'src/data/clickhouse/sales-sql';
import type { DatasetSummary } from 'src/data/dataset.repository';
import { catalogueVersionOf, versionId } from 'src/data/dataset-version';
import { refuseUnsupportedParameters } from 'src/data/clickhouse/unsupported-parameters';
import { DatasetNotFoundError } from 'src/data/errors/dataset-not-found.error';

/**
 * How long a summary is reused. Every analysis request validates its countries against the
 * summary, so this saves one round trip per request; an import shows up at most this late.
 */
const SUMMARY_TTL_MS = 1_000;

/** Groups per quantile statement: one SELECT each, so a statement stays a few kilobytes. */
const QUANTILE_GROUPS_PER_STATEMENT = 100;

/** Tries when an import lands between counting the groups and selecting their quantiles. */
const QUANTILE_ATTEMPTS = 3;

/** A group's counted rows, the metrics computed so far, and its quantile order statistics. */
interface CountedGroup extends QuantileGroup {
  readonly row: AnalysisRow;
  orderStatistics: readonly number[];
}

interface CountryExtent {
  readonly country: string;
  readonly rows: string | number;
  readonly first: string;
  readonly last: string;
  readonly years: readonly number[];
}

interface LatestImport {
  readonly sha256: string;
  readonly source: string;
  /** Unix seconds, so the server's time zone cannot shift it. */
  readonly imported_at: string | number;
  readonly rejected_rows: string | number;
}

/**
 * Datasets stored in ClickHouse tables. Every query is one SELECT that returns aggregates only;
 * the schema is created or upgraded on first contact and again after the server lost it, so the
 * service starts, and recovers, whether or not ClickHouse is up.
 */
@Injectable()
export class ClickHouseDatasetRepository implements OnModuleInit {
  private readonly logger = new Logger(ClickHouseDatasetRepository.name);
  private readonly datasets: ReadonlyMap<string, DatasetConfig>;
  private readonly summaries = new Map<string, { summary: DatasetSummary; at: number }>();
  /** Each dataset's arithmetic as of a version: checking it reads every value, so once per version. */
  private readonly arithmetics = new Map<string, { version: string; arithmetic: Arithmetic }>();
  private schemaReady: Promise<void> | null = null;

  constructor(
    private readonly gateway: ClickHouseGateway,
    @Inject(dataConfig.KEY) config: ConfigType<typeof dataConfig>,
  ) {
    this.datasets = new Map(
      config.datasets
        .filter(({ backend }) => backend === 'clickhouse')
        .map((dataset) => [dataset.name, dataset]),
    );
  }

  get names(): string[] {
    return [...this.datasets.keys()];
  }

  has(name: string): boolean {
    return this.datasets.has(name);
  }

  async onModuleInit(): Promise<void> {
    if (this.datasets.size === 0) {
      return;
    }
    try {
      await this.ensureSchema();
      for (const name of this.datasets.keys()) {
        await this.summary(name);
      }
    } catch (error) {
      if (!(error instanceof ClickHouseUnavailableError)) {
        throw error;
      }
      // Start anyway: readiness reports ClickHouse down, and the first call that reaches it
      // creates the schema.
      this.logger.warn(`Starting without ClickHouse: ${error.message}`);
    }
  }

  /** Null while every ClickHouse dataset is reachable, else why not (for readiness). */
  async unavailableReason(): Promise<string | null> {
    if (this.datasets.size === 0) {
      return null;
    }
    try {
      await this.ensureSchema();
      return await this.gateway.unreachableReason();
    } catch (error) {
      return error instanceof ClickHouseUnavailableError ? error.message : String(error);
    }
  }

  /** Rows as of the latest summaries, for health reports. */
  loadedRows(): number {
    let rows = 0;
    for (const { summary } of this.summaries.values()) {
      rows += summary.rows;
    }
    return rows;
  }

  async summary(name: string): Promise<DatasetSummary> {
    const dataset = this.get(name);
    const cached = this.summaries.get(name);
    if (cached && Date.now() - cached.at < SUMMARY_TTL_MS) {
      return cached.summary;
    }
    const summary = await this.withSchema(() => this.readSummary(dataset));
    this.summaries.set(name, { summary, at: Date.now() });
    return summary;
  }

  /** The version as of the latest summary, so an import shows up at most a summary's TTL late. */
  async versionOf(name: string): Promise<string> {
    return (await this.summary(name)).version;
  }

  async catalogueVersion(): Promise<string> {
    const versions = await Promise.all(
      this.names.map(async (name) => ({ name, version: await this.versionOf(name) })),
    );
    return catalogueVersionOf(versions);
  }

  /**
   * Answers a query in ClickHouse: one SELECT for counts, sums, extremes and spreads, then, for
   * quantile metrics, one statement per 100 groups that selects each group's order statistics
   * (see `quantileSql`). If the rows change in between, the query starts again.
   */
  async query(name: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    const dataset = this.get(name);
    refuseUnsupportedParameters(query);
    const table = tableRef(this.gateway.config.database, dataset.table);
    const exactSums =
      query.metrics.some(({ kind }) => kind === 'sum' || kind === 'mean') &&
      (await this.summary(name)).arithmetic === 'exact-decimal';
    const qs = query.metrics.flatMap((metric) => (metric.kind === 'quantile' ? [metric.q] : []));
    for (let attempt = 1; attempt <= QUANTILE_ATTEMPTS; attempt++) {
      const rows = await this.withSchema(() =>
        this.gateway.rows<AnalysisRow>(analysisSql(table, query), ANALYSIS_SETTINGS),
      );
      const groups: CountedGroup[] = rows
        // Without GROUP BY an empty selection still yields one row, with a count of 0.
        .filter((row) => Number(row.n) > 0)
        .map((row) => ({
          country: row.g_country ?? null,
          period: row.g_period === undefined ? null : Number(row.g_period),
          rows: Number(row.n),
          row,
          orderStatistics: [],
        }));
      if (qs.length > 0 && !(await this.selectOrderStatistics(table, query, groups, qs))) {
        continue;
      }
      return {
        matchedRows: groups.reduce((total, group) => total + group.rows, 0),
        groups: groups.map((group): ResultGroup => ({
          country: group.country,
          period: group.period,
          rows: group.rows,
          values: metricValues(group, query, exactSums),
        })),
      };
    }
    throw new ClickHouseUnavailableError(
      `the rows of '${name}' kept changing during the query (${QUANTILE_ATTEMPTS} tries)`,
    );
  }

  /** Fills each group's order statistics; false when a group's rows changed since counting. */
  private async selectOrderStatistics(
    table: string,
    query: DatasetQuery,
    groups: CountedGroup[],
    qs: readonly number[],
  ): Promise<boolean> {
    for (let start = 0; start < groups.length; start += QUANTILE_GROUPS_PER_STATEMENT) {
      const chunk = groups.slice(start, start + QUANTILE_GROUPS_PER_STATEMENT);
      const rows = await this.withSchema(() =>
        this.gateway.rows<QuantileRow>(quantileSql(table, query, chunk, qs)),
      );
      for (const row of rows) {
        const group = chunk[Number(row.g)];
        if (Number(row.n) !== group.rows) {
          return false;
        }
        group.orderStatistics = row.qs.map(Number);
      }
    }
    return true;
  }

  private get(name: string): DatasetConfig {
    const dataset = this.datasets.get(name);
    if (!dataset) {
      throw new DatasetNotFoundError(name, this.names);
    }
    return dataset;
  }

  private ensureSchema(): Promise<void> {
    if (this.gateway.takeSchemaLost()) {
      this.schemaReady = null;
    }
    this.schemaReady ??= migrateClickHouse(
      this.gateway,
      this.gateway.config.database,
      [...this.datasets.values()].map(({ table, cluster }) => ({ table, cluster })),
    ).catch((error: unknown) => {
      // Try again on the next call instead of remembering the failure.
      this.schemaReady = null;
      throw error;
    });
    return this.schemaReady;
  }

  private async withSchema<T>(run: () => Promise<T>): Promise<T> {
    await this.ensureSchema();
    return run();
  }

  private async readSummary(dataset: DatasetConfig): Promise<DatasetSummary> {
    const database = this.gateway.config.database;
    const [extents, imports] = await Promise.all([
      this.gateway.rows<CountryExtent>(
        'SELECT toString(country) AS country, count() AS rows, toString(min(date)) AS first, ' +
          'toString(max(date)) AS last, groupUniqArray(toYear(date)) AS years ' +
          `FROM ${tableRef(database, dataset.table)} GROUP BY country ORDER BY country`,
      ),
      this.gateway.rows<LatestImport>(
        'SELECT sha256, source, toUnixTimestamp(imported_at) AS imported_at, rejected_rows ' +
          `FROM ${tableRef(database, 'imports')} WHERE dataset = ${stringLiteral(dataset.name)} ` +
          'ORDER BY imported_at DESC, sha256',
      ),
    ]);
    const years = new Set(extents.flatMap(({ years: list }) => list.map(Number)));
    // ISO dates sort as text.
    const firsts = extents.map(({ first }) => first).sort();
    const lasts = extents.map(({ last }) => last).sort();
    const latest = imports.at(0);
    const rows = extents.reduce((total, { rows: countryRows }) => total + Number(countryRows), 0);
    const countries = extents.map(({ country, rows: n }) => ({ code: country, rows: Number(n) }));
    const dateRange = extents.length > 0 ? { from: firsts[0], to: lasts[lasts.length - 1] } : null;
    // Every import so far, plus the table's extent to notice rows written by other means.
    const version = versionId([
      imports.map(({ sha256, imported_at }) => [sha256, Number(imported_at)]),
      rows,
      countries,
      dateRange,
    ]);
    return {
      name: dataset.name,
      rows,
      countries,
      dateRange,
      years: [...years].sort((a, b) => a - b),
      // The latest import's end; a table filled by other means reports when it was first read.
      loadedAt: latest
        ? new Date(Number(latest.imported_at) * 1000).toISOString()
        : new Date().toISOString(),
      source: latest?.source ?? dataset.source,
      sha256: latest?.sha256 ?? '',
      version,
      // Rows the latest import skipped in lenient mode; their details are in its report only.
      rejectedRows: latest ? Number(latest.rejected_rows) : 0,
      rejectedExamples: [],
      arithmetic: await this.arithmeticOf(dataset, version),
    };
  }

  /**
   * `exact-decimal` when every value is k / 10^4 for an integer k below 2^53 (see `EXACT_SCALE`):
   * sums and means are then computed from Σk and correctly rounded, like the in-memory engine's.
   */
  private async arithmeticOf(dataset: DatasetConfig, version: string): Promise<Arithmetic> {
    const known = this.arithmetics.get(dataset.name);
    if (known?.version === version) {
      return known.arithmetic;
    }
    const [row] = await this.gateway.rows<{ inexact: string | number }>(
      `SELECT countIf(${INEXACT_VALUE}) AS inexact ` +
        `FROM ${tableRef(this.gateway.config.database, dataset.table)}`,
    );
    const arithmetic: Arithmetic = Number(row?.inexact ?? 0) === 0 ? 'exact-decimal' : 'float';
    this.arithmetics.set(dataset.name, { version, arithmetic });
    return arithmetic;
  }
}

function metricValues(
  group: CountedGroup,
  query: DatasetQuery,
  exactSums: boolean,
): (number | null)[] {
  const { row, rows: count } = group;
  // Σk of the values' k / 10^4, exact, when every value of the group has such a k.
  const scaledSum = exactSums ? scaledSumOf(row) : null;
  let quantileIndex = 0;
  return query.metrics.map((metric) => {
    switch (metric.kind) {
      case 'count':
        return count;
      case 'sum':
        return scaledSum === null ? Number(row.s) : roundedRatio(scaledSum, BigInt(EXACT_SCALE));
      case 'mean':
        return scaledSum === null
          ? Number(row.s) / count
          : roundedRatio(scaledSum, BigInt(count) * BigInt(EXACT_SCALE));
      case 'min':
        return Number(row.lo);
      case 'max':
        return Number(row.hi);
      // Clamped at 0 like the in-memory engine's M2; undefined below two rows.
      case 'variance':
        return count < 2 ? null : Math.max(0, Number(row.v));
      case 'stddev':
        return count < 2 ? null : Math.sqrt(Math.max(0, Number(row.v)));
      case 'quantile': {
        const index = quantileIndex++;
        const { weight } = quantileRank(count, metric.q);
        return interpolate(
          group.orderStatistics[2 * index],
          group.orderStatistics[2 * index + 1],
          weight,
        );
      }
    }
  });
}
