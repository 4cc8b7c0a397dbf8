import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  interpolate,
  quantileRank,
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
  stringLiteral,
  tableRef,
  type AnalysisRow,
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

  async query(name: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    const dataset = this.get(name);
    refuseUnsupportedParameters(query);
    const sql = analysisSql(tableRef(this.gateway.config.database, dataset.table), query);
    const rows = await this.withSchema(() =>
      this.gateway.rows<AnalysisRow>(sql, ANALYSIS_SETTINGS),
    );
    const groups: ResultGroup[] = [];
    let matchedRows = 0;
    for (const row of rows) {
      const count = Number(row.n);
      // Without GROUP BY an empty selection still yields one row, with a count of 0.
      if (count === 0) {
        continue;
      }
      matchedRows += count;
      groups.push({
        country: row.g_country ?? null,
        period: row.g_period === undefined ? null : Number(row.g_period),
        rows: count,
        values: metricValues(row, count, query),
      });
    }
    return { matchedRows, groups };
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
      // Every import so far, plus the table's extent to notice rows written by other means.
      version: versionId([
        imports.map(({ sha256, imported_at }) => [sha256, Number(imported_at)]),
        rows,
        countries,
        dateRange,
      ]),
      // Rows the latest import skipped in lenient mode; their details are in its report only.
      rejectedRows: latest ? Number(latest.rejected_rows) : 0,
      rejectedExamples: [],
      // Sums are Float64 aggregates in ClickHouse.
      arithmetic: 'float',
    };
  }
}

function metricValues(row: AnalysisRow, count: number, query: DatasetQuery): (number | null)[] {
  let quantileIndex = 0;
  return query.metrics.map((metric) => {
    switch (metric.kind) {
      case 'count':
        return count;
      case 'sum':
        return Number(row.s);
      case 'mean':
        return Number(row.s) / count;
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
        return interpolate(Number(row[`q${index}_lo`]), Number(row[`q${index}_hi`]), weight);
      }
    }
  });
}
