// @ts-check
import { formatShare, formatTick, formatValue, keyLabel, metricLabel } from './format.js';
import { SHARED_METRICS, groupKeysOf } from './table-view.js';

/** @typedef {import('./table-view.js').AnalysisResult} AnalysisResult */
/** @typedef {import('uplot')} UPlot */
/** @typedef {import('uplot').Options} UPlotOptions */
/** @typedef {'circle' | 'square' | 'triangle' | 'diamond' | 'triangleDown' | 'none'} PointShape */
/**
 * @typedef {object} Series one series of a chart, as the plan describes it
 * @property {string} label
 * @property {Array<number | null>} data
 * @property {string | string[]} backgroundColor one colour, or one per bar
 * @property {string | string[]} borderColor
 * @property {PointShape} [pointStyle]
 * @property {number[]} [borderDash]
 * @property {number} [borderWidth]
 */

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
 * @property {PointShape} pointStyle
 * @property {number[]} borderDash
 */
/** Point shapes and, past the palette, dashes tell lines apart without colour. */
const POINT_STYLES = /** @type {const} */ ([
  'circle',
  'square',
  'triangle',
  'diamond',
  'triangleDown',
]);
const DASHES = [[], [6, 4], [2, 3]];
/** The countries folded together by `top`: grey and dashed, apart from every real country. */
const OTHER_COUNTRY = 'OTHER';
/** @type {SeriesStyle} */
const OTHER_STYLE = {
  backgroundColor: '#8C8C8C',
  borderColor: '#8C8C8C',
  pointStyle: 'none',
  borderDash: [4, 3],
};
/** Previous values (with `compare`) are drawn in the same colour, this much see-through. */
const PREVIOUS_ALPHA = '66';

/** Up to this many periods, periods are grouped bars; more read better as lines. */
const MAX_PERIODS_AS_BARS = 4;

