// @ts-check
import { clearCharts, renderCharts } from './chart-view.js';
import { formatValue, metricLabel } from './format.js';
import {
  BASE_METRICS,
  COMPARE_MODES,
  DEFAULT_STATE,
  GROUPS,
  PERIODS,
  analysisPath,
  pageSearch,
  percentileMetrics,
  sameState,
  stateFromSearch,
} from './query-state.js';
import { clearTable, renderTable } from './table-view.js';

/** @typedef {import('./query-state.js').ExploreState} ExploreState */
/** @typedef {import('./table-view.js').AnalysisResult} AnalysisResult */
/**
 * @typedef {object} DatasetSummary the body of GET /v1/datasets/{dataset}
 * @property {string} name
 * @property {number} rows
 * @property {Array<{ code: string, rows: number }>} countries
 * @property {{ from: string, to: string } | null} dateRange
 * @property {number[]} years
 * @property {string} loadedAt
 * @property {string} sha256
 * @property {string} [version]
 * @property {number} rejectedRows
 */
/**
 * @typedef {object} Problem an RFC 9457 body
 * @property {string} type
 * @property {number} status
 * @property {string} detail
 * @property {Array<{ parameter: string, message: string }>} [errors]
 */

/** Marked once, when the first chart with data is on screen. */
export const FIRST_CHART_MARK = 'explore:first-chart';

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function element(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`The page has no #${id}`);
  }
  return found;
}

const form = element('controls', HTMLFormElement);
const datasetSelect = element('dataset', HTMLSelectElement);
const metricOptions = element('metric-options', HTMLElement);
const percentileInput = element('percentiles', HTMLInputElement);
const countryOptions = element('country-options', HTMLElement);
const yearOptions = element('year-options', HTMLElement);
const fromInput = element('from', HTMLInputElement);
const toInput = element('to', HTMLInputElement);
const periodSelect = element('period', HTMLSelectElement);
const compareSelect = element('compare', HTMLSelectElement);
const windowInput = element('window', HTMLInputElement);
const cumulativeBox = element('cumulative', HTMLInputElement);
const shareBox = element('share', HTMLInputElement);
const topInput = element('top', HTMLInputElement);
const rankBySelect = element('rankBy', HTMLSelectElement);
const results = element('results', HTMLElement);
const status = element('status', HTMLElement);
const problemBox = element('problem', HTMLElement);
const bigNumbers = element('summary-numbers', HTMLElement);
const charts = element('charts', HTMLElement);
const table = element('results-table', HTMLTableElement);
const tableWrap = element('table-wrap', HTMLElement);
const curlCode = element('curl', HTMLElement);
const copyButton = element('copy-curl', HTMLButtonElement);
const csvLink = element('download-csv', HTMLAnchorElement);

/** Which control shows the errors the API reports for each parameter. */
const CONTROLS_OF_PARAMETER = /** @type {Record<string, () => Element[]>} */ ({
  dataset: () => [datasetSelect],
  metrics: () => [...metricOptions.querySelectorAll('input'), percentileInput],
  countries: () => [...countryOptions.querySelectorAll('input')],
  years: () => [...yearOptions.querySelectorAll('input')],
  from: () => [fromInput],
  to: () => [toInput],
  groupBy: () => [...form.querySelectorAll('input[name="group"]'), periodSelect],
  compare: () => [compareSelect],
  window: () => [windowInput],
  cumulative: () => [cumulativeBox],
  share: () => [shareBox],
  top: () => [topInput],
  rankBy: () => [rankBySelect],
});

/** @type {ExploreState} */
let state = stateFromSearch(window.location.search);
/** @type {DatasetSummary | null} */
let summary = null;
/** @type {AbortController | null} */
let inFlight = null;
let firstChartShown = false;
/** @type {(value?: undefined) => void} */
let firstChartDrawn = () => undefined;
/** Settles once the first chart with data is drawn. */
const firstChart = new Promise((resolve) => {
  firstChartDrawn = resolve;
});
/** The field errors on show, to mark controls that are built after them. */
/** @type {Array<{ parameter: string, message: string }>} */
let fieldErrorsShown = [];
/** The facts of the current dataset, being fetched or shown; charts wait for its country order. */
let datasetLoaded = Promise.resolve();

