// The page's first requests, started as soon as this small module arrives: the page loads it
// as an async module ahead of uPlot, so the numbers travel while the chart library is parsed
// instead of after it (the page module, like every deferred script, runs only once uPlot has).

import { analysisPath, stateFromSearch } from './query-state.js';

/** @type {Map<string, Promise<Response>>} */
const started = new Map();
/** Set once the page asks for itself: from then on, starting a request here would only repeat it. */
let pageAsked = false;

/** @param {string} path */
function request(path) {
  return fetch(path, { headers: { Accept: 'application/json' } });
}

/** @param {string} path */
function start(path) {
  if (pageAsked) {
    return;
  }
  let pending = started.get(path);
  if (pending === undefined) {
    pending = request(path);
    // A request nobody takes up (the state changed first) must not report an unhandled failure.
    pending.catch(() => undefined);
    started.set(path, pending);
  }
}

/** @param {string} dataset */
export function datasetPath(dataset) {
  return `/v1/datasets/${encodeURIComponent(dataset)}`;
}

export const DATASETS_PATH = '/v1/datasets';

/**
 * GET with `Accept: application/json`, taking over the early request for the same path if one
 * is on its way. Each early request is taken over once; asking again fetches afresh.
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<Response>}
 */
export function fetchJson(path, signal) {
  pageAsked = true;
  const early = started.get(path);
  if (early !== undefined) {
    started.delete(path);
    return early;
  }
  return fetch(path, { headers: { Accept: 'application/json' }, signal });
}

/** Starts the list, the dataset's facts and the analysis the page's URL describes. */
function startPageRequests() {
  const state = stateFromSearch(window.location.search);
  const listed = request(DATASETS_PATH);
  started.set(DATASETS_PATH, listed);
  const startFor = (/** @type {string} */ dataset) => {
    start(datasetPath(dataset));
    start(analysisPath({ ...state, dataset }));
  };
  if (state.dataset) {
    startFor(state.dataset);
    return;
  }
  // Without a dataset in the URL the page opens the first one listed.
  listed
    .then((response) => (response.ok ? response.clone().json() : null))
    .then((/** @type {unknown} */ list) => {
      const first = Array.isArray(list) ? /** @type {{ name?: unknown }} */ (list[0]) : undefined;
      if (typeof first?.name === 'string') {
        startFor(first.name);
      }
    })
    .catch(() => undefined);
}

startPageRequests();
