/**
 * Explore page: time to the first chart in Chromium, on the built server under its production
 * defaults (info logs, rate limiting on), with the bundled sample data.
 *   - first visit: a fresh browser context per load, so nothing is cached;
 *   - repeat visit: the same context, so the versioned assets come from the browser's cache.
 * Each row is the median of BENCH_EXPLORE_LOADS loads (default 7), measured from navigation start
 * to the page's `explore:first-chart` mark. Beside it: when the HTML arrived and when the scripts
 * had run (DOMContentLoaded), so a slow figure shows where its time went.
 *   node bench/explore.mjs   (needs `npm run build` and Debian's chromium)
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startServer } from './lib/http-bench.mjs';
import { DIST_DIR, ROOT_DIR, SAMPLE_CSV } from './lib/paths.mjs';
import { summarize } from './lib/stats.mjs';
import { fmtMs, markdownTable } from './lib/table.mjs';

const TARGET_MS = 500;
const LOADS = Number(process.env.BENCH_EXPLORE_LOADS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FIRST_CHART_MARK = 'explore:first-chart';

// playwright-core is a devDependency of the service, not of bench/.
const { chromium } = createRequire(join(ROOT_DIR, 'package.json'))('playwright-core');

async function load(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(
    (mark) => performance.getEntriesByName(mark).length > 0,
    FIRST_CHART_MARK,
    { timeout: 30_000 },
  );
  const timing = await page.evaluate((mark) => {
    const [navigation] = performance.getEntriesByType('navigation');
    return {
      chart: performance.getEntriesByName(mark)[0].startTime,
      html: navigation.responseEnd,
      scripts: navigation.domContentLoadedEventEnd,
    };
  }, FIRST_CHART_MARK);
  await page.close();
  return timing;
}

async function measure(browser, url, fresh) {
  const samples = [];
  let shared = fresh ? null : await browser.newContext();
  if (shared) {
    await load(shared, url); // fills the cache; not counted
  }
  for (let index = 0; index < LOADS; index += 1) {
    const context = shared ?? (await browser.newContext());
    samples.push(await load(context, url));
    if (!shared) {
      await context.close();
    }
  }
  await shared?.close();
  const median = (key) => summarize(samples.map((sample) => sample[key])).p50;
  return { chart: median('chart'), html: median('html'), scripts: median('scripts') };
}

async function main() {
  if (!existsSync(join(DIST_DIR, 'main.js'))) {
    throw new Error('dist/main.js is missing: run `npm run build` first');
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  const server = await startServer({
    label: 'service',
    args: [join(DIST_DIR, 'main.js')],
    cwd: ROOT_DIR,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'info', DATA_PATH: SAMPLE_CSV },
    timeoutMs: 60_000,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const url = `${server.base}/`;
    const rows = [];
    for (const [label, fresh] of [
      ['first visit (nothing cached)', true],
      ['repeat visit (assets cached)', false],
    ]) {
      const { chart, html, scripts } = await measure(browser, url, fresh);
      rows.push([
        label,
        fmtMs(html),
        fmtMs(scripts),
        fmtMs(chart),
        `< ${TARGET_MS} ms`,
        chart < TARGET_MS ? 'yes' : 'NO',
      ]);
    }
    console.log(
      `Explore page on ${SAMPLE_CSV}, median of ${LOADS} loads from navigation start (GET / and its redirect included):`,
    );
    console.log(
      markdownTable(['load', 'HTML received', 'scripts run', 'first chart', 'target', 'met'], rows),
    );
  } finally {
    await browser.close();
    await server.stop();
  }
}

await main();
