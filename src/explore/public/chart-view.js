// @ts-check
import { formatShare, formatTick, formatValue, keyLabel, metricLabel } from './format.js';
import { SHARED_METRICS, groupKeysOf } from './table-view.js';

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
/**
 * @typedef {object} SeriesStyle the look of one series
 * @property {string} backgroundColor
 * @property {string} borderColor
 * @property {import('chart.js').PointStyle} pointStyle
 * @property {number[]} borderDash
 */
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
/** The countries folded together by `top`: grey and dashed, apart from every real country. */
const OTHER_COUNTRY = 'OTHER';
/** @type {SeriesStyle} */
const OTHER_STYLE = {
  backgroundColor: '#8C8C8C',
  borderColor: '#8C8C8C',
  pointStyle: 'line',
  borderDash: [4, 3],
};
/** Previous values (with `compare`) are drawn in the same colour, this much see-through. */
const PREVIOUS_ALPHA = '66';

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
 * @returns {SeriesStyle}
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
 * @typedef {object} ChartPlan what to draw for one metric
 * @property {string} metric
 * @property {'bar' | 'line'} type
 * @property {string[]} labels
 * @property {Series[]} datasets
 * @property {boolean} stacked shares: one bar per period, split by country
 * @property {string} description
 */

/**
 * The value of a field of a row, when it is a number.
 * @param {string} field
 */
function numberIn(field) {
  return (/** @type {Record<string, unknown>} */ row) =>
    typeof row[field] === 'number' ? /** @type {number} */ (row[field]) : null;
}

/**
 * Shares of the total as stacked bars: one bar per period (one bar in all without a period), each
 * split by country, so that the parts of a bar add up to 100%.
 * @param {AnalysisResult} result
 * @param {string} metric
 * @param {string | undefined} period
 * @param {(country: string) => SeriesStyle} styleOf
 * @returns {ChartPlan}
 */
function sharePlan(result, metric, period, styleOf) {
  const rows = result.results;
  const share = numberIn(`${metric}_share`);
  const labels = period ? unique(rows.map((row) => String(row[period]))).sort() : ['All'];
  const countries = unique(rows.map((row) => String(row.country)));
  /** @type {Map<string, number | null>} */
  const byCell = new Map(
    rows.map((row) => [
      `${String(row.country)}|${period ? String(row[period]) : 'All'}`,
      share(row),
    ]),
  );
  const name = metricLabel(metric).toLowerCase();
  return {
    metric,
    type: 'bar',
    labels,
    datasets: countries.map((country) => {
      const { backgroundColor, borderColor } = styleOf(country);
      return {
        label: country,
        data: labels.map((label) => byCell.get(`${country}|${label}`) ?? null),
        backgroundColor,
        borderColor,
      };
    }),
    stacked: true,
    description: period
      ? `Stacked bar chart of each country's share of the ${name} per ${keyLabel(period).toLowerCase()}`
      : `Stacked bar of each country's share of the ${name}`,
  };
}

/**
 * What to draw for one metric, chosen by the grouping: bars per country, a line (or bars, for a
 * few periods) over periods, a line per country over periods, or grouped bars per period. Shares
 * are stacked bars; previous values (with `compare`) sit beside the current ones where the chart
 * has one series, and in the table always.
 * @param {AnalysisResult} result
 * @param {string} metric
 * @param {string[]} countryOrder every country of the dataset, so each keeps its colour
 * @returns {ChartPlan}
 */
export function chartPlan(result, metric, countryOrder) {
  const keys = groupKeysOf(result);
  const rows = result.results;
  const period = keys.find((key) => key !== 'country');
  const value = numberIn(metric);
  const previous = numberIn(`${metric}_previous`);
  const compared = result.query.compare !== undefined;
  const styleOf = (/** @type {string} */ country) =>
    country === OTHER_COUNTRY
      ? OTHER_STYLE
      : seriesStyle(Math.max(countryOrder.indexOf(country), 0));
  const name = metricLabel(metric);
  const previousName = `${name} (previous)`;

  if (result.query.share && SHARED_METRICS.includes(metric) && keys.includes('country')) {
    return sharePlan(result, metric, period, styleOf);
  }
  if (!period) {
    const countries = rows.map((row) => String(row.country));
    const styles = countries.map(styleOf);
    /** @type {Series[]} */
    const datasets = [
      {
        label: name,
        data: rows.map(value),
        backgroundColor: styles.map((style) => style.backgroundColor),
        borderColor: styles.map((style) => style.borderColor),
      },
    ];
    if (compared) {
      datasets.push({
        label: previousName,
        data: rows.map(previous),
        backgroundColor: styles.map((style) => `${style.backgroundColor}${PREVIOUS_ALPHA}`),
        borderColor: styles.map((style) => style.borderColor),
        borderWidth: 1,
      });
    }
    return {
      metric,
      type: 'bar',
      labels: countries,
      datasets,
      stacked: false,
      description: `Bar chart of ${name.toLowerCase()} per country${compared ? ', beside its previous value' : ''}`,
    };
  }

  const periods = unique(rows.map((row) => String(row[period]))).sort();
  const periodName = keyLabel(period).toLowerCase();
  const asBars = periods.length <= MAX_PERIODS_AS_BARS;
  if (!keys.includes('country')) {
    /** @type {Series[]} */
    const datasets = [{ label: name, data: rows.map(value), ...seriesStyle(0) }];
    if (compared) {
      const { backgroundColor, borderColor } = seriesStyle(0);
      datasets.push({
        label: previousName,
        data: rows.map(previous),
        backgroundColor: `${backgroundColor}${PREVIOUS_ALPHA}`,
        borderColor,
        borderDash: [6, 4],
        pointStyle: 'rect',
      });
    }
    return {
      metric,
      type: asBars ? 'bar' : 'line',
      labels: periods,
      datasets,
      stacked: false,
      description: `${asBars ? 'Bar' : 'Line'} chart of ${name.toLowerCase()} per ${periodName}${compared ? ', beside its previous value' : ''}`,
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
      ...styleOf(country),
    })),
    stacked: false,
    description: asBars
      ? `Grouped bar chart of ${name.toLowerCase()} per ${periodName}, one bar per country`
      : `Line chart of ${name.toLowerCase()} per ${periodName}, one line per country`,
  };
}

/**
 * @param {ChartPlan} plan
 * @param {boolean} small
 * @returns {ChartConfig}
 */
function chartConfig(plan, small) {
  const legend = plan.datasets.length > 1;
  const format = (/** @type {number | null} */ value) =>
    plan.stacked ? formatShare(value) : formatValue(value, plan.metric);
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
              `${item.dataset.label ?? ''}: ${format(/** @type {number | null} */ (item.raw))}`,
          },
        },
      },
      scales: {
        x: {
          stacked: plan.stacked,
          grid: { display: false },
          ticks: { color: '#374151', maxRotation: 0, autoSkipPadding: 12 },
        },
        y: {
          stacked: plan.stacked,
          ...(plan.stacked ? { min: 0, max: 1 } : {}),
          beginAtZero: plan.type === 'bar',
          grid: { color: '#e5e7eb' },
          border: { display: false },
          ticks: {
            color: '#374151',
            callback: (tick) =>
              plan.stacked ? formatShare(Number(tick)) : formatTick(Number(tick)),
          },
        },
      },
    },
  };
}

/** Measured around each drawing of the charts, for the page's benchmark. */
export const CHART_DRAW_MEASURE = 'explore:chart-draw';

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
  const start = performance.now();
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
  performance.measure(CHART_DRAW_MEASURE, { start });
}
