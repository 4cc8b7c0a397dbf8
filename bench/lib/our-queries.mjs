/**
 * The benchmark queries (`queries.mjs`) as our engine runs them, given the engine's modules (from
 * a build or from sources), so every bench that times our table builds its queries alike.
 */

/** `modules`: `parseMetricName` (engine), `parseIsoDate` (calendar). */
export function toDatasetQuery(query, { parseMetricName, parseIsoDate }) {
  const { spec } = query;
  const day = (iso) => {
    if (iso === null) {
      return null;
    }
    const value = parseIsoDate(iso);
    if (value === null) {
      throw new Error(`bad date ${iso}`);
    }
    return value;
  };
  return {
    countries: spec.countries,
    years: spec.years,
    fromDay: day(spec.from),
    toDay: day(spec.to),
    groupByCountry: spec.groupByCountry,
    period: spec.period,
    ...(spec.window ? { window: spec.window } : {}),
    ...(spec.compare ? { compare: spec.compare } : {}),
    metrics: query.metrics.map((name) => {
      const metric = parseMetricName(name);
      if (metric === null) {
        throw new Error(`unknown metric ${name}`);
      }
      return metric;
    }),
  };
}

/**
 * The query as the service runs it: `top` first ranks the countries with one query, then folds
 * the others into OTHER in the second, as `AnalysisService` does. `modules` as for
 * `toDatasetQuery`, plus `topCountries` (analysis).
 */
export function queryRunner(table, query, modules) {
  const datasetQuery = toDatasetQuery(query, modules);
  const top = query.spec.top;
  if (!top) {
    return () => table.query(datasetQuery);
  }
  const rankBy = datasetQuery.metrics.find(({ name }) => name === top.rankBy);
  const ranking = { ...datasetQuery, period: null, metrics: [rankBy] };
  return () => {
    const ranked = table.query(ranking).groups;
    const keepCountries =
      ranked.length <= top.n
        ? null
        : modules.topCountries(
            ranked.map((group) => ({ country: group.country, value: group.values[0] })),
            top.n,
          );
    return table.query({ ...datasetQuery, keepCountries });
  };
}

/** An answer's groups in the shape DuckDB's rows reduce to (see `canonicalGroups`). */
export function answerGroups(result, query) {
  return result.groups.map((group) => ({
    country: group.country,
    period: group.period,
    rows: group.rows,
    values: [
      ...group.values,
      ...(query.spec.compare
        ? [group.previous?.rows ?? 0, ...(group.previous?.values ?? group.values.map(() => null))]
        : []),
    ],
  }));
}