/** @returns {typeof import('uplot')} the IIFE build's global */
function chartLibrary() {
  return /** @type {{ uPlot: typeof import('uplot') }} */ (/** @type {unknown} */ (globalThis))
    .uPlot;
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
 * @property {string} slotName what each label is (a country, a quarter…), for the hover values
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
    slotName: period ? keyLabel(period) : 'Share',
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
      slotName: keyLabel('country'),
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
        pointStyle: 'square',
      });
    }
    return {
      metric,
      type: asBars ? 'bar' : 'line',
      labels: periods,
      slotName: keyLabel(period),
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
    slotName: keyLabel(period),
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

/** The bars of one slot (a country, a period) fill this much of it; the rest parts the slots. */
const SLOT_FILL = 0.8;
/** Each bar fills this much of its place within the slot; the rest parts neighbouring bars. */
const BAR_FILL = 0.9;
/** The legend marker of a series whose bars each have their own colour. */
const MIXED_COLOR = '#4b5563';
const AXIS_COLOR = '#374151';
const GRID_COLOR = '#e5e7eb';
/** Plot heights in rem, so that a chart grows with the text (200% zoom). */
const PLOT_HEIGHT_REM = 20;
const SMALL_PLOT_HEIGHT_REM = 13;

/** Measured around each drawing of the charts, for the page's benchmark. */
export const CHART_DRAW_MEASURE = 'explore:chart-draw';

/**
 * @typedef {object} DrawnChart what a chart shows, read back from the chart itself
 * @property {string} metric
 * @property {'bar' | 'line'} type
 * @property {boolean} stacked
 * @property {string[]} labels
 * @property {Array<{ label: string, data: Array<number | null>, color: string | string[] }>} datasets
 */

/**
 * Adds one point marker to a path; the shapes tell lines apart where colours do not.
 * @param {Path2D} path
 * @param {PointShape} shape
 * @param {number} x
 * @param {number} y
 * @param {number} r
 */
function addPointShape(path, shape, x, y, r) {
  switch (shape) {
    case 'square':
      path.rect(x - 0.9 * r, y - 0.9 * r, 1.8 * r, 1.8 * r);
      return;
    case 'triangle':
    case 'triangleDown': {
      const tip = shape === 'triangle' ? -1 : 1;
      path.moveTo(x, y + tip * 1.2 * r);
      path.lineTo(x + 1.1 * r, y - tip * 0.8 * r);
      path.lineTo(x - 1.1 * r, y - tip * 0.8 * r);
      path.closePath();
      return;
    }
    case 'diamond':
      path.moveTo(x, y - 1.3 * r);
      path.lineTo(x + 1.3 * r, y);
      path.lineTo(x, y + 1.3 * r);
      path.lineTo(x - 1.3 * r, y);
      path.closePath();
      return;
    default:
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
  }
}

/**
 * Point markers of one shape for a line series.
 * @param {PointShape} shape
 * @param {number} radius in CSS pixels
 * @returns {import('uplot').Series.Points.PathBuilder}
 */
function pointShapes(shape, radius) {
  return (u, seriesIndex, first, last, filtered) => {
    const path = new Path2D();
    const r = radius * devicePixelRatio;
    const xs = u.data[0];
    const ys = u.data[seriesIndex];
    const draw = (/** @type {number} */ index) => {
      const value = ys[index];
      if (value !== null && value !== undefined) {
        addPointShape(
          path,
          shape,
          u.valToPos(xs[index], 'x', true),
          u.valToPos(value, 'y', true),
          r,
        );
      }
    };
    if (filtered) {
      filtered.forEach(draw);
    } else {
      for (let index = first; index <= last; index += 1) {
        draw(index);
      }
    }
    return { fill: path, stroke: path };
  };
}

/**
 * Bars for the n-th series: side by side with the other series in each slot (grouped bars), or,
 * for shares, stacked on the series before it. A series with one colour per bar paints each in it.
 * @param {ChartPlan} plan
 * @param {number} index
 * @returns {import('uplot').Series.PathBuilder}
 */
function barPaths(plan, index) {
  const places = plan.stacked ? 1 : plan.datasets.length;
  const place = SLOT_FILL / places;
  const offset = -SLOT_FILL / 2 + (plan.stacked ? 0 : index * place) + (place * (1 - BAR_FILL)) / 2;
  const { backgroundColor, borderColor, borderWidth } = plan.datasets[index];
  /** @type {import('uplot').Series.BarsPathBuilderDisplay} */
  const disp = {
    x0: { unit: 1, values: (u) => Array.from(u.data[0], (x) => x + offset) },
    size: { unit: 1, values: () => [place * BAR_FILL] },
  };
  if (Array.isArray(backgroundColor)) {
    disp.fill = { unit: 3, values: () => backgroundColor };
    if (borderWidth && Array.isArray(borderColor)) {
      disp.stroke = { unit: 3, values: () => borderColor };
    }
  }
  if (plan.stacked) {
    /** @param {import('uplot')} u @param {number} upTo the first series not counted */
    const sumsBelow = (u, upTo) =>
      Array.from(u.data[0], (_, slot) =>
        u.data.slice(1, upTo + 1).reduce((sum, series) => sum + (series[slot] ?? 0), 0),
      );
    disp.y0 = { unit: 1, values: (u, seriesIndex) => sumsBelow(u, seriesIndex - 1) };
    disp.y1 = { unit: 1, values: (u, seriesIndex) => sumsBelow(u, seriesIndex) };
  }
  const { bars } = chartLibrary().paths;
  if (!bars) {
    throw new Error('This uPlot build draws no bars');
  }
  return bars({ disp });
}

/**
 * How a chart writes its values: shares as percentages, everything else in the metric's format.
 * @param {ChartPlan} plan
 */
function valueFormat(plan) {
  return (/** @type {number | null} */ value) =>
    plan.stacked ? formatShare(value) : formatValue(value, plan.metric);
}

/** @param {string | string[]} color @returns {string} one colour for the legend */
function legendColor(color) {
  return typeof color === 'string' ? color : MIXED_COLOR;
}

/**
 * The chart's uPlot options: category labels on x (one slot per label), the plan's series drawn
 * as lines with shaped points or as bars, values in the page's own formats.
 * @param {ChartPlan} plan
 * @param {boolean} small
 * @param {{ width: number, height: number, font: string }} size
 * @param {() => void} onDrawn
 * @returns {UPlotOptions}
 */
function chartOptions(plan, small, size, onDrawn) {
  const uPlot = chartLibrary();
  const bars = plan.type === 'bar';
  const slots = plan.labels.length;
  const format = valueFormat(plan);
  const longestLabel = Math.max(1, ...plan.labels.map((label) => label.length));
  return {
    width: size.width,
    height: size.height,
    // The legend shows the values of the slot under the pointer (or picked with the arrow keys),
    // and nothing while no slot is picked.
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false, setScale: false }, points: { show: !bars } },
    scales: {
      x: {
        time: false,
        range: () => (bars ? [-0.5, slots - 0.5] : [0, Math.max(slots - 1, 1)]),
      },
      y: {
        range: (_u, min, max) =>
          plan.stacked
            ? [0, 1]
            : bars
              ? uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true)
              : uPlot.rangeNum(min, max, 0.1, true),
      },
    },
    axes: [
      {
        stroke: AXIS_COLOR,
        font: size.font,
        grid: { show: false },
        ticks: { stroke: GRID_COLOR },
        // Whole steps only: every tick is a label's slot.
        incrs: [1, 2, 3, 4, 6, 12, 24, 52, 104],
        space: longestLabel * 9 + 16,
        values: (_u, splits) => splits.map((slot) => plan.labels[slot] ?? ''),
      },
      {
        stroke: AXIS_COLOR,
        font: size.font,
        size: 64,
        grid: { stroke: GRID_COLOR, width: 1 },
        ticks: { show: false },
        values: (_u, splits) =>
          splits.map((tick) => (plan.stacked ? formatShare(tick) : formatTick(tick))),
      },
    ],
    series: [
      { label: plan.slotName, value: (_u, slot) => plan.labels[slot] ?? '' },
      ...plan.datasets.map((dataset, index) => {
        const stroke = legendColor(dataset.borderColor);
        const fill = legendColor(dataset.backgroundColor);
        /** @type {import('uplot').Series} */
        const series = {
          label: dataset.label,
          stroke,
          value: (_u, value, _series, slot) => (slot === null ? '' : format(value)),
        };
        if (bars) {
          return {
            ...series,
            fill,
            width: dataset.borderWidth ?? 0,
            paths: barPaths(plan, index),
            points: { show: false },
          };
        }
        const shape = dataset.pointStyle ?? 'circle';
        return {
          ...series,
          width: 2,
          dash: dataset.borderDash,
          points:
            shape === 'none'
              ? { show: false }
              : {
                  size: small ? 5 : 7,
                  width: 1,
                  fill,
                  stroke,
                  paths: pointShapes(shape, small ? 2.5 : 3.5),
                },
        };
      }),
    ],
    hooks: { draw: [onDrawn] },
  };
}

