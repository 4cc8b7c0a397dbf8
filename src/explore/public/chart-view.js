// @ts-check
import { formatTick, formatValue, keyLabel, metricLabel } from './format.js';
import { groupKeysOf } from './table-view.js';

/** @typedef {import('./table-view.js').AnalysisResult} AnalysisResult */
/** @typedef {import('chart.js').ChartConfiguration<'bar' | 'line'>} ChartConfig */
/** @typedef {import('chart.js').ChartDataset<'bar' | 'line', Array<number | null>>} Series */

/**
 * Okabe–Ito, the palette designed to stay distinct under every common colour-vision deficiency,
 * ordered so that the first colours contrast most with white; yellow comes last.
 */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#000000',
  '#F0E442',
];
/** Point shapes and, past the palette, dashes tell lines apart without colour. */
const POINT_STYLES = /** @type {const} */ ([
  'circle',
  'rect',
  'triangle',
  'rectRot',
  'star',
  'crossRot',
  'rectRounded',
  'cross',
]);
const DASHES = [[], [6, 4], [2, 3]];

/** Up to this many periods, periods are grouped bars; more read better as lines. */
const MAX_PERIODS_AS_BARS = 4;

/** @returns {typeof import('chart.js').Chart} the UMD build's global */
function chartLibrary() {
  return /** @type {{ Chart: typeof import('chart.js').Chart }} */ (
    /** @type {unknown} */ (globalThis)
  ).Chart;
}

/** @param {string[]} items */
function unique(items) {
  return [...new Set(items)];
}

/**
 * The look of the n-th series: colour, point shape, dash.
 * @param {number} index
 */
function seriesStyle(index) {
  const color = PALETTE[index % PALETTE.length];
  return {
    backgroundColor: color,
    borderColor: color,
    pointStyle: POINT_STYLES[index % POINT_STYLES.length],
    borderDash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length],
  };
}

/**
 * What to draw for one metric, chosen by the grouping: bars per country, a line (or bars, for a
 * few periods) over periods, a line per country over periods, or grouped bars per period.
 * @param {AnalysisResult} result
 * @param {string} metric
 * @param {string[]} countryOrder every country of the dataset, so each keeps its colour
 * @returns {{ metric: string, type: 'bar' | 'line', labels: string[], datasets: Series[], description: string }}
 */
export function chartPlan(result, metric, countryOrder) {
  const keys = groupKeysOf(result);
  const rows = result.results;
  const period = keys.find((key) => key !== 'country');
  const value = (/** @type {Record<string, unknown>} */ row) =>
    typeof row[metric] === 'number' ? /** @type {number} */ (row[metric]) : null;
  const colourOf = (/** @type {string} */ country) => Math.max(countryOrder.indexOf(country), 0);
  const name = metricLabel(metric);

  if (!period) {
    const countries = rows.map((row) => String(row.country));
    const styles = countries.map((country) => seriesStyle(colourOf(country)));
    return {
      metric,
      type: 'bar',
      labels: countries,
      datasets: [
        {
          label: name,
          data: rows.map(value),
          backgroundColor: styles.map((style) => style.backgroundColor),
          borderColor: styles.map((style) => style.borderColor),
        },
      ],
      description: `Bar chart of ${name.toLowerCase()} per country`,
    };
  }

  const periods = unique(rows.map((row) => String(row[period]))).sort();
  const periodName = keyLabel(period).toLowerCase();
  const asBars = periods.length <= MAX_PERIODS_AS_BARS;
  if (!keys.includes('country')) {
    return {
      metric,
      type: asBars ? 'bar' : 'line',
      labels: periods,
      datasets: [{ label: name, data: rows.map(value), ...seriesStyle(0) }],
      description: `${asBars ? 'Bar' : 'Line'} chart of ${name.toLowerCase()} per ${periodName}`,
    };
  }
  const countries = unique(rows.map((row) => String(row.country)));
  /** @type {Map<string, number | null>} */
  const byCell = new Map(
    rows.map((row) => [`${String(row.country)}|${String(row[period])}`, value(row)]),
  );
  return {
    metric,
    type: asBars ? 'bar' : 'line',
    labels: periods,
    datasets: countries.map((country) => ({
      label: country,
      data: periods.map((key) => byCell.get(`${country}|${key}`) ?? null),
      ...seriesStyle(colourOf(country)),
    })),
    description: asBars
      ? `Grouped bar chart of ${name.toLowerCase()} per ${periodName}, one bar per country`
      : `Line chart of ${name.toLowerCase()} per ${periodName}, one line per country`,
  };
}

/**
 * @param {ReturnType<typeof chartPlan>} plan
 * @param {boolean} small
 * @returns {ChartConfig}
 */
function chartConfig(plan, small) {
  const legend = plan.datasets.length > 1;
  return {
    type: plan.type,
    data: { labels: plan.labels, datasets: plan.datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      spanGaps: false,
      interaction: { mode: 'index', intersect: false },
      elements: {
        line: { borderWidth: 2, tension: 0 },
        point: { radius: small ? 2 : 3, hoverRadius: 5 },
        bar: { borderWidth: 0, borderRadius: 2 },
      },
      plugins: {
        legend: {
          display: legend,
          position: 'bottom',
          labels: {
            usePointStyle: true,
            boxWidth: 10,
            boxHeight: 10,
            padding: 14,
            color: '#1f2937',
          },
        },
        tooltip: {
          callbacks: {
            label: (item) =>
              `${item.dataset.label ?? ''}: ${formatValue(/** @type {number | null} */ (item.raw), plan.metric)}`,
          },
        },
      },
      scales: {
        x: {
          grid: { display: false },
          ticks: { color: '#374151', maxRotation: 0, autoSkipPadding: 12 },
        },
        y: {
          beginAtZero: plan.type === 'bar',
          grid: { color: '#e5e7eb' },
          border: { display: false },
          ticks: { color: '#374151', callback: (tick) => formatTick(Number(tick)) },
        },
      },
    },
  };
}

/** @type {import('chart.js').Chart[]} */
let drawn = [];

/** Removes every chart and its canvas. @param {HTMLElement} container */
export function clearCharts(container) {
  drawn.forEach((chart) => chart.destroy());
  drawn = [];
  container.replaceChildren();
}

/**
 * One chart per metric (small multiples when there are several), each a figure with a caption
 * and a canvas described for screen readers, which the table beside it serves in full.
 * @param {HTMLElement} container
 * @param {AnalysisResult} result
 * @param {string[]} countryOrder
 */
export function renderCharts(container, result, countryOrder) {
  clearCharts(container);
  const Chart = chartLibrary();
  // Charts speak in the page's own typeface.
  Chart.defaults.font.family = getComputedStyle(container).fontFamily;
  const metrics = result.query.metrics;
  const small = metrics.length > 1;
  container.classList.toggle('charts-multiple', small);
  for (const metric of metrics) {
    const plan = chartPlan(result, metric, countryOrder);
    const figure = document.createElement('figure');
    figure.className = 'chart-card';
    const caption = document.createElement('figcaption');
    caption.textContent = metricLabel(metric);
    const box = document.createElement('div');
    box.className = small ? 'chart-box chart-box-small' : 'chart-box';
    const canvas = document.createElement('canvas');
    canvas.dataset.metric = metric;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${plan.description}. The table below lists every value.`);
    box.append(canvas);
    figure.append(caption, box);
    container.append(figure);
    drawn.push(new Chart(canvas, chartConfig(plan, small)));
  }
}
