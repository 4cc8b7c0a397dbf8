/**
 * Benchmark datasets, generated once by the project's own sample-data generator and reused while
 * the file on disk still matches the options it was generated with.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_DIR, ROOT_DIR } from './paths.mjs';
import { run } from './proc.mjs';

const THREE = ['AR', 'CL', 'UY'];
// Mirrors TWENTY_COUNTRIES in scripts/generate-sample-data.ts; kept here so the spec is explicit.
const TWENTY = 'AR,CL,UY,BR,MX,CO,PE,EC,BO,PY,VE,CR,PA,GT,DO,US,CA,ES,PT,IT'.split(',');

function label(rows) {
  return rows >= 1e6 && rows % 1e6 === 0 ? `${rows / 1e6}M` : String(rows);
}

export function datasetSpec(countryCount, rows) {
  const countries = countryCount === 20 ? TWENTY : THREE;
  if (countryCount !== 3 && countryCount !== 20) {
    throw new Error(`datasets have 3 or 20 countries, not ${countryCount}`);
  }
  const id = `${countryCount}c-${label(rows)}`;
  return {
    id,
    rows,
    countries,
    fromYear: 2015,
    toYear: 2025,
    seed: countryCount === 20 ? 2020 : 2015,
    path: join(DATA_DIR, `sales-${id}.csv`),
  };
}

function metaPath(spec) {
  return `${spec.path}.meta.json`;
}

function generatorOptions(spec) {
  const { rows, countries, fromYear, toYear, seed } = spec;
  return { rows, countries, fromYear, toYear, seed };
}

function isCurrent(spec) {
  if (!existsSync(spec.path) || !existsSync(metaPath(spec))) {
    return false;
  }
  try {
    const meta = JSON.parse(readFileSync(metaPath(spec), 'utf8'));
    return (
      JSON.stringify(meta.options) === JSON.stringify(generatorOptions(spec)) &&
      statSync(spec.path).size === meta.bytes
    );
  } catch {
    return false;
  }
}

/** Generates the dataset unless an identical one is already on disk; returns its size in bytes. */
export async function ensureDataset(spec) {
  if (isCurrent(spec)) {
    return { generated: false, bytes: statSync(spec.path).size };
  }
  console.log(`  generating ${spec.id} (${spec.rows} rows) → ${spec.path}`);
  // transpile-only: the generator is type-checked by the root lint; here we only need it to run.
  await run(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      'scripts/generate-sample-data.ts',
      ...['--rows', String(spec.rows), '--seed', String(spec.seed)],
      ...['--countries', spec.countries.join(','), '--out', spec.path],
      ...['--from-year', String(spec.fromYear), '--to-year', String(spec.toYear)],
    ],
    { cwd: ROOT_DIR },
  );
  const bytes = statSync(spec.path).size;
  writeFileSync(metaPath(spec), JSON.stringify({ options: generatorOptions(spec), bytes }));
  return { generated: true, bytes };
}