/** Keys that pick a chart's slot, for people who read the values without a pointer. */
const SLOT_KEYS = ['ArrowLeft', 'ArrowRight', 'Home', 'End'];

/**
 * The slot a key picks, from the one picked now (null: none yet).
 * @param {string} key
 * @param {number | null} current
 * @param {number} slots
 */
function slotAfterKey(key, current, slots) {
  const last = slots - 1;
  switch (key) {
    case 'Home':
      return 0;
    case 'End':
      return last;
    case 'ArrowRight':
      return current === null ? 0 : Math.min(current + 1, last);
    default:
      return current === null ? last : Math.max(current - 1, 0);
  }
}

/**
 * What the legend shows for a slot, as one sentence for screen readers.
 * @param {ChartPlan} plan
 * @param {number} slot
 */
function slotReadout(plan, slot) {
  const format = valueFormat(plan);
  const values = plan.datasets.map(({ label, data }) => `${label} ${format(data[slot] ?? null)}`);
  return `${plan.slotName} ${plan.labels[slot] ?? ''}: ${values.join(', ')}`;
}

/**
 * Lets the arrow keys, Home and End walk a focused chart's slots: the cursor and the live legend
 * follow, and a polite live region reads the values out.
 * @param {UPlot} chart
 * @param {ChartPlan} plan
 * @param {HTMLElement} box
 * @param {HTMLElement} readout
 */
