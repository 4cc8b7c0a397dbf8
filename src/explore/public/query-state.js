// @ts-check
/**
 * The page's state and its two spellings: the page URL (shareable) and the v1 analysis query.
 * Both use the API's own parameter names, so a link reads like the API call it makes. A new API
 * parameter is one state field, one entry in QUERY_PARAMETERS and one control in index.html.
 */

export const BASE_METRICS = /** @type {const} */ ([
  'count',
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'stddev',
  'variance',
]);
export const PERIODS = /** @type {const} */ (['year', 'quarter', 'month', 'week']);
export const COMPARE_MODES = /** @type {const} */ (['previous_period', 'previous_year']);
export const GROUPS = /** @type {const} */ (['country', 'period', 'country-period', 'none']);

/** @typedef {(typeof PERIODS)[number]} Period */
/** @typedef {(typeof GROUPS)[number]} Group */

/**
 * @typedef {object} ExploreState
 * @property {string} dataset
 * @property {string[]} metrics API metric names: count, mean, p90...
 * @property {string[]} countries empty for every country
 * @property {string[]} years empty for every year; kept as written, the API validates them
 * @property {string} from ISO date or empty
 * @property {string} to ISO date or empty
 * @property {Group} group
 * @property {Period} period the period used when the grouping has one
 * @property {'' | (typeof COMPARE_MODES)[number]} compare empty for no comparison
 * @property {string} window rolling window in periods, empty for none; kept as written
 * @property {boolean} cumulative running totals
 * @property {boolean} share shares of the total for count and sum
 * @property {string} top how many countries to keep before OTHER, empty for all; kept as written
 * @property {string} rankBy the metric that ranks countries for top, empty for the first metric
 */

/** @type {Readonly<ExploreState>} */
export const DEFAULT_STATE = Object.freeze({
  dataset: '',
  metrics: ['sum'],
  countries: [],
  years: [],
  from: '',
  to: '',
  group: 'country-period',
  period: 'quarter',
  compare: '',
  window: '',
  cumulative: false,
  share: false,
  top: '',
  rankBy: '',
});

/** @param {string} value */
function single(value) {
  return value ? [value] : [];
}

/** A flag is on when the URL says so in the API's own words. @param {string | undefined} value */
function flagOn(value) {
  return ['true', '1', 'yes', 'on'].includes((value ?? '').toLowerCase());
}

