import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import {
  clipIntervals,
  comparisonIntervals,
  filteredSpan,
  filterIntervals,
  interpolate,
  OTHER_COUNTRY,
  quantileRank,
  roundedRatio,
  type Arithmetic,
  type CompareMode,
  type DatasetQuery,
  type DatasetQueryResult,
  type PeriodUnit,
  type ResultGroup,
} from 'src/engine';
import { formatIsoDate, parseIsoDate } from 'src/common/calendar/day-number';
import { periodDays, periodOfDay } from 'src/common/calendar/periods';
import { dataConfig, type DatasetConfig } from 'src/config/data.config';
import { ClickHouseGateway } from 'src/data/clickhouse/clickhouse.gateway';
import { migrateClickHouse } from 'src/data/clickhouse/clickhouse-schema';
import { ClickHouseUnavailableError } from 'src/data/clickhouse/clickhouse-unavailable.error';
import {
  ANALYSIS_SETTINGS,
  analysisSql,
  committedRowsCondition,
  EXACT_SCALE,
  groupConditions,
  INEXACT_VALUE,
  quantileSetsSql,
  rowSetConditions,
  rowSetsSql,
  scaledSumOf,
  stringLiteral,
  tableRef,
  bucketCountsSql,
  quantileIndices,
  windowOrderStatisticsSql,
  windowSql,
  windowsPerStatement,
  type AnalysisRow,
  type WindowSelection,
  type QuantileGroup,
  type QuantileRow,
} from 'src/data/clickhouse/sales-sql';
import type { DatasetSummary } from 'src/data/dataset.repository';
import { catalogueVersionOf, versionId } from 'src/data/dataset-version';
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
  readonly first: string | number;
  readonly last: string | number;
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

  /** Drops the cached summary, so the next request reads the dataset's state again. */
  forget(name: string): void {
    this.summaries.delete(name);
  }

  /** @throws DatasetNotFoundError */
  config(name: string): DatasetConfig {
    return this.get(name);
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
   * (see `quantileSql`). Windows, running totals and comparisons then measure each group's own
   * row set (its countries within day intervals, the in-memory engine's very intervals) the same
   * two ways. If the rows change in between, the query starts again.
   */
  async query(name: string, query: DatasetQuery): Promise<DatasetQueryResult> {
    const dataset = this.get(name);
    const table = tableRef(this.gateway.config.database, dataset.table);
    const visible = this.visibleRows(dataset);
    const summary = await this.summary(name);
    const exactSums =
      query.metrics.some(({ kind }) => kind === 'sum' || kind === 'mean') &&
      summary.arithmetic === 'exact-decimal';
    const qs = query.metrics.flatMap((metric) => (metric.kind === 'quantile' ? [metric.q] : []));
    const period = query.period;
    const window = period === null ? null : (query.window ?? null);
    const cumulative = period !== null && query.cumulative === true;
    const compare = query.compare ?? null;
    const extended = window !== null || cumulative;
    for (let attempt = 1; attempt <= QUANTILE_ATTEMPTS; attempt++) {
      const rows = await this.withSchema(() =>
        this.gateway.rows<AnalysisRow>(analysisSql(table, query, visible), ANALYSIS_SETTINGS),
      );
      const shown: CountedGroup[] = orderGroups(
        rows
          // Without GROUP BY an empty selection still yields one row, with a count of 0.
          .filter((row) => Number(row.n) > 0)
          .map((row) => ({
            country: row.g_country ?? null,
            period: row.g_period === undefined ? null : Number(row.g_period),
            rows: Number(row.n),
            row,
            orderStatistics: [],
          })),
      );
      if (!extended && qs.length > 0) {
        const sets = shown.map((group) => ({ conditions: groupConditions(query, group), group }));
        if (!(await this.selectOrderStatistics(table, sets, qs, visible))) {
          continue;
        }
      }
      const matchedRows = shown.reduce((total, group) => total + group.rows, 0);
      if (!extended && compare === null) {
        return {
          matchedRows,
          groups: shown.map((group): ResultGroup => ({
            country: group.country,
            period: group.period,
            rows: group.rows,
            values: metricValues(group, query, exactSums),
          })),
        };
      }
      const plan = extensionPlan(query, shown, window, cumulative, compare);
      const measured =
        window !== null && compare === null && plan.wholePeriods
          ? await this.measureWindows(table, query, window, shown, plan, qs, visible)
          : await this.measureRowSets(table, query, plan.sets, qs, visible);
      if (measured === null) {
        continue;
      }
      const span = windowSpan(summary, period, query.fiscalYearStart ?? 1);
      return {
        matchedRows,
        groups: shown.map((group, i): ResultGroup => {
          const current = plan.current[i] === null ? group : measured[plan.current[i]];
          const previous = plan.previous[i] === null ? undefined : measured[plan.previous[i]];
          return {
            country: group.country,
            period: group.period,
            rows: current?.rows ?? 0,
            values: current ? metricValues(current, query, exactSums) : [],
            ...(previous && previous.rows > 0
              ? {
                  previous: {
                    rows: previous.rows,
                    values: metricValues(previous, query, exactSums),
                  },
                }
              : {}),
            ...(window !== null && group.period !== null && span !== null
              ? {
                  windowPeriods: Math.max(
                    0,
                    Math.min(group.period, span.last) -
                      Math.max(group.period - window + 1, span.first) +
                      1,
                  ),
                }
              : {}),
          };
        }),
      };
    }
    throw new ClickHouseUnavailableError(
      `the rows of '${name}' kept changing during the query (${QUANTILE_ATTEMPTS} tries)`,
    );
  }

  /**
   * Counts and measures row sets (100 per statement), then selects their quantiles; null when a
   * set's rows changed between the two. Sets without rows come back as null.
   */
  private async measureRowSets(
    table: string,
    query: DatasetQuery,
    sets: readonly (readonly string[])[],
    qs: readonly number[],
    visible: readonly string[],
  ): Promise<(CountedGroup | null)[] | null> {
    const measured: (CountedGroup | null)[] = sets.map(() => null);
    for (let start = 0; start < sets.length; start += QUANTILE_GROUPS_PER_STATEMENT) {
      const chunk = sets.slice(start, start + QUANTILE_GROUPS_PER_STATEMENT);
      const rows = await this.withSchema(() =>
        this.gateway.rows<AnalysisRow & { g_set: number | string }>(
          rowSetsSql(table, query, chunk, visible),
          ANALYSIS_SETTINGS,
        ),
      );
      for (const row of rows) {
        measured[start + Number(row.g_set)] = {
          country: null,
          period: null,
          rows: Number(row.n),
          row,
          orderStatistics: [],
        };
      }
    }
    if (qs.length > 0) {
      const counted = measured.flatMap((group, index) =>
        group === null ? [] : [{ conditions: sets[index], group }],
      );
      if (!(await this.selectOrderStatistics(table, counted, qs, visible))) {
        return null;
      }
    }
    return measured;
  }

  /**
   * `measureRowSets` for rolling windows of whole periods: their metrics from one `windowSql` scan
   * (each row read once instead of once per window), then their quantiles as `measureRowSets`
   * selects them. Null when a window's rows changed between the two.
   */
  private async measureWindows(
    table: string,
    query: DatasetQuery,
    window: number,
    shown: readonly CountedGroup[],
    plan: ExtensionPlan,
    qs: readonly number[],
    visible: readonly string[],
  ): Promise<(CountedGroup | null)[] | null> {
    const [rows, bucketRows] = await this.withSchema(() =>
      Promise.all([
        this.gateway.rows<AnalysisRow>(windowSql(table, query, window, visible), ANALYSIS_SETTINGS),
        qs.length > 0
          ? this.gateway.rows<BucketCountsRow>(
              bucketCountsSql(table, query, visible),
              ANALYSIS_SETTINGS,
            )
          : Promise.resolve([]),
      ]),
    );
    const byGroup = new Map<string, AnalysisRow>();
    for (const row of rows) {
      byGroup.set(groupKey(row.g_country ?? null, Number(row.g_period)), row);
    }
    const measured: (CountedGroup | null)[] = plan.sets.map(() => null);
    const windows: { group: CountedGroup; country: string | null; period: number }[] = [];
    shown.forEach((group, i) => {
      const set = plan.current[i];
      const row = byGroup.get(groupKey(group.country, group.period));
      if (set !== null && row !== undefined && group.period !== null) {
        const counted: CountedGroup = {
          country: null,
          period: null,
          rows: Number(row.n),
          row,
          orderStatistics: [],
        };
        measured[set] = counted;
        windows.push({ group: counted, country: group.country, period: group.period });
      }
    });
    if (qs.length === 0) {
      return measured;
    }
    const buckets = bucketCountsOf(bucketRows);
    const selections: (WindowSelection & { readonly counts: number[] })[] = [];
    for (const { group, country, period } of windows) {
      const selection = locateOrderStatistics(buckets, country, period, window, group.rows, qs);
      if (selection === null) {
        return null;
      }
      selections.push(selection);
    }
    const perStatement = windowsPerStatement(2 * qs.length);
    for (let start = 0; start < selections.length; start += perStatement) {
      const chunk = selections.slice(start, start + perStatement);
      const answers = await this.withSchema(() =>
        this.gateway.rows<WindowStatisticsRow>(
          windowOrderStatisticsSql(table, query, window, chunk, visible),
          ANALYSIS_SETTINGS,
        ),
      );
      const byWindow = new Map(
        answers.map((answer) => [
          groupKey(answer.g_country ?? null, Number(answer.g_period)),
          answer,
        ]),
      );
      for (let i = 0; i < chunk.length; i++) {
        const answer = byWindow.get(groupKey(chunk[i].country, chunk[i].period));
        if (answer === undefined || answer.ns.some((n, j) => Number(n) !== chunk[i].counts[j])) {
          return null;
        }
        windows[start + i].group.orderStatistics = answer.qs.map(Number);
      }
    }
    return measured;
  }

  /** Fills each set's order statistics; false when a set's rows changed since counting. */
  private async selectOrderStatistics(
    table: string,
    sets: readonly { readonly conditions: readonly string[]; readonly group: CountedGroup }[],
    qs: readonly number[],
    visible: readonly string[],
  ): Promise<boolean> {
    for (let start = 0; start < sets.length; start += QUANTILE_GROUPS_PER_STATEMENT) {
      const chunk = sets.slice(start, start + QUANTILE_GROUPS_PER_STATEMENT);
      const rows = await this.withSchema(() =>
        this.gateway.rows<QuantileRow>(
          quantileSetsSql(
            table,
            chunk.map(({ conditions, group }) => ({ conditions, rows: group.rows })),
            qs,
            visible,
          ),
        ),
      );
      for (const row of rows) {
        const { group } = chunk[Number(row.g)];
        if (Number(row.n) !== group.rows) {
          return false;
        }
        group.orderStatistics = row.qs.map(Number);
      }
    }
    return true;
  }

  /** The condition every read of a cluster dataset carries (`committedRowsCondition`). */
  visibleRows(dataset: DatasetConfig): string[] {
    return dataset.cluster
      ? [committedRowsCondition(this.gateway.config.database, dataset.name)]
      : [];
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
    const [extents, imports, [latestVersion]] = await Promise.all([
      this.gateway.rows<CountryExtent>(
        // Day numbers, not date text: 18.16 prints 1970-01-01 as 0000-00-00.
        'SELECT toString(country) AS country, count() AS rows, toUInt32(min(date)) AS first, ' +
          'toUInt32(max(date)) AS last, groupUniqArray(toYear(date)) AS years ' +
          `FROM ${tableRef(database, dataset.table)} ` +
          `${whereOf(this.visibleRows(dataset))}GROUP BY country ORDER BY country`,
      ),
      this.gateway.rows<LatestImport>(
        'SELECT sha256, source, toUnixTimestamp(imported_at) AS imported_at, rejected_rows ' +
          `FROM ${tableRef(database, 'imports')} WHERE dataset = ${stringLiteral(dataset.name)} ` +
          'ORDER BY imported_at DESC, sha256',
      ),
      this.gateway.rows<{ version: string; rows: string | number }>(
        `SELECT version, rows FROM ${tableRef(database, 'versions')} ` +
          `WHERE dataset = ${stringLiteral(dataset.name)} AND state = 'committed' ` +
          'ORDER BY sequence DESC LIMIT 1',
      ),
    ]);
    const years = new Set(extents.flatMap(({ years: list }) => list.map(Number)));
    const firsts = extents.map(({ first }) => Number(first));
    const lasts = extents.map(({ last }) => Number(last));
    const latest = imports.at(0);
    const rows = extents.reduce((total, { rows: countryRows }) => total + Number(countryRows), 0);
    const countries = extents.map(({ country, rows: n }) => ({ code: country, rows: Number(n) }));
    const dateRange =
      extents.length > 0
        ? { from: formatIsoDate(Math.min(...firsts)), to: formatIsoDate(Math.max(...lasts)) }
        : null;
    // The latest recorded upload or reload while the table holds what it recorded; otherwise
    // (only imports so far, or rows written by other means since) every import, the latest
    // recorded version and the table's extent.
    const version =
      latestVersion !== undefined && Number(latestVersion.rows) === rows
        ? latestVersion.version
        : versionId([
            imports.map(({ sha256, imported_at }) => [sha256, Number(imported_at)]),
            ...(latestVersion === undefined ? [] : [latestVersion.version]),
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
        `FROM ${tableRef(this.gateway.config.database, dataset.table)} ` +
        whereOf(this.visibleRows(dataset)),
    );
    const arithmetic: Arithmetic = Number(row?.inexact ?? 0) === 0 ? 'exact-decimal' : 'float';
    this.arithmetics.set(dataset.name, { version, arithmetic });
    return arithmetic;
  }
}

function whereOf(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')} ` : '';
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

/** Groups ordered as the in-memory engine orders them: by country with OTHER last, then period. */
function orderGroups(groups: CountedGroup[]): CountedGroup[] {
  const rank = (group: CountedGroup): number => (group.country === OTHER_COUNTRY ? 1 : 0);
  // The SQL sorts by country and period; only OTHER moves, keeping its periods' order.
  return [...groups].sort((a, b) => rank(a) - rank(b));
}

/** One row of `bucketCountsSql`. */
interface BucketCountsRow {
  readonly g_country?: string;
  readonly p_period: number | string;
  readonly buckets: readonly (number | string)[];
  readonly counts: readonly (number | string)[];
}

/** One row of `windowOrderStatisticsSql`. */
interface WindowStatisticsRow {
  readonly g_country?: string;
  readonly g_period: number | string;
  readonly qs: readonly number[];
  readonly ns: readonly (number | string)[];
}

/** Rows per value bucket, per group and period (`groupKey`); a bucket repeats once per shard. */
function bucketCountsOf(rows: readonly BucketCountsRow[]): Map<string, Map<number, number>> {
  const counts = new Map<string, Map<number, number>>();
  for (const row of rows) {
    const key = groupKey(row.g_country ?? null, Number(row.p_period));
    const perBucket = counts.get(key) ?? new Map<number, number>();
    counts.set(key, perBucket);
    row.buckets.forEach((bucket, i) => {
      perBucket.set(Number(bucket), (perBucket.get(Number(bucket)) ?? 0) + Number(row.counts[i]));
    });
  }
  return counts;
}

/**
 * Where the order statistics a window's quantiles interpolate between lie: adding up the bucket
 * counts of the window's periods, the bucket holding each (0-based) index and its rank there,
 * with that bucket's row count. Null when the counts do not add up to the window's rows (the rows
 * changed in between).
 */
function locateOrderStatistics(
  buckets: ReadonlyMap<string, ReadonlyMap<number, number>>,
  country: string | null,
  period: number,
  window: number,
  rows: number,
  qs: readonly number[],
): (WindowSelection & { readonly counts: number[] }) | null {
  const merged = new Map<number, number>();
  for (let offset = 0; offset < window; offset++) {
    for (const [bucket, count] of buckets.get(groupKey(country, period - offset)) ?? []) {
      merged.set(bucket, (merged.get(bucket) ?? 0) + count);
    }
  }
  const ordered = [...merged].sort(([a], [b]) => a - b);
  if (ordered.reduce((total, [, count]) => total + count, 0) !== rows) {
    return null;
  }
  const located = { buckets: [] as number[], ranks: [] as number[], counts: [] as number[] };
  for (const index of quantileIndices(rows, qs)) {
    let below = 0;
    let i = 0;
    while (below + ordered[i][1] <= index) {
      below += ordered[i][1];
      i++;
    }
    located.buckets.push(ordered[i][0]);
    located.ranks.push(index - below);
    located.counts.push(ordered[i][1]);
  }
  return { country, period, ...located };
}

function groupKey(country: string | null, period: number | null): string {
  return `${country ?? ''}:${period ?? ''}`;
}

/** Which row set (index into `sets`) measures each shown group's values and its comparison. */
interface ExtensionPlan {
  readonly sets: (readonly string[])[];
  /**
   * True when every window covers whole periods (no date filter cuts a shown group's own period
   * short), so `windowSql` can measure them from per-period partials.
   */
  wholePeriods: boolean;
  /** Per shown group: its window or running-total set, or null to keep its own values. */
  readonly current: (number | null)[];
  /** Per shown group: its comparison set, or null without `compare`. */
  readonly previous: (number | null)[];
}

/**
 * The row sets of windows, running totals and comparisons, with the in-memory engine's day
 * intervals (`src/engine/columnar/period-intervals.ts`): a window reaches back past the date
 * filters to its first period and up to the group's last filtered day; a running total covers
 * the filtered days up to the end of the group's period; a comparison covers `comparisonIntervals`.
 */
function extensionPlan(
  query: DatasetQuery,
  shown: readonly CountedGroup[],
  window: number | null,
  cumulative: boolean,
  compare: CompareMode | null,
): ExtensionPlan {
  const fiscalYearStart = query.fiscalYearStart ?? 1;
  const unit = query.period;
  const filter = filterIntervals(
    query.years === null ? null : new Set(query.years),
    query.fromDay ?? Number.NEGATIVE_INFINITY,
    query.toDay ?? Number.POSITIVE_INFINITY,
    fiscalYearStart,
  );
  const plan: ExtensionPlan = { sets: [], wholePeriods: true, current: [], previous: [] };
  const intervals: number[] = [];
  for (const group of shown) {
    const key = group.period;
    let current: number | null = null;
    if (unit !== null && key !== null && (window !== null || cumulative)) {
      const own = periodDays(key, unit, fiscalYearStart);
      if (window !== null) {
        const last = filteredSpan(filter, own)[1];
        plan.wholePeriods &&= last === own.last;
        intervals.length = 0;
        intervals.push(periodDays(key - window + 1, unit, fiscalYearStart).first, last);
      } else {
        clipIntervals(filter, Number.NEGATIVE_INFINITY, own.last, intervals);
      }
      current = plan.sets.push(rowSetConditions(query, group.country, intervals)) - 1;
    }
    plan.current.push(current);
    let previous: number | null = null;
    if (compare !== null) {
      comparisonIntervals(compare, filter, unit, key, fiscalYearStart, intervals);
      previous = plan.sets.push(rowSetConditions(query, group.country, intervals)) - 1;
    }
    plan.previous.push(previous);
  }
  return plan;
}

/** First and last period keys of the dataset's date span, for `windowPeriods`. */
function windowSpan(
  summary: DatasetSummary,
  unit: PeriodUnit | null,
  fiscalYearStart: number,
): { first: number; last: number } | null {
  const from = summary.dateRange ? parseIsoDate(summary.dateRange.from) : null;
  const to = summary.dateRange ? parseIsoDate(summary.dateRange.to) : null;
  if (unit === null || from === null || to === null) {
    return null;
  }
  return {
    first: periodOfDay(from, unit, fiscalYearStart),
    last: periodOfDay(to, unit, fiscalYearStart),
  };
}