// ---------------------------------------------------------------------------------------------
// Talking to the API

const DATASETS_PATH = '/v1/datasets';

/** @param {string} dataset */
function datasetPath(dataset) {
  return `/v1/datasets/${encodeURIComponent(dataset)}`;
}

/**
 * GET as JSON; a refusal comes back as its problem document.
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<{ ok: true, body: T } | { ok: false, problem: Problem }>}
 */
async function getJson(path, signal) {
  // The server preloads the first requests of the page's URL; this takes their answers over.
  const response = await fetch(path, { headers: { Accept: 'application/json' }, signal });
  /** @type {unknown} */
  const body = await response.json().catch(() => null);
  if (response.ok) {
    return { ok: true, body: /** @type {T} */ (body) };
  }
  const problem = /** @type {Partial<Problem>} */ (body ?? {});
  return {
    ok: false,
    problem: {
      type: typeof problem.type === 'string' ? problem.type : 'about:blank',
      status: response.status,
      detail:
        typeof problem.detail === 'string'
          ? problem.detail
          : `The service answered ${response.status}`,
      errors: Array.isArray(problem.errors) ? problem.errors : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Controls

/**
 * @param {HTMLElement} container
 * @param {string} name
 * @param {Array<{ value: string, label: string }>} options
 */
function fillCheckboxes(container, name, options) {
  container.replaceChildren(
    ...options.map(({ value, label }) => {
      const wrapper = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = name;
      box.value = value;
      wrapper.append(box, ` ${label}`);
      return wrapper;
    }),
  );
}

/** @param {HTMLElement} container @returns {string[]} */
function checkedValues(container) {
  return [...container.querySelectorAll('input:checked')].map(
    (box) => /** @type {HTMLInputElement} */ (box).value,
  );
}

/** @param {HTMLElement} container @param {string[]} values */
function check(container, values) {
  for (const box of container.querySelectorAll('input')) {
    box.checked = values.includes(box.value);
  }
}

/** @returns {ExploreState} what the controls say now */
function readForm() {
  const checkedGroup = form.querySelector('input[name="group"]:checked');
  const group = /** @type {ExploreState['group']} */ (
    checkedGroup instanceof HTMLInputElement &&
    GROUPS.includes(/** @type {never} */ (checkedGroup.value))
      ? checkedGroup.value
      : DEFAULT_STATE.group
  );
  const period = /** @type {ExploreState['period']} */ (
    PERIODS.includes(/** @type {never} */ (periodSelect.value))
      ? periodSelect.value
      : DEFAULT_STATE.period
  );
  const compare = COMPARE_MODES.find((mode) => mode === compareSelect.value) ?? '';
  return {
    dataset: datasetSelect.value,
    metrics: [...checkedValues(metricOptions), ...percentileMetrics(percentileInput.value)],
    countries: checkedValues(countryOptions),
    years: checkedValues(yearOptions),
    from: fromInput.value,
    to: toInput.value,
    group,
    period,
    compare,
    window: windowInput.value.trim(),
    cumulative: cumulativeBox.checked,
    share: shareBox.checked,
    top: topInput.value.trim(),
    rankBy: rankBySelect.value,
  };
}

/**
 * Offers the requested metrics to rank by, and keeps a choice that is no longer requested so that
 * the API's answer about it shows beside this control.
 */
function offerRankBy(/** @type {ExploreState} */ next) {
  const choices = [...new Set([...next.metrics, ...(next.rankBy ? [next.rankBy] : [])])];
  rankBySelect.replaceChildren(
    new Option('First metric', ''),
    ...choices.map((metric) => new Option(metricLabel(metric), metric)),
  );
  rankBySelect.value = next.rankBy;
}

/** Sets the controls to a state (country and year boxes as far as the dataset has them). */
function writeForm(/** @type {ExploreState} */ next) {
  if (![...datasetSelect.options].some((option) => option.value === next.dataset)) {
    // A link to a dataset that does not exist: keep the name visible beside the API's answer.
    datasetSelect.append(new Option(next.dataset, next.dataset));
  }
  datasetSelect.value = next.dataset;
  check(metricOptions, next.metrics);
  percentileInput.value = next.metrics
    .filter((metric) => !(/** @type {readonly string[]} */ (BASE_METRICS).includes(metric)))
    .map((metric) => metric.replace(/^p(?=\d)/, ''))
    .join(', ');
  check(countryOptions, next.countries);
  check(yearOptions, next.years);
  fromInput.value = next.from;
  toInput.value = next.to;
  for (const radio of form.querySelectorAll('input[name="group"]')) {
    /** @type {HTMLInputElement} */ (radio).checked =
      /** @type {HTMLInputElement} */ (radio).value === next.group;
  }
  periodSelect.value = next.period;
  periodSelect.disabled = next.group === 'country' || next.group === 'none';
  compareSelect.value = next.compare;
  windowInput.value = next.window;
  cumulativeBox.checked = next.cumulative;
  shareBox.checked = next.share;
  topInput.value = next.top;
  offerRankBy(next);
}

/** Shows the facts of a dataset and offers its countries and years. */
function showDataset(/** @type {DatasetSummary} */ dataset) {
  summary = dataset;
  element('facts-dataset', HTMLElement).textContent = dataset.name;
  element('fact-rows', HTMLElement).textContent = dataset.rows.toLocaleString('en-US');
  element('fact-countries', HTMLElement).textContent =
    `${dataset.countries.length}: ${dataset.countries.map(({ code }) => code).join(', ')}`;
  element('fact-span', HTMLElement).textContent = dataset.dateRange
    ? `${dataset.dateRange.from} to ${dataset.dateRange.to}`
    : 'no dates';
  const version = element('fact-version', HTMLElement);
  version.textContent = dataset.version ?? dataset.sha256.slice(0, 12);
  version.title = `SHA-256 ${dataset.sha256}, loaded ${dataset.loadedAt}`;
  fillCheckboxes(
    countryOptions,
    'countries',
    dataset.countries.map(({ code }) => ({ value: code, label: code })),
  );
  fillCheckboxes(
    yearOptions,
    'years',
    dataset.years.map((year) => ({ value: String(year), label: String(year) })),
  );
  for (const input of [fromInput, toInput]) {
    input.min = dataset.dateRange?.from ?? '';
    input.max = dataset.dateRange?.to ?? '';
  }
  writeForm(state);
  // The country and year boxes are new: mark them again if the answer named them.
  markInvalidControls();
}

// ---------------------------------------------------------------------------------------------
// Results

/** @param {'loading' | 'ready' | 'empty' | 'error'} name @param {string} message */
function setState(name, message) {
  results.dataset.state = name;
  results.setAttribute('aria-busy', String(name === 'loading'));
  status.textContent = message;
}

function clearErrors() {
  problemBox.hidden = true;
  problemBox.replaceChildren();
  for (const box of form.querySelectorAll('.field-error')) {
    /** @type {HTMLElement} */ (box).hidden = true;
    box.textContent = '';
  }
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
  fieldErrorsShown = [];
}

/** Marks the controls of every field error on show as invalid. */
function markInvalidControls() {
  for (const { parameter } of fieldErrorsShown) {
    const controls = CONTROLS_OF_PARAMETER[parameter]?.() ?? [];
    controls.forEach((control) => control.setAttribute('aria-invalid', 'true'));
  }
}

/** Puts each message beside the control of the parameter it names; the rest go on top. */
function showProblem(/** @type {Problem} */ problem, /** @type {string} */ heading) {
  const fieldErrors =
    problem.errors ??
    (problem.type.endsWith(':not-found')
      ? [{ parameter: 'dataset', message: problem.detail }]
      : []);
  for (const { parameter, message } of fieldErrors) {
    const box = document.getElementById(`error-${parameter}`);
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
  }
  fieldErrorsShown = [...fieldErrorsShown, ...fieldErrors];
  markInvalidControls();
  const title = document.createElement('strong');
  title.textContent = heading;
  const detail = document.createElement('p');
  detail.textContent = problem.detail;
  problemBox.replaceChildren(title, detail);
  problemBox.hidden = false;
}

function clearResults() {
  clearCharts(charts);
  clearTable(table);
  bigNumbers.hidden = true;
  bigNumbers.replaceChildren();
  tableWrap.hidden = true;
}

/** One headline figure per metric, for a result without groups. */
function showBigNumbers(/** @type {AnalysisResult} */ result) {
  const [row] = result.results;
  bigNumbers.replaceChildren(
    ...result.query.metrics.map((metric) => {
      const card = document.createElement('div');
      card.className = 'big-number';
      card.dataset.metric = metric;
      const label = document.createElement('span');
      label.className = 'big-number-label';
      label.textContent = metricLabel(metric);
      const value = document.createElement('span');
      value.className = 'big-number-value';
      const raw = row?.[metric];
      value.textContent = formatValue(typeof raw === 'number' ? raw : null, metric);
      card.append(label, value);
      return card;
    }),
  );
  bigNumbers.hidden = false;
}

/** Resolves after the browser has painted the next frame. */
function afterNextPaint() {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
}

/**
 * Shows an answer: the charts first, and the table in a later task, once the browser has painted
 * them, so that building and laying out the table does not hold the charts back.
 * @param {AnalysisResult} result
 * @param {AbortSignal} signal set when a newer query takes over
 */
async function showResult(result, signal) {
  const grouped = result.query.groupBy.some((key) => key !== 'none');
  const countryOrder = summary?.countries.map(({ code }) => code) ?? [];
  if (grouped) {
    bigNumbers.hidden = true;
    await renderCharts(charts, result, countryOrder);
    if (!firstChartShown) {
      firstChartShown = true;
      performance.mark(FIRST_CHART_MARK);
      firstChartDrawn();
    }
    await afterNextPaint();
    if (signal.aborted) {
      return;
    }
  } else {
    clearCharts(charts);
    showBigNumbers(result);
  }
  renderTable(table, result);
  tableWrap.hidden = false;
  const groups = result.results.length;
  setState(
    'ready',
    `${result.matchedRows.toLocaleString('en-US')} rows matched` +
      (grouped ? `, ${groups.toLocaleString('en-US')} group${groups === 1 ? '' : 's'}` : '') +
      (result.rejectedRows > 0
        ? ` (${result.rejectedRows} defective rows were skipped at load)`
        : ''),
  );
}

function updateShareables() {
  const path = analysisPath(state);
  curlCode.textContent = `curl '${window.location.origin}${path}'`;
  csvLink.href = `${path}&format=csv`;
}

/** Asks the API for the current state and shows the answer; a newer query cancels an older one. */
async function runQuery() {
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  updateShareables();
  setState('loading', 'Loading…');
  results.dataset.query = '';
  try {
    /** @type {Awaited<ReturnType<typeof getJson<AnalysisResult>>>} */
    const answer = await getJson(analysisPath(state), controller.signal);
    // Fetched side by side; the facts fix each country's colour before anything is drawn.
    await datasetLoaded.catch(() => undefined);
    if (controller.signal.aborted) {
      return;
    }
    clearErrors();
    results.dataset.query = analysisPath(state);
    if (answer.ok) {
      await showResult(answer.body, controller.signal);
      return;
    }
    clearResults();
    if (answer.problem.type.endsWith(':no-data')) {
      showProblem(answer.problem, 'Nothing matched these filters');
      setState('empty', 'No rows matched. Widen the countries, years or dates.');
    } else {
      showProblem(
        answer.problem,
        answer.problem.errors ? 'Check the highlighted fields' : 'The query failed',
      );
      setState('error', 'The query could not be answered.');
    }
  } catch (error) {
    if (controller.signal.aborted) {
      return;
    }
    clearResults();
    showProblem(
      { type: 'about:blank', status: 0, detail: `The service did not answer (${String(error)}).` },
      'No answer',
    );
    setState('error', 'The service did not answer.');
  }
}

/**
 * Asks for the facts of the state's dataset; charts wait for them (each country's colour follows
 * the dataset's country order).
 */
function loadDataset() {
  const answer = /** @type {ReturnType<typeof getJson<DatasetSummary>>} */ (
    getJson(datasetPath(state.dataset))
  ).then((facts) => {
    summary = facts.ok ? facts.body : null;
    return facts;
  });
  datasetLoaded = answer.then(() => undefined);
  return answer;
}

/**
 * Shows the facts and offers the dataset's countries and years; without facts, the controls show
 * the state as it is.
 * @param {Awaited<ReturnType<typeof loadDataset>>} facts
 */
function showFacts(facts) {
  if (facts.ok) {
    showDataset(facts.body);
  } else {
    writeForm(state);
  }
}

/** Applies a new state from the controls or the history, then queries. */
async function apply(/** @type {ExploreState} */ next, /** @type {boolean} */ record) {
  const datasetChanged = next.dataset !== state.dataset;
  state = next;
  if (record) {
    window.history.pushState(null, '', pageSearch(state));
  }
  periodSelect.disabled = state.group === 'country' || state.group === 'none';
  await Promise.all([
    datasetChanged ? loadDataset().then(showFacts) : Promise.resolve(),
    runQuery(),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Start

async function start() {
  fillCheckboxes(
    metricOptions,
    'metrics',
    BASE_METRICS.map((metric) => ({ value: metric, label: metricLabel(metric) })),
  );
  const listed = /** @type {ReturnType<typeof getJson<DatasetSummary[]>>} */ (
    getJson(DATASETS_PATH)
  );
  if (!state.dataset) {
    const list = await listed;
    if (!list.ok) {
      showProblem(list.problem, 'The datasets could not be listed');
      return;
    }
    state.dataset = list.body[0]?.name ?? '';
  }
  // The numbers first: the dataset's countries and years fill the controls once the first chart
  // is on screen (or the answer has none), so that their layout does not hold the chart back.
  const facts = loadDataset();
  const query = runQuery();
  await Promise.race([firstChart.then(afterNextPaint), query]);
  const list = await listed;
  if (list.ok) {
    datasetSelect.replaceChildren(...list.body.map(({ name }) => new Option(name, name)));
  } else {
    showProblem(list.problem, 'The datasets could not be listed');
  }
  const search = pageSearch(state);
  if (window.location.search !== search) {
    window.history.replaceState(null, '', search);
  }
  await facts.then(showFacts, () => writeForm(state));
  await query;
}

form.addEventListener('change', () => {
  const next = readForm();
  offerRankBy(next);
  if (!sameState(next, state)) {
    void apply(next, true);
  }
});
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const next = readForm();
  void (sameState(next, state) ? runQuery() : apply(next, true));
});
window.addEventListener('popstate', () => {
  const next = stateFromSearch(window.location.search);
  next.dataset ||= state.dataset;
  writeForm(next);
  void apply(next, false);
});
copyButton.addEventListener('click', () => {
  const command = curlCode.textContent ?? '';
  navigator.clipboard.writeText(command).then(
    () => {
      status.textContent = 'Copied the curl command to the clipboard.';
    },
    () => {
      // No clipboard (an insecure origin, a denied permission): select the command instead.
      const range = document.createRange();
      range.selectNodeContents(curlCode);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      status.textContent = 'Selected the curl command: press Ctrl+C to copy it.';
    },
  );
});

void start();