/** @param {string | null} text */
function listOf(text) {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** @param {ExploreState} state @returns {string[]} */
export function groupByOf({ group, period }) {
  switch (group) {
    case 'country':
      return ['country'];
    case 'period':
      return [period];
    case 'none':
      return ['none'];
    default:
      return ['country', period];
  }
}

/**
 * @param {string[]} keys
 * @returns {Pick<ExploreState, 'group' | 'period'> | null} null when the keys are no grouping the
 * controls offer
 */
function groupingOf(keys) {
  const period = PERIODS.find((name) => keys.includes(name));
  const hasCountry = keys.includes('country');
  if (keys.length === 1 && keys[0] === 'none') {
    return { group: 'none', period: DEFAULT_STATE.period };
  }
  if (hasCountry && period && keys.length === 2) {
    return { group: 'country-period', period };
  }
  if (hasCountry && keys.length === 1) {
    return { group: 'country', period: DEFAULT_STATE.period };
  }
  if (period && keys.length === 1) {
    return { group: 'period', period };
  }
  return null;
}

/**
 * The analysis parameters, in the order they appear in URLs: each reads its values from the
 * state (an empty list leaves it out) and writes the values of a URL back into a state.
 * @type {ReadonlyArray<{ name: string, read: (state: ExploreState) => string[], write: (state: ExploreState, values: string[]) => void }>}
 */
const QUERY_PARAMETERS = [
  {
    name: 'metrics',
    read: (state) => state.metrics,
    write: (state, values) => {
      state.metrics = values.map((value) => value.toLowerCase());
    },
  },
  {
    name: 'countries',
    read: (state) => state.countries,
    write: (state, values) => {
      state.countries = values.map((value) => value.toUpperCase());
    },
  },
  {
    name: 'years',
    read: (state) => state.years,
    write: (state, values) => {
      state.years = values;
    },
  },
  {
    name: 'from',
    read: (state) => (state.from ? [state.from] : []),
    write: (state, [value]) => {
      state.from = value ?? '';
    },
  },
  {
    name: 'to',
    read: (state) => (state.to ? [state.to] : []),
    write: (state, [value]) => {
      state.to = value ?? '';
    },
  },
  {
    name: 'groupBy',
    read: groupByOf,
    write: (state, values) => {
      Object.assign(state, groupingOf(values.map((value) => value.toLowerCase())) ?? {});
    },
  },
  {
    name: 'compare',
    read: (state) => single(state.compare),
    write: (state, [value]) => {
      const mode = (value ?? '').toLowerCase();
      state.compare = COMPARE_MODES.find((known) => known === mode) ?? '';
    },
  },
  {
    name: 'window',
    read: (state) => single(state.window),
    write: (state, [value]) => {
      state.window = value ?? '';
    },
  },
  {
    name: 'cumulative',
    read: (state) => (state.cumulative ? ['true'] : []),
    write: (state, [value]) => {
      state.cumulative = flagOn(value);
    },
  },
  {
    name: 'share',
    read: (state) => (state.share ? ['true'] : []),
    write: (state, [value]) => {
      state.share = flagOn(value);
    },
  },
  {
    name: 'top',
    read: (state) => single(state.top),
    write: (state, [value]) => {
      state.top = value ?? '';
    },
  },
  {
    name: 'rankBy',
    read: (state) => single(state.rankBy),
    write: (state, [value]) => {
      state.rankBy = (value ?? '').toLowerCase();
    },
  },
];

/** @param {string} name @param {string[]} values */
function encodeParameter(name, values) {
  // Commas stay readable: the API takes comma lists, and no value here contains one.
  return `${name}=${values.map(encodeURIComponent).join(',')}`;
}

/** The analysis query string (without `?`) for a state. @param {ExploreState} state */
export function analysisQuery(state) {
  return QUERY_PARAMETERS.map(({ name, read }) => [name, read(state)])
    .filter(([, values]) => values.length > 0)
    .map(([name, values]) =>
      encodeParameter(/** @type {string} */ (name), /** @type {string[]} */ (values)),
    )
    .join('&');
}

/** Path and query of the v1 analysis for a state. @param {ExploreState} state */
export function analysisPath(state) {
  return `/v1/datasets/${encodeURIComponent(state.dataset)}/analysis?${analysisQuery(state)}`;
}

/** The page's own query string (with `?`): the dataset, then the analysis parameters. @param {ExploreState} state */
export function pageSearch(state) {
  return `?${encodeParameter('dataset', [state.dataset])}&${analysisQuery(state)}`;
}

/**
 * The state a page URL describes; absent parameters take their defaults. Values are kept as
 * written (the API reports what is wrong with them), except a grouping the controls cannot show.
 * @param {string} search location.search
 * @returns {ExploreState}
 */
export function stateFromSearch(search) {
  const params = new URLSearchParams(search);
  /** @type {ExploreState} */
  const state = structuredClone({ ...DEFAULT_STATE });
  state.dataset = params.get('dataset')?.trim() ?? '';
  for (const { name, write } of QUERY_PARAMETERS) {
    if (params.has(name)) {
      write(state, params.getAll(name).flatMap(listOf));
    }
  }
  return state;
}

/** @param {ExploreState} a @param {ExploreState} b */
export function sameState(a, b) {
  return a.dataset === b.dataset && analysisQuery(a) === analysisQuery(b);
}

/** Splits the percentile box ("90, 99.5" or "p90 p99") into metric names. @param {string} text */
export function percentileMetrics(text) {
  return text
    .split(/[\s,;]+/)
    .map((item) => item.trim().replace(/^p/i, ''))
    .filter((item) => item.length > 0)
    .map((item) => `p${item}`);
}
