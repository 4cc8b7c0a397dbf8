/**
 * What each precomputed structure and fast path of the engine and the loader costs and gains,
 * measured by turning it off: `node bench/optimisations.mjs [--only=id,id] [--rounds=2]
 * [--runs=20] [--warmup=3] [--rows=1e7] [--patch-only]` (10M-row datasets are generated on first
 * use; `--patch-only` applies every patch and stops, to check they still apply). Run it under
 * `flock /tmp/heavy.lock`.
 *
 * Sources are transpiled (no type check) into a scratch directory once as they are, and once per
 * variant that needs a change of code: the change is a textual patch applied to that copy only,
 * which fails loudly when its text is no longer found. Variants the code already exposes as typed
 * options (layout strategy, bucket tuning, loader options) use the unpatched copy. Each variant
 * runs in fresh processes, alternated with the unchanged build in every round (order reversed
 * from one round to the next), and the report gives medians over rounds.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { datasetSpec, ensureDataset } from './lib/datasets.mjs';
import { BENCH_DIR, RESULTS_DIR, ROOT_DIR } from './lib/paths.mjs';
import { run } from './lib/proc.mjs';

const require = createRequire(join(ROOT_DIR, 'package.json'));
const ts = require('typescript');

const LAYOUT = 'engine/columnar/columnar-layout.ts';
const PARSER = 'data/csv/sales-csv-parser.ts';
const RADIX = 'engine/columnar/radix-sort.ts';
/** The first lines of the two radix sorts' bodies, before which the patches sort otherwise. */
const TAGGED_SORT_START = `  const count = end - start;
  const tagMask = (1 << tagBits) - 1;`;
const DOUBLE_SORT_START = `  const count = end - start;
  if (count <= INSERTION_LIMIT) {`;

/** Rows never go through `canonicalRun`, so canonical ones are parsed one by one. */
const NO_CANONICAL_RUN = {
  file: PARSER,
  find: 'const after = plain.canonicalRun(buf, pos, lastLf);',
  replace: 'const after = pos;',
};

/**
 * `serves`: the queries (or `load`) the structure exists for. `variant`: how it is turned off
 * (see `lib/optimisation-child.mjs`). `patch`: textual changes to `src/<file>` for this variant's
 * build. `countries`: datasets (10M rows) it is measured on.
 */
