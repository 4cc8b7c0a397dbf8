import { QUERIES } from './queries.mjs';
import { nowMs, summarize } from './stats.mjs';

/** The service's v1 analysis path for one of the bench queries (see `queries.mjs`). */
export function analysisUrl({ spec, metrics }) {
  const params = new URLSearchParams({ metrics: metrics.join(',') });
  if (spec.countries) params.set('countries', spec.countries.join(','));
  if (spec.years) params.set('years', spec.years.join(','));
  if (spec.from) params.set('from', spec.from);
  if (spec.to) params.set('to', spec.to);
  const groupBy = [
    ...(spec.groupByCountry ? ['country'] : []),
    ...(spec.period ? [spec.period] : []),
  ];
  params.set('groupBy', groupBy.length > 0 ? groupBy.join(',') : 'none');
  // Analysis v2 (Q7-Q9).
  if (spec.window) params.set('window', String(spec.window));
  if (spec.cumulative) params.set('cumulative', 'true');
  if (spec.compare) params.set('compare', spec.compare);
  if (spec.top) {
    params.set('top', String(spec.top.n));
    params.set('rankBy', spec.top.rankBy);
  }
  return `/v1/datasets/sales/analysis?${params}`;
}

/**
 * Times `queries` (Q1–Q6 by default) one request at a time on `base`: `warmup` untimed requests,
 * then `runs` timed ones each. Returns per query id the timing summary and the last JSON body.
 */
export async function timeHttpQueries(
  base,
  pathOf,
  { runs, warmup, queries = QUERIES.slice(0, 6) },
) {
  const results = {};
  for (const query of queries) {
    const url = `${base}${pathOf(query)}`;
    let body;
    const samples = [];
    for (let i = 0; i < warmup + runs; i++) {
      const started = nowMs();
      const response = await fetch(url);
      body = await response.json();
      if (!response.ok) {
        throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
      }
      if (i >= warmup) samples.push(nowMs() - started);
    }
    results[query.id] = { timing: summarize(samples), body };
  }
  return results;
}