function walkWithKeys(chart, plan, box, readout) {
  box.addEventListener('keydown', (event) => {
    if (!SLOT_KEYS.includes(event.key) || plan.labels.length === 0) {
      return;
    }
    event.preventDefault();
    const current = chart.cursor.idx ?? null;
    const slot = slotAfterKey(event.key, current, plan.labels.length);
    chart.setCursor({ left: chart.valToPos(slot, 'x'), top: chart.over.clientHeight / 2 });
    readout.textContent = slotReadout(plan, slot);
  });
  box.addEventListener('blur', () => {
    chart.setCursor({ left: -10, top: -10 });
    readout.textContent = '';
  });
}

/** @type {Array<{ chart: UPlot, plan: ChartPlan, resizing: ResizeObserver }>} */
let drawn = [];

/** Removes every chart. @param {HTMLElement} container */
export function clearCharts(container) {
  for (const { chart, resizing } of drawn) {
    resizing.disconnect();
    chart.destroy();
  }
  drawn = [];
  container.replaceChildren();
}

/** What each chart on the page shows, read back from the charts. @returns {DrawnChart[]} */
export function drawnCharts() {
  return drawn.map(({ chart, plan }) => ({
    metric: plan.metric,
    type: plan.type,
    stacked: plan.stacked,
    labels: [...plan.labels],
    datasets: chart.series.slice(1).map((series, index) => ({
      label: typeof series.label === 'string' ? series.label : '',
      data: [...chart.data[index + 1]].map((value) => value ?? null),
      color: plan.datasets[index].borderColor,
    })),
  }));
}

/**
 * One chart per metric (small multiples when there are several), each a figure with a caption
 * and a plot described for screen readers, which the table beside it serves in full. Resolves
 * once every chart is painted.
 * @param {HTMLElement} container
 * @param {AnalysisResult} result
 * @param {string[]} countryOrder
 * @returns {Promise<void>}
 */
export function renderCharts(container, result, countryOrder) {
  const start = performance.now();
  clearCharts(container);
  const uPlot = chartLibrary();
  const metrics = result.query.metrics;
  const small = metrics.length > 1;
  container.classList.toggle('charts-multiple', small);
  const boxes = metrics.map((metric) => {
    const plan = chartPlan(result, metric, countryOrder);
    const figure = document.createElement('figure');
    figure.className = 'chart-card';
    const caption = document.createElement('figcaption');
    caption.textContent = metricLabel(metric);
    const box = document.createElement('div');
    box.className = 'chart-box';
    box.dataset.metric = metric;
    box.setAttribute('role', 'img');
    box.setAttribute(
      'aria-label',
      `${plan.description}. The arrow keys read the values; the table below lists them all.`,
    );
    box.tabIndex = 0;
    const readout = document.createElement('p');
    readout.className = 'visually-hidden chart-readout';
    readout.setAttribute('aria-live', 'polite');
    figure.append(caption, box, readout);
    return { plan, box, figure, readout };
  });
  container.append(...boxes.map(({ figure }) => figure));
  // Read once, after every figure is in place: one layout for all charts.
  const style = getComputedStyle(container);
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const height = Math.round((small ? SMALL_PLOT_HEIGHT_REM : PLOT_HEIGHT_REM) * rem);
  const font = `${style.fontSize} ${style.fontFamily}`;
  const widths = boxes.map(({ box }) => box.clientWidth);
  const painted = boxes.map(({ plan, box, readout }, index) => {
    return new Promise((resolve) => {
      const options = chartOptions(plan, small, { width: widths[index], height, font }, () =>
        resolve(undefined),
      );
      const data = /** @type {import('uplot').AlignedData} */ ([
        plan.labels.map((_, slot) => slot),
        ...plan.datasets.map(({ data }) => data),
      ]);
      const chart = new uPlot(options, data, box);
      walkWithKeys(chart, plan, box, readout);
      let width = widths[index];
      const resizing = new ResizeObserver(() => {
        if (box.clientWidth !== width) {
          width = box.clientWidth;
          chart.setSize({ width, height });
        }
      });
      resizing.observe(box);
      drawn.push({ chart, plan, resizing });
    });
  });
  return Promise.all(painted).then(() => {
    performance.measure(CHART_DRAW_MEASURE, { start });
  });
}
