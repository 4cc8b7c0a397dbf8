/**
 * Explore page: time to the first chart in Chromium, on the built server under its production
 * defaults (info logs, rate limiting on), with the bundled sample data, beside Chromium's own floor.
 *   - floor: a bare page (a heading) with the page's stylesheet, behind the same kind of redirect,
 *     served by a tiny server in this process: what Chromium needs to show anything at all on this
 *     machine at this moment. Its first paint is the reference a busy machine's figures are read
 *     against;
 *   - first visit: a fresh browser context per load, so nothing is cached;
 *   - repeat visit: the same context, so the versioned assets come from the browser's cache.
 * The three kinds of load take turns, so each sees the same machine. Each row is the median of
 * BENCH_EXPLORE_LOADS loads (default 7), measured from navigation start: when the HTML arrived,
 * the first paint, when the scripts had run (DOMContentLoaded), when the last API answer had
 * arrived, the page's `explore:first-chart` mark and how long drawing the chart took
 * (`explore:chart-draw`).
 * BENCH_EXPLORE_BASELINE=<another build's dist folder> serves that build too, on its own port, and
 * adds its first and repeat visits to the turns: a before/after comparison on the same machine
 * at the same moments.
 *   node bench/explore.mjs   (needs `npm run build` and Debian's chromium)
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { httpGet, startServer } from './lib/http-bench.mjs';
import { DIST_DIR, ROOT_DIR, SAMPLE_CSV } from './lib/paths.mjs';
import { summarize } from './lib/stats.mjs';
import { fmtMs, markdownTable } from './lib/table.mjs';

const TARGET_MS = 500;
const LOADS = Number(process.env.BENCH_EXPLORE_LOADS ?? 7);
const BASELINE_DIST = process.env.BENCH_EXPLORE_BASELINE;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIRST_CHART_MARK = 'explore:first-chart';
const CHART_DRAW_MEASURE = 'explore:chart-draw';

// playwright-core is a devDependency of the service, not of bench/.
const { chromium } = createRequire(join(ROOT_DIR, 'package.json'))('playwright-core');

/** Serves the floor page: `/` redirects to `/floor`, a heading styled by the page's stylesheet. */
async function startFloorServer(stylesheetUrl) {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Floor</title><link rel="stylesheet" href="${stylesheetUrl}"></head><body><main class="page"><h1>Explore</h1></main></body></html>`;
  const server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(302, { location: '/floor' }).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function load(context, url, mark) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    (name) =>
      performance.getEntriesByName('first-contentful-paint').length > 0 &&
      (name === null || performance.getEntriesByName(name).length > 0),
    mark,
    { timeout: 30_000 },
  );
  const timing = await page.evaluate(
    ([name, draw]) => {
      const [navigation] = performance.getEntriesByType('navigation');
      const answers = performance
        .getEntriesByType('resource')
        .filter(({ name }) => new URL(name).pathname.startsWith('/v1/'))
        .map(({ responseEnd }) => responseEnd);
      return {
        html: navigation.responseEnd,
        answers: answers.length === 0 ? NaN : Math.max(...answers),
        paint: performance.getEntriesByName('first-contentful-paint')[0].startTime,
        scripts: navigation.domContentLoadedEventEnd,
        chart: name === null ? NaN : performance.getEntriesByName(name)[0].startTime,
        draw: performance.getEntriesByName(draw)[0]?.duration ?? NaN,
      };
    },
    [mark, CHART_DRAW_MEASURE],
  );
  await page.close();
  return timing;
}

async function main() {
  if (!existsSync(join(DIST_DIR, 'main.js'))) {
    throw new Error('dist/main.js is missing: run `npm run build` first');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  const serve = (label, dist) =>
    startServer({
      label,
      args: [join(dist, 'main.js')],
      cwd: ROOT_DIR,
      env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DATA_PATH: SAMPLE_CSV },
      timeoutMs: 60_000,
    });
  const server = await serve('service', DIST_DIR);
  const baseline = BASELINE_DIST === undefined ? null : await serve('baseline', BASELINE_DIST);
  const { body: pageHtml } = await httpGet(`${server.base}/explore`);
  const stylesheet = /href="([^"]+\/explore\.css)"/.exec(pageHtml)?.[1];
  if (!stylesheet) {
    throw new Error('The explore page links no explore.css');
  }
  const floor = await startFloorServer(`${server.base}${stylesheet}`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const loadAverageBefore = loadavg()[0];
  try {
    const url = `${server.base}/`;
    const repeatContext = await browser.newContext();
    await load(repeatContext, url, FIRST_CHART_MARK); // fills the cache; not counted
    const baselineUrl = baseline === null ? null : `${baseline.base}/`;
    if (baselineUrl !== null) {
      await load(repeatContext, baselineUrl, FIRST_CHART_MARK);
    }
    const kinds = [
      { label: 'floor: bare page with explore.css', url: floor.url, mark: null, fresh: true },
      ...(baselineUrl === null
        ? []
        : [
            {
              label: 'baseline: first visit',
              url: baselineUrl,
              mark: FIRST_CHART_MARK,
              fresh: true,
            },
            {
              label: 'baseline: repeat visit',
              url: baselineUrl,
              mark: FIRST_CHART_MARK,
              fresh: false,
            },
          ]),
      { label: 'first visit (nothing cached)', url, mark: FIRST_CHART_MARK, fresh: true },
      { label: 'repeat visit (assets cached)', url, mark: FIRST_CHART_MARK, fresh: false },
    ].map((kind) => ({ ...kind, samples: [] }));
    for (let index = 0; index < LOADS; index += 1) {
      for (const kind of kinds) {
        const context = kind.fresh ? await browser.newContext() : repeatContext;
        kind.samples.push(await load(context, kind.url, kind.mark));
        if (kind.fresh) {
          await context.close();
        }
      }
    }
    await repeatContext.close();
    const median = (samples, key) => summarize(samples.map((sample) => sample[key])).p50;
    const floorPaint = median(kinds[0].samples, 'paint');
    const rows = kinds.map(({ label, mark, samples }) => {
      const chart = median(samples, 'chart');
      return [
        label,
        fmtMs(median(samples, 'html')),
        fmtMs(median(samples, 'paint')),
        mark === null ? '—' : fmtMs(median(samples, 'scripts')),
        mark === null ? '—' : fmtMs(median(samples, 'answers')),
        mark === null ? '—' : fmtMs(median(samples, 'draw')),
        mark === null ? '—' : fmtMs(chart),
        mark === null ? '—' : `+${fmtMs(chart - floorPaint)}`,
        mark === null ? '—' : chart < TARGET_MS ? 'yes' : 'NO',
      ];
    });
    console.log(
      `Explore page on ${SAMPLE_CSV}, median of ${LOADS} loads from navigation start (GET / and its redirect included); load average ${loadAverageBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after:`,
    );
    console.log(
      markdownTable(
        [
          'load',
          'HTML received',
          'first paint',
          'scripts run',
          'API answers in',
          'chart draw',
          'first chart',
          'over the floor',
          `< ${TARGET_MS} ms`,
        ],
        rows,
      ),
    );
  } finally {
    await browser.close();
    await floor.stop();
    await server.stop();
    await baseline?.stop();
  }
}

await main();
