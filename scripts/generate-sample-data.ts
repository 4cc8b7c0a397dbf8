/**
 * Deterministic synthetic sales exports (`country,value,fecha`, dates as DD/MM/YYYY, rows in date
 * order). `npm run data:sample` writes the small committed sample; the benchmark calls
 * `generateSalesCsv` for its 1M/10M-row files, so the same seed always yields the same bytes.
 *
 * CLI: ts-node scripts/generate-sample-data.ts [--rows N] [--seed N] [--countries AR,CL,UY]
 *      [--from-year YYYY] [--to-year YYYY] [--out path]
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fromDayNumber, toDayNumber } from '../src/common/calendar/day-number';

export interface SalesCsvOptions {
  readonly rows: number;
  readonly seed: number;
  /** Upper-case ISO alpha-2 codes. */
  readonly countries: readonly string[];
  /** Inclusive calendar-year range of the `fecha` column. */
  readonly fromYear: number;
  readonly toYear: number;
  readonly outPath: string;
}

export interface SalesCsvSummary {
  readonly rows: number;
  readonly bytes: number;
  readonly outPath: string;
}

export const DEFAULT_SAMPLE_OPTIONS: SalesCsvOptions = {
  rows: 5000,
  seed: 20240531,
  countries: ['AR', 'CL', 'UY', 'BR', 'MX', 'CO', 'PE'],
  fromYear: 2023,
  toYear: 2025,
  outPath: 'data/sales.csv',
};

/** Twenty codes for wide-cardinality datasets; the first three are the original service's. */
export const TWENTY_COUNTRIES = [
  'AR',
  'CL',
  'UY',
  'BR',
  'MX',
  'CO',
  'PE',
  'EC',
  'BO',
  'PY',
  'VE',
  'CR',
  'PA',
  'GT',
  'DO',
  'US',
  'CA',
  'ES',
  'PT',
  'IT',
] as const;

/** Typical ticket (median value) per country; unknown codes get a level derived from the code. */
const KNOWN_LEVELS: Readonly<Record<string, number>> = {
  AR: 1200,
  CL: 950,
  UY: 700,
  BR: 1500,
  MX: 1100,
  CO: 600,
  PE: 520,
};

/** Relative share of rows; bigger markets sell more often. */
const KNOWN_WEIGHTS: Readonly<Record<string, number>> = {
  AR: 5,
  CL: 4,
  UY: 2,
  BR: 7,
  MX: 6,
  CO: 3,
  PE: 3,
};

/** mulberry32: tiny, fast and good enough for synthetic data; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function codeHash(code: string): number {
  let h = 0;
  for (let i = 0; i < code.length; i++) {
    h = (h * 31 + code.charCodeAt(i)) >>> 0;
  }
  return h;
}

function levelOf(code: string): number {
  return KNOWN_LEVELS[code] ?? 300 + (codeHash(code) % 1700);
}

function weightOf(code: string): number {
  return KNOWN_WEIGHTS[code] ?? 1 + (codeHash(code) % 5);
}

/** Month multiplier: a mid-year dip plus the November/December shopping peak. */
const SEASONALITY = [0.95, 0.9, 1.0, 0.98, 1.02, 0.92, 0.9, 0.96, 1.0, 1.04, 1.15, 1.3];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function formatCents(cents: number): string {
  const frac = cents % 100;
  return `${(cents - frac) / 100}.${pad2(frac)}`;
}

function validate(options: SalesCsvOptions): void {
  if (!Number.isInteger(options.rows) || options.rows < 1) {
    throw new Error(`rows must be a positive integer, got ${options.rows}`);
  }
  if (options.countries.length === 0 || options.countries.length > 65535) {
    throw new Error('countries must list between 1 and 65535 codes');
  }
  for (const code of options.countries) {
    if (!/^[A-Z]{2}$/.test(code)) {
      throw new Error(`not an upper-case alpha-2 code: ${code}`);
    }
  }
  if (!Number.isInteger(options.fromYear) || options.toYear < options.fromYear) {
    throw new Error(`bad year range ${options.fromYear}..${options.toYear}`);
  }
}