const VARIANTS = [
  {
    id: 'value-buckets',
    what: 'value buckets: per-country counters of rows below value boundaries, per month',
    serves: ['Q1', 'Q2', 'Q3', 'Q5', 'Q6', 'Q7', 'Q9'],
    countries: [3, 20],
    // No country reaches one counter per Infinity rows, so none gets buckets.
    variant: { tuning: { rowsPerCounter: Number.POSITIVE_INFINITY, gatherLimit: 4096 } },
  },
  {
    id: 'decimal-keys',
    what: 'decimal values sorted as packed 32-bit (value, day of month) keys',
    serves: ['load'],
    countries: [3],
    variant: { strategy: { decimalKeys: false } },
  },
  {
    id: 'radix-keys',
    what: 'LSD radix sort of the packed decimal keys (TypedArray sort instead)',
    serves: ['load'],
    countries: [3],
    variant: {},
    patch: [
      {
        file: RADIX,
        find: TAGGED_SORT_START,
        replace:
          TAGGED_SORT_START.split('\n')[0] +
          '\n  for (let i = start; i < end; i++) { tagCounts[keys[i] & ((1 << tagBits) - 1)]++; }' +
          '\n  keys.subarray(start, end).sort();\n  if (end >= start) { return; }\n' +
          TAGGED_SORT_START.split('\n').slice(1).join('\n'),
      },
    ],
  },
  {
    id: 'radix-doubles',
    what: 'LSD radix sort of double values (other data): an index sort with a comparator instead',
    serves: ['load of non-decimal data'],
    countries: [3],
    relativeTo: 'decimal-keys',
    variant: { strategy: { decimalKeys: false } },
    patch: [
      {
        file: RADIX,
        find: DOUBLE_SORT_START,
        replace:
          DOUBLE_SORT_START.split('\n')[0] +
          '\n  const order = new Uint32Array(end - start).map((_, i) => start + i);' +
          '\n  order.sort((a, b) => values[a] - values[b] || a - b);' +
          '\n  const sortedValues = Float64Array.from(order, (i) => values[i]);' +
          '\n  const sortedPayload = Uint8Array.from(order, (i) => payload[i]);' +
          '\n  values.set(sortedValues, start);\n  payload.set(sortedPayload, start);' +
          '\n  if (end >= start) { return; }\n' +
          DOUBLE_SORT_START.split('\n').slice(1).join('\n'),
      },
    ],
  },
  {
    id: 'helper-thread',
    what: 'a helper thread sorting and totalling decimal blocks beside the main one',
    serves: ['load'],
    countries: [3],
    variant: { strategy: { threads: 'main' } },
  },
  {
    id: 'pair-table',
    what: 'grouping rows with one counter per (country, month)',
    serves: ['load'],
    countries: [3],
    variant: { strategy: { pairTable: false } },
  },
  {
    id: 'warm-up',
    what: 'warm-up queries run once per process after the first build',
    serves: ['first Q1'],
    countries: [3],
    variant: { warmUp: false },
  },
  {
    id: 'exact-totals',
    what: 'exact decimal totals (Σk, Σk² per day and month partition)',
    serves: ['exactness'],
    countries: [3],
    // Float arithmetic instead: answers differ in the last digits, by design.
    variant: { floatTotals: true },
    answersDiffer: true,
  },
  {
    id: 'scaled-int32',
    what: 'sorted values kept as 32-bit scaled integers instead of doubles',
    serves: ['memory'],
    countries: [3],
    variant: {},
    patch: [
      {
        file: LAYOUT,
        find: 'const stored = scan.decimal === null ? null : scaledIntegers(values, scan.decimal, alloc);',
        replace: 'const stored = null;',
      },
    ],
  },
  {
    id: 'hash-worker',
    what: 'hashing the file on a worker thread while the main one parses',
    serves: ['load'],
    countries: [3],
    variant: { loader: { hashWorkerMinBytes: Number.MAX_SAFE_INTEGER } },
  },
  {
    id: 'canonical-run',
    what: 'canonical rows parsed in one loop over consecutive rows (canonicalRun)',
    serves: ['load'],
    countries: [3],
    variant: {},
    patch: [NO_CANONICAL_RUN],
  },
  {
    id: 'plain-rows',
    what: 'every fast row path (canonicalRun, canonicalRow, row): all rows through csv-parse',
    serves: ['load'],
    countries: [3],
    variant: {},
    patch: [
      NO_CANONICAL_RUN,
      {
        file: PARSER,
        find: 'let next = canonical ? plain.canonicalRow(buf, pos) : -1;',
        replace: 'let next = -1;',
      },
      { file: PARSER, find: 'next = plain.row(buf, pos);', replace: 'next = -1;' },
    ],
  },
];

function option(name, fallback) {
  const flag = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  return flag === undefined ? fallback : flag.slice(name.length + 3);
}

const only = option('only', null)?.split(',') ?? null;
const rounds = Number(option('rounds', '2'));
const rows = Number(option('rows', '1e7'));
const timing = {
  runs: Number(option('runs', '20')),
  warmup: Number(option('warmup', '3')),
  budgetMs: 3000,
  minRuns: 3,
};
const wanted = VARIANTS.filter((v) => only === null || only.includes(v.id));
// A variant measured against another one needs that one in the run too.
const selected = VARIANTS.filter(
  (v) => wanted.includes(v) || wanted.some((w) => w.relativeTo === v.id),
);
if (selected.length === 0) {
  throw new Error(`no variant among ${VARIANTS.map((v) => v.id).join(', ')}`);
}

