/**
 * CSV load time by row shape: the loader alone (file → SalesColumns), on the 3-country file and
 * on two files derived from its first rows, so the fast path and csv-parse are timed apart:
 * - plain: the generated file, every row on the fast path;
 * - quoted: every field quoted (`"AR","663.66","01/01/2015"`), as some exporters write;
 * - notes: a fourth column, plain text on 9 rows of 10 and on every 10th row a quoted note with
 *   a line break and doubled quotes, which only csv-parse reads.
 *
 *   node bench/csv-load.mjs [--rows=1e7] [--derived-rows=1e6] [--runs=3] [dist dir ...]
 *
 * Each build (default: dist/) loads each file `runs` times in a fresh process; the median is
 * printed. Give two builds to compare them, alternated file by file. Run under the bench lock.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { DATA_DIR, DIST_DIR } from './lib/paths.mjs';

const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => arg.slice(2).split('=')),
);
const dists = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const rows = Number(flags.rows ?? 1e7);
const derivedRows = Number(flags['derived-rows'] ?? 1e6);
const runs = Number(flags.runs ?? 3);

/** Child mode: `--child=<dist>` loads `--file` `runs` times and prints the times as JSON. */
if (flags.child !== undefined) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { loadSalesCsv } = require(join(flags.child, 'data/csv/sales-csv-loader.js'));
  const { DEFAULT_CSV_FORMAT } = require(join(flags.child, 'data/csv/csv-format.js'));
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const { columns } = await loadSalesCsv(flags.file, { format: DEFAULT_CSV_FORMAT });
    times.push(performance.now() - started);
    if (columns.rowCount !== Number(flags.expect)) {
      throw new Error(`${flags.file}: ${columns.rowCount} rows, expected ${flags.expect}`);
    }
  }
  console.log(JSON.stringify(times));
  process.exit(0);
}

/** Writes `shape` of the first `count` data rows of `source` to `target`, once. */
async function derive(source, target, count, shape) {
  if (existsSync(target)) {
    return;
  }
  const out = createWriteStream(`${target}.part`);
  const lines = createInterface({ input: createReadStream(source), crlfDelay: Infinity });
  let n = -1;
  for await (const line of lines) {
    const text = n < 0 ? shape.header(line) : shape.row(line, n);
    if (!out.write(`${text}\n`)) {
      await once(out, 'drain');
    }
    if (++n >= count) {
      break;
    }
  }
  out.end();
  await once(out, 'finish');
  spawnSync('mv', [`${target}.part`, target]);
}

const SHAPES = {
  quoted: {
    header: (line) => line,
    row: (line) => `"${line.split(',').join('","')}"`,
  },
  notes: {
    header: (line) => `${line},notes`,
    row: (line, n) =>
      n % 10 === 9 ? `${line},"first line\nsecond, with ""quotes"""` : `${line},plain note`,
  },
};

const spec = datasetSpec(3, rows);
await ensureDataset(spec);
const files = [{ name: `plain (${spec.id})`, path: spec.path, rows }];
for (const [name, shape] of Object.entries(SHAPES)) {
  const path = join(DATA_DIR, `csv-load-${name}-${derivedRows}.csv`);
  await derive(spec.path, path, derivedRows, shape);
  files.push({ name: `${name} (${derivedRows} rows)`, path, rows: derivedRows });
}

const builds = dists.length > 0 ? dists : [DIST_DIR];
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(`load average ${loadavg().map((l) => l.toFixed(2))}`);
for (const file of files) {
  const cells = builds.map((dist) => {
    const child = spawnSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        `--child=${dist}`,
        `--file=${file.path}`,
        `--expect=${file.rows}`,
        `--runs=${runs}`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) {
      throw new Error(`loading ${file.path} with ${dist} failed`);
    }
    const times = JSON.parse(child.stdout);
    return `${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`;
  });
  console.log(`${file.name.padEnd(24)} ${cells.join('  |  ')}`);
}
console.log(`load average ${loadavg().map((l) => l.toFixed(2))}`);