/** Rows are buffered into chunks of about this many characters before each stream write. */
const CHUNK_CHARS = 1 << 20;

/**
 * Streams `rows` rows to `outPath`. Dates are spread evenly over the year range (so the file is
 * sorted by date); country, value and seasonality come from the seeded PRNG, so output depends
 * only on the options.
 */
export async function generateSalesCsv(options: SalesCsvOptions): Promise<SalesCsvSummary> {
  validate(options);
  const random = mulberry32(options.seed);
  const countries = options.countries;
  const levels = countries.map((code) => Math.log(levelOf(code)));
  // Cumulative weights for picking a country with one uniform draw.
  const cumulative: number[] = [];
  let totalWeight = 0;
  for (const code of countries) {
    totalWeight += weightOf(code);
    cumulative.push(totalWeight);
  }

  const firstDay = toDayNumber(options.fromYear, 1, 1);
  const dayCount = toDayNumber(options.toYear, 12, 31) - firstDay + 1;

  mkdirSync(dirname(resolve(options.outPath)), { recursive: true });
  const out = createWriteStream(options.outPath, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => undefined);
  let bytes = 0;
  let chunk = 'country,value,fecha\n';

  let currentDay = -1;
  let dateText = '';
  let yearFactor = 1;
  let monthFactor = 1;
  let spare: number | null = null;
  const normal = (): number => {
    // Box-Muller gives two independent normals per pair of draws; keep the second one.
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };

  for (let i = 0; i < options.rows; i++) {
    const day = firstDay + Math.floor((i * dayCount) / options.rows);
    if (day !== currentDay) {
      currentDay = day;
      const { year, month, day: dom } = fromDayNumber(day);
      dateText = `${pad2(dom)}/${pad2(month)}/${year}`;
      // Slow nominal growth year over year.
      yearFactor = Math.pow(1.06, year - options.fromYear);
      monthFactor = SEASONALITY[month - 1];
    }
    const pick = random() * totalWeight;
    let c = 0;
    while (cumulative[c] <= pick) {
      c++;
    }
    const value = Math.exp(levels[c] + 0.55 * normal()) * yearFactor * monthFactor;
    // At least one cent: a zero-value sale is not a sale.
    const cents = Math.max(1, Math.round(value * 100));
    chunk += `${countries[c]},${formatCents(cents)},${dateText}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) {
        await Promise.race([once(out, 'drain'), failed]);
      }
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await Promise.race([once(out, 'finish'), failed]);
  return { rows: options.rows, bytes, outPath: options.outPath };
}

function parseArgs(argv: readonly string[]): SalesCsvOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i];
    const value = argv[i + 1];
    if (!key.startsWith('--') || value === undefined) {
      throw new Error(`expected --flag value pairs, got "${argv.slice(i).join(' ')}"`);
    }
    flags.set(key.slice(2), value);
  }
  const numberFlag = (name: string, fallback: number): number => {
    const raw = flags.get(name);
    // Number() accepts 1e6, which is handy for row counts.
    return raw === undefined ? fallback : Number(raw);
  };
  const countries = flags.get('countries');
  return {
    rows: numberFlag('rows', DEFAULT_SAMPLE_OPTIONS.rows),
    seed: numberFlag('seed', DEFAULT_SAMPLE_OPTIONS.seed),
    countries:
      countries === undefined
        ? DEFAULT_SAMPLE_OPTIONS.countries
        : countries.split(',').map((code) => code.trim().toUpperCase()),
    fromYear: numberFlag('from-year', DEFAULT_SAMPLE_OPTIONS.fromYear),
    toYear: numberFlag('to-year', DEFAULT_SAMPLE_OPTIONS.toYear),
    outPath: flags.get('out') ?? DEFAULT_SAMPLE_OPTIONS.outPath,
  };
}

if (require.main === module) {
  generateSalesCsv(parseArgs(process.argv.slice(2)))
    .then((summary) => {
      console.log(`wrote ${summary.rows} rows (${summary.bytes} bytes) to ${summary.outPath}`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    });
}