const SCRATCH = join(tmpdir(), `optimisations-bench-${process.pid}`);

function sourcesOf(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      return sourcesOf(path);
    }
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Transpiles src/ with `patch` applied into a scratch build; returns its directory. */
function transpile(id, patch = []) {
  const srcDir = join(ROOT_DIR, 'src');
  const outDir = join(SCRATCH, id);
  const pending = new Map(patch.map((change, i) => [i, change]));
  for (const file of sourcesOf(srcDir)) {
    const name = relative(srcDir, file);
    let text = readFileSync(file, 'utf8');
    for (const [i, change] of pending) {
      if (change.file !== name) {
        continue;
      }
      const at = text.indexOf(change.find);
      if (at < 0 || text.indexOf(change.find, at + 1) >= 0) {
        throw new Error(`${id}: "${change.find}" is not found once in src/${name}`);
      }
      text = text.slice(0, at) + change.replace + text.slice(at + change.find.length);
      pending.delete(i);
    }
    const { outputText } = ts.transpileModule(text, {
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
        esModuleInterop: true,
      },
      fileName: file,
    });
    const out = join(outDir, 'src', name.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  if (pending.size > 0) {
    throw new Error(`${id}: patched file not found: ${[...pending.values()].map((c) => c.file)}`);
  }
  return outDir;
}

async function runChild(build, csv, variant) {
  const out = join(SCRATCH, `result-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const nodePath = [build, join(ROOT_DIR, 'node_modules')].join(':');
  await run(
    process.execPath,
    [
      '--expose-gc',
      join(BENCH_DIR, 'lib', 'optimisation-child.mjs'),
      JSON.stringify({ build, csv, variant, timing }),
    ],
    { cwd: ROOT_DIR, env: { ...process.env, NODE_PATH: nodePath, BENCH_OUT: out } },
  );
  return JSON.parse(readFileSync(out, 'utf8'));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(3));
const mib = (bytes) => (bytes / 1048576).toFixed(1);

const startedLoad = loadavg();
console.log(`load average at start: ${startedLoad.map((x) => x.toFixed(2)).join(' ')}`);
mkdirSync(SCRATCH, { recursive: true });
const builds = { base: transpile('base') };
for (const v of selected) {
  builds[v.id] = v.patch === undefined ? builds.base : transpile(v.id, v.patch);
}
if (process.argv.includes('--patch-only')) {
  rmSync(SCRATCH, { recursive: true, force: true });
  console.log(`every patch applies: ${selected.filter((v) => v.patch).map((v) => v.id)}`);
  process.exit(0);
}

const report = [];
try {
  for (const countries of [3, 20]) {
    const variants = selected.filter((v) => v.countries.includes(countries));
    if (variants.length === 0) {
      continue;
    }
    const spec = datasetSpec(countries, rows);
    await ensureDataset(spec);
    const results = { base: [], ...Object.fromEntries(variants.map((v) => [v.id, []])) };
    const order = [{ id: 'base', variant: {} }, ...variants];
    for (let round = 0; round < rounds; round++) {
      for (const entry of round % 2 === 0 ? order : [...order].reverse()) {
        const result = await runChild(builds[entry.id], spec.path, entry.variant);
        results[entry.id].push(result);
        console.log(
          `${spec.id} round ${round + 1} ${entry.id}: load ${ms(result.loadMs)} ms (parse ` +
            `${ms(result.parseMs)}, CPU ${ms(result.parseCpuMs)}; index ${ms(result.indexMs)}, ` +
            `CPU ${ms(result.indexCpuMs)}), live ` +
            `${mib(result.liveBytes)} MiB, ` +
            Object.entries(result.queries)
              .map(([q, r]) => `${q} ${ms(r.p50)}`)
              .join(' '),
        );
      }
    }
    const summary = (list) => ({
      parseMs: median(list.map((r) => r.parseMs)),
      indexMs: median(list.map((r) => r.indexMs)),
      parseCpuMs: median(list.map((r) => r.parseCpuMs)),
      indexCpuMs: median(list.map((r) => r.indexCpuMs)),
      warmUpMs: median(list.map((r) => r.warmUpMs)),
      loadMs: median(list.map((r) => r.loadMs)),
      liveBytes: median(list.map((r) => r.liveBytes)),
      rssBytes: median(list.map((r) => r.rssBytes)),
      bucketBytes: median(list.map((r) => r.bucketBytes)),
      queries: Object.fromEntries(
        Object.keys(list[0].queries).map((q) => [
          q,
          {
            p50: median(list.map((r) => r.queries[q].p50)),
            firstMs: median(list.map((r) => r.queries[q].firstMs)),
            answer: list[0].queries[q].answer,
          },
        ]),
      ),
    });
    const base = summary(results.base);
    report.push({ dataset: spec.id, id: 'base', ...base, each: results.base });
    for (const v of variants) {
      const off = summary(results[v.id]);
      const on = v.relativeTo === undefined ? base : summary(results[v.relativeTo]);
      const differs = Object.keys(on.queries).filter(
        (q) => on.queries[q].answer !== off.queries[q].answer,
      );
      if (differs.length > 0 && v.answersDiffer !== true) {
        console.error(
          `${v.id} on ${spec.id}: ANSWERS DIFFER from the build it is compared with on ${differs}`,
        );
        process.exitCode = 1;
      }
      report.push({
        dataset: spec.id,
        id: v.id,
        relativeTo: v.relativeTo ?? 'base',
        differs,
        ...off,
        each: results[v.id],
      });
      const gains = Object.keys(on.queries)
        .map((q) => {
          const ratio = off.queries[q].p50 / on.queries[q].p50;
          return `${q} ${ms(on.queries[q].p50)} → ${ms(off.queries[q].p50)} (${ratio.toFixed(2)}×)`;
        })
        .join(', ');
      console.log(
        `\n${v.id} (${spec.id}, on → off${v.relativeTo ? ` (both without ${v.relativeTo})` : ''}; serves ${v.serves.join(' ')}): ` +
          `load ${ms(on.loadMs)} → ${ms(off.loadMs)} ms ` +
          `(parse ${ms(on.parseMs)} → ${ms(off.parseMs)}, CPU ${ms(on.parseCpuMs)} → ` +
          `${ms(off.parseCpuMs)}; index ${ms(on.indexMs)} → ${ms(off.indexMs)}, CPU ` +
          `${ms(on.indexCpuMs)} → ${ms(off.indexCpuMs)}; warm-up ${ms(on.warmUpMs)} → ` +
          `${ms(off.warmUpMs)}); ` +
          `live ${mib(on.liveBytes)} → ${mib(off.liveBytes)} MiB, ` +
          `RSS ${mib(on.rssBytes)} → ${mib(off.rssBytes)} MiB, ` +
          `value buckets ${mib(on.bucketBytes)} → ${mib(off.bucketBytes)} MiB; ` +
          `first Q1 ${ms(on.queries.Q1.firstMs)} → ${ms(off.queries.Q1.firstMs)} ms; p50 ${gains}` +
          (differs.length > 0 ? `; answers differ on ${differs.join(' ')}` : ''),
      );
    }
  }
} finally {
  rmSync(SCRATCH, { recursive: true, force: true });
}
const endLoad = loadavg();
console.log(`\nload average at end: ${endLoad.map((x) => x.toFixed(2)).join(' ')}`);
mkdirSync(RESULTS_DIR, { recursive: true });
const file = join(
  RESULTS_DIR,
  `optimisations-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
);
writeFileSync(
  file,
  JSON.stringify({ loadAverage: { start: startedLoad, end: endLoad }, rounds, timing, report }),
);
console.log(`full results: ${file}`);
