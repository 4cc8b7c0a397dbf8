import fc from 'fast-check';

/** Bytes that may stay literal in a request target; everything else is percent-encoded. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const RAW_SAFE = /^[A-Za-z0-9\-._~!$'()*+,;:@/[\]%=&]$/;

/** Percent-encodes the UTF-8 bytes of `text` (lone surrogates become U+FFFD, as on the wire). */
function encodeKeeping(text: string, keep: RegExp): string {
  const table = keep === UNRESERVED ? UNRESERVED_TABLE : RAW_SAFE_TABLE;
  const bytes = Buffer.from(text, 'utf8');
  const out = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    out[i] = table[bytes[i]];
  }
  return out.join('');
}

function encodingTable(keep: RegExp): string[] {
  return Array.from({ length: 256 }, (_, byte) => {
    const char = String.fromCharCode(byte);
    return byte < 0x80 && keep.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

const UNRESERVED_TABLE = encodingTable(UNRESERVED);
const RAW_SAFE_TABLE = encodingTable(RAW_SAFE);

/** Percent-encodes the UTF-8 bytes of `text` but for unreserved characters. */
export function percentEncode(text: string): string {
  return encodeKeeping(text, UNRESERVED);
}

/** Leaves `%`, `&`, `=` and brackets as they are, so malformed escapes and odd syntax go out raw. */
function rawEncode(text: string): string {
  return encodeKeeping(text, RAW_SAFE);
}

export const METRIC_NAMES = [
  'count',
  'sum',
  'mean',
  'median',
  'min',
  'max',
  'stddev',
  'variance',
  'p1',
  'p5',
  'p10',
  'p25',
  'p29',
  'p50',
  'p57',
  'p75',
  'p90',
  'p95',
  'p99',
];

const TRUE_SPELLINGS = ['true', 'TRUE', 'True', '1', 'yes', 'Y', 'on', 't', ' true '];
const FALSE_SPELLINGS = ['false', 'False', '0', 'no', 'N', 'off', 'f'];

const V1_KEYS = ['metrics', 'countries', 'years', 'from', 'to', 'groupBy', 'format'];
const LEGACY_KEYS = [
  'mean',
  'median',
  'max_value',
  'include_ar',
  'include_cl',
  'include_uy',
  'include_br',
  'include_mx',
  'include_pe',
  'include_zz',
  'include_',
  'global_results',
  'year',
];
/** Prototype names and bracket syntax, which neither endpoint may ever read as its own. */
const PROTOTYPE_AND_BRACKET_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'a[b]',
  'metrics[]',
  'metrics[0]',
  'countries[__proto__]',
  '__proto__[polluted]',
  'constructor[prototype][polluted]',
];

const HOSTILE_KEYS = [
  ...PROTOTYPE_AND_BRACKET_KEYS,
  'groupBy[length]',
  '',
  ' ',
  'METRICS',
  'Mean',
  'include_AR',
  'include_a r',
  'year ',
];

const INTERESTING_VALUES = [
  '',
  ' ',
  ',',
  ',,,',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '0',
  '-0',
  '+0',
  '1e400',
  '1e3',
  '0x7E8',
  '2024.0',
  '2024.5',
  '-2024',
  '+2024',
  '02024',
  '99999999999999999999999',
  '999999999999999',
  '9007199254740993',
  '2024-02-29',
  '2023-02-29',
  '2024-13-01',
  '2024-1-5',
  '0000-01-01',
  '9999-12-31',
  '10000-01-01',
  '2024-01-05T00:00:00Z',
  '31/02/2024',
  '[]',
  '{}',
  '{"a":1}',
  '["mean"]',
  'true',
  'maybe',
  'p0',
  'p100',
  'p50.5',
  'p05',
  'p-1',
  'P90',
  'median,median',
  'country,country',
  'none,none',
  'none,country',
  'year,quarter',
  'csv',
  'CSV',
  'xml',
  'ar',
  'AR,ZZ',
  'ARG',
  'A',
  'ÄR',
  '\u0000',
  '\u202EAR',
  'A\u0301R',
  '😀',
  '\uD800',
  '\uFFFF',
  '__proto__',
  'constructor',
  '<script>alert(1)</script>',
  "'; DROP TABLE sales; --",
  '../../etc/passwd',
];

/** Fragments written straight into the query string, malformed escapes and odd syntax included. */
const RAW_FRAGMENTS = [
  '',
  '=',
  '==',
  '&',
  '%',
  '%%',
  '%E0%A4%A',
  '%zz',
  '%FF',
  '%C0%AF',
  '%ED%A0%80',
  '%00',
  'metrics=%',
  'metrics=%E0%A4%A',
  'countries=%FF',
  'year=%2',
  'metrics',
  'mean',
  'a[b]=c',
  'a[b][c]=d',
  'metrics[]=mean',
  'metrics[]=mean&metrics[]=sum',
  'metrics[0]=mean',
  'countries[__proto__]=AR',
  '__proto__[polluted]=1',
  '__proto__.polluted=1',
  'constructor[prototype][polluted]=1',
  'metrics=mean=sum',
  'year=2024&year=2025',
  'include_ar=true&include_ar=false',
  'mean=true&mean=true',
  'format=csv&format=json',
  'from=2024-01-01&from=2024-02-01',
  '?metrics=mean',
  '#metrics=mean',
  ';metrics=mean',
];

/** 1,000 to 10,000 characters of one repeated unit: separators, escapes, multi-byte text. */
export const longText = fc
  .record({
    unit: fc.constantFrom('a', 'AR,', '9', ',', '%', 'é', 'p9', 'mean,', '%E0'),
    length: fc.integer({ min: 1_000, max: 10_000 }),
  })
  .map(({ unit, length }) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

const interestingValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...INTERESTING_VALUES) },
  { weight: 3, arbitrary: fc.constantFrom(...METRIC_NAMES, 'AR', 'CL', 'UY', 'BR', 'MX', 'PE') },
  { weight: 2, arbitrary: fc.constantFrom(...TRUE_SPELLINGS, ...FALSE_SPELLINGS) },
  { weight: 2, arbitrary: fc.integer({ min: -10_000, max: 10_000 }).map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc
      .array(fc.constantFrom(...METRIC_NAMES, 'AR', 'ZZ', '2024', 'none', 'month', ''), {
        maxLength: 6,
      })
      .map((items) => items.join(',')),
  },
  { weight: 1, arbitrary: longText },
);

const key = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...V1_KEYS, ...LEGACY_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
);

type Encoding = 'encoded' | 'raw' | 'double';
const encoding = fc.constantFrom<Encoding>('encoded', 'encoded', 'raw', 'double');

function encodeAs(text: string, how: Encoding): string {
  switch (how) {
    case 'encoded':
      return percentEncode(text);
    case 'raw':
      return rawEncode(text);
    case 'double':
      return percentEncode(percentEncode(text));
  }
}

const queryPart = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ key, value: interestingValue, keyEncoding: encoding, valueEncoding: encoding })
      .map(({ key, value, keyEncoding, valueEncoding }) =>
        keyEncoding === 'encoded' && valueEncoding === 'encoded' && value === ''
          ? percentEncode(key)
          : `${encodeAs(key, keyEncoding)}=${encodeAs(value, valueEncoding)}`,
      ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) },
);

/**
 * Longest request target sent: a 10k-character value doubly percent-encoded, say. Past the
 * header limit (MAX_HEADER_BYTES) the HTTP parser refuses the request with a 431 problem.
 */
export const MAX_PATH_CHARS = 100_000;

/** A hostile query string: known and unknown keys, bad values, broken escapes, odd syntax. */
export const hostileQuery = fc
  .record({
    parts: fc.array(queryPart, { minLength: 0, maxLength: 8 }),
    separator: fc.constantFrom('&', '&', '&', '&&', ';'),
  })
  .map(({ parts, separator }) => parts.join(separator));

/** A path segment standing for a dataset name: real ones, prototype names, broken escapes. */
export const datasetSegment = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'sales',
      'partial',
      'SALES',
      'sales%20',
      'sales%00',
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      '%E0%A4%A',
      '%',
      '%zz',
      '%FF',
      '%2e%2e',
      '..',
      '.',
      '%2F',
      'sales%2Fanalysis',
      'sales;x=1',
      'a[b]',
      '%5F%5Fproto%5F%5F',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).map(percentEncode),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(rawEncode),
  },
  { weight: 1, arbitrary: longText.map(rawEncode) },
);

const acceptHeader = fc.option(
  fc.constantFrom(
    'text/csv',
    'application/json',
    '*/*',
    'text/csv;q=0.5, application/json',
    'application/json;q=0.1, text/csv',
    'text/html',
    'image/png',
    'garbage',
    '',
    ';;;,,,',
  ),
  { nil: undefined },
);

export interface HostileProbe {
  readonly kind: 'hostile';
  readonly path: string;
  readonly accept?: string;
}

export const hostileV1Probe: fc.Arbitrary<HostileProbe> = fc
  .record({ dataset: datasetSegment, query: hostileQuery, accept: acceptHeader })
  .map(({ dataset, query, accept }): HostileProbe => ({
    kind: 'hostile',
    path: `/v1/datasets/${dataset}/analysis?${query}`,
    accept,
  }))
  .filter(({ path }) => path.length <= MAX_PATH_CHARS);

export const hostileLegacyProbe: fc.Arbitrary<HostileProbe> = fc
  .record({ query: hostileQuery, accept: acceptHeader })
  .map(({ query, accept }): HostileProbe => ({
    kind: 'hostile',
    path: `/data_analysis?${query}`,
    accept,
  }))
  .filter(({ path }) => path.length <= MAX_PATH_CHARS);

export const hostileSummaryProbe: fc.Arbitrary<HostileProbe> = fc
  .record({ dataset: fc.option(datasetSegment, { nil: undefined }), query: hostileQuery })
  .map(({ dataset, query }): HostileProbe => ({
    kind: 'hostile',
    path: `/v1/datasets${dataset === undefined ? '' : `/${dataset}`}?${query}`,
  }))
  .filter(({ path }) => path.length <= MAX_PATH_CHARS);

/** Keys neither endpoint declares: prototype names, bracket syntax, near-misses in case. */
const UNKNOWN_KEYS = [
  ...PROTOTYPE_AND_BRACKET_KEYS,
  'METRICS',
  'Mean',
  'colour',
  'include_AR',
  'include_arg',
];

/** One parameter no endpoint knows, as a query-string part, with the key the server reads. */
export const unknownParameter = fc
  .record({
    key: fc.constantFrom(...UNKNOWN_KEYS),
    value: fc.constantFrom('x', '1', 'true', '', 'mean', '{}'),
    encoded: fc.boolean(),
  })
  .map(({ key, value, encoded }) => ({
    key,
    part: `${encoded ? percentEncode(key) : rawEncode(key)}=${percentEncode(value)}`,
  }));

/** A well-formed v1 analysis request, with the answer's ingredients kept apart from its path. */
export interface V1Probe {
  readonly kind: 'v1';
  readonly dataset: string;
  readonly metrics: readonly string[];
  readonly countries: readonly string[] | null;
  readonly years: readonly number[] | null;
  readonly from: string | null;
  readonly to: string | null;
  /** As sent; empty means the parameter is left out. */
  readonly groupBy: readonly string[];
  readonly format: 'json' | 'json-param' | 'csv-param' | 'csv-accept';
  readonly path: string;
  readonly accept?: string;
}

/** Sort keys for up to 16 query parameters, so parameter order varies too. */
const PART_ORDER = fc.array(fc.nat({ max: 1000 }), { minLength: 16, maxLength: 16 });

function shuffle<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, index) => ({ item, key: keys[index % keys.length] }))
    .sort((a, b) => a.key - b.key)
    .map(({ item }) => item);
}

const FIRST_DAY = Date.UTC(2022, 9, 1);
const LAST_DAY = Date.UTC(2025, 3, 30);
const isoDate = fc
  .integer({ min: 0, max: (LAST_DAY - FIRST_DAY) / 86_400_000 })
  .map((offset) => new Date(FIRST_DAY + offset * 86_400_000).toISOString().slice(0, 10));

/** Sends a list as a comma list, as repeated keys, or as a mix of both, items in any case. */
function listParameter(name: string, items: readonly string[], style: number): string {
  if (style === 0 || items.length < 2) {
    return `${name}=${items.map(percentEncode).join(',')}`;
  }
  if (style === 1) {
    return items.map((item) => `${name}=${percentEncode(item)}`).join('&');
  }
  const [first, ...rest] = items;
  return `${name}=${percentEncode(first)}&${name}=${rest.map(percentEncode).join('%2C')}`;
}

export function validV1Probe(datasets: Record<string, readonly string[]>): fc.Arbitrary<V1Probe> {
  return fc
    .constantFrom(...Object.keys(datasets))
    .chain((dataset) =>
      fc.record({
        dataset: fc.constant(dataset),
        metrics: fc.uniqueArray(fc.constantFrom(...METRIC_NAMES), { minLength: 1, maxLength: 5 }),
        repeatFirstMetric: fc.boolean(),
        upperCase: fc.boolean(),
        countries: fc.option(fc.subarray([...datasets[dataset]], { minLength: 1 }), { nil: null }),
        years: fc.option(
          fc.uniqueArray(fc.integer({ min: 2021, max: 2026 }), { minLength: 1, maxLength: 3 }),
          { nil: null },
        ),
        from: fc.option(isoDate, { nil: null }),
        to: fc.option(isoDate, { nil: null }),
        groupBy: fc.constantFrom(
          [],
          ['country'],
          ['year'],
          ['quarter'],
          ['month'],
          ['country', 'year'],
          ['quarter', 'country'],
          ['country', 'month'],
          ['none'],
          ['none', 'none'],
          ['country', 'country'],
          ['year', 'year'],
          ['month', 'country', 'MONTH'],
          ['MONTH', 'Country'],
        ),
        format: fc.constantFrom<V1Probe['format']>('json', 'json-param', 'csv-param', 'csv-accept'),
        listStyle: fc.integer({ min: 0, max: 2 }),
        order: PART_ORDER,
      }),
    )
    .map((drawn) => {
      const [from, to] =
        drawn.from !== null && drawn.to !== null && drawn.from > drawn.to
          ? [drawn.to, drawn.from]
          : [drawn.from, drawn.to];
      const sentMetrics = [
        ...drawn.metrics.map((metric) => (drawn.upperCase ? metric.toUpperCase() : metric)),
        ...(drawn.repeatFirstMetric ? [drawn.metrics[0]] : []),
      ];
      const sentCountries = drawn.countries?.map((code, index) =>
        drawn.upperCase && index % 2 === 0 ? code.toLowerCase() : code,
      );
      const parts = [
        listParameter('metrics', sentMetrics, drawn.listStyle),
        ...(sentCountries ? [listParameter('countries', sentCountries, drawn.listStyle)] : []),
        ...(drawn.years ? [listParameter('years', drawn.years.map(String), drawn.listStyle)] : []),
        ...(from ? [`from=${from}`] : []),
        ...(to ? [`to=${to}`] : []),
        ...(drawn.groupBy.length > 0
          ? [listParameter('groupBy', drawn.groupBy, drawn.listStyle)]
          : []),
        ...(drawn.format === 'csv-param' ? ['format=csv'] : []),
        ...(drawn.format === 'json-param' ? ['format=json'] : []),
      ];
      const query = shuffle(parts, drawn.order).join('&');
      return {
        kind: 'v1',
        dataset: drawn.dataset,
        metrics: sentMetrics,
        countries: drawn.countries,
        years: drawn.years,
        from,
        to,
        groupBy: drawn.groupBy,
        format: drawn.format,
        path: `/v1/datasets/${drawn.dataset}/analysis?${query}`,
        accept: drawn.format === 'csv-accept' ? 'text/csv' : undefined,
      };
    });
}

/** A well-formed `GET /data_analysis` request; `null` flags are left out of the query. */
export interface LegacyProbe {
  readonly kind: 'legacy';
  readonly mean: boolean | null;
  readonly median: boolean | null;
  readonly max: boolean | null;
  /** Lower-case code → flag. */
  readonly include: Readonly<Record<string, boolean | null>>;
  readonly year: number | null;
  readonly global: boolean | null;
  readonly path: string;
}

export function validLegacyProbe(countries: readonly string[]): fc.Arbitrary<LegacyProbe> {
  const flag = fc.option(fc.boolean(), { nil: null });
  // A country the dataset lacks, set now and then: the answer is then a 400 naming its flag.
  const rareFlag = fc.oneof(
    { weight: 7, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.boolean() },
  );
  const include = fc.record({
    ...Object.fromEntries(countries.map((code) => [code.toLowerCase(), flag])),
    zz: rareFlag,
  });
  return fc
    .record({
      mean: flag,
      median: flag,
      max: flag,
      include,
      year: fc.option(fc.integer({ min: 2021, max: 2026 }), { nil: null }),
      yearStyle: fc.constantFrom('', '+', '%20', '0'),
      global: flag,
      spelling: fc.nat(),
      order: PART_ORDER,
    })
    .map((drawn) => {
      let spelling = drawn.spelling;
      const flagValue = (value: boolean): string => {
        const spellings = value ? TRUE_SPELLINGS : FALSE_SPELLINGS;
        return percentEncode(spellings[spelling++ % spellings.length]);
      };
      const parts: string[] = [];
      const add = (name: string, value: boolean | null): void => {
        if (value !== null) {
          parts.push(`${name}=${flagValue(value)}`);
        }
      };
      add('mean', drawn.mean);
      add('median', drawn.median);
      add('max_value', drawn.max);
      for (const [code, value] of Object.entries(drawn.include)) {
        add(`include_${code}`, value);
      }
      add('global_results', drawn.global);
      if (drawn.year !== null) {
        parts.push(
          drawn.yearStyle === '%20'
            ? `year=%20${drawn.year}%20`
            : `year=${drawn.yearStyle === '+' ? '%2B' : drawn.yearStyle}${drawn.year}`,
        );
      }
      const query = shuffle(parts, drawn.order).join('&');
      return {
        kind: 'legacy',
        mean: drawn.mean,
        median: drawn.median,
        max: drawn.max,
        include: drawn.include,
        year: drawn.year,
        global: drawn.global,
        path: `/data_analysis?${query}`,
      };
    });
}

const MUTATIONS = [
  'encode-char',
  'empty-part',
  'duplicate-part',
  'drop-part',
  'pad-value',
  'upper-value',
  'upper-part',
  'encode-commas',
] as const;

function mutate(query: string, mutation: (typeof MUTATIONS)[number], at: number): string {
  const parts = query.split('&');
  const i = at % parts.length;
  const part = parts[i];
  const eq = part.indexOf('=');
  switch (mutation) {
    case 'encode-char': {
      // Percent-encoding an unreserved character, in either hex case, changes nothing.
      const j = at % Math.max(1, query.length);
      const char = query[j] ?? '';
      if (!/^[A-Za-z0-9]$/.test(char)) {
        return query;
      }
      const hex = char.charCodeAt(0).toString(16);
      return `${query.slice(0, j)}%${at % 2 ? hex.toUpperCase() : hex}${query.slice(j + 1)}`;
    }
    case 'empty-part':
      return [...parts.slice(0, i), '', ...parts.slice(i)].join('&');
    case 'duplicate-part':
      return [...parts, part].join('&');
    case 'drop-part':
      return parts.filter((_, k) => k !== i).join('&');
    case 'pad-value':
      return eq < 0
        ? query
        : parts
            .map((p, k) => (k === i ? `${p.slice(0, eq + 1)}%20${p.slice(eq + 1)}%20` : p))
            .join('&');
    case 'upper-value':
      return eq < 0
        ? query
        : parts
            .map((p, k) => (k === i ? p.slice(0, eq + 1) + p.slice(eq + 1).toUpperCase() : p))
            .join('&');
    case 'upper-part':
      return parts.map((p, k) => (k === i ? p.toUpperCase() : p)).join('&');
    case 'encode-commas':
      return query.replaceAll(',', at % 2 ? '%2C' : '%2c');
  }
}

/**
 * A valid request bent slightly: characters percent-encoded, parts doubled, dropped or padded,
 * values upper-cased. Many stay valid, so the answer's numbers get checked; others must be
 * refused cleanly.
 */
export function mutatedProbe(
  valid: fc.Arbitrary<{ readonly path: string }>,
): fc.Arbitrary<HostileProbe> {
  return fc
    .record({
      probe: valid,
      mutations: fc.array(
        fc.record({ mutation: fc.constantFrom(...MUTATIONS), at: fc.nat({ max: 10_000 }) }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ probe, mutations }): HostileProbe => {
      const q = probe.path.indexOf('?');
      const query = mutations.reduce(
        (current, { mutation, at }) => mutate(current, mutation, at),
        probe.path.slice(q + 1),
      );
      return { kind: 'hostile', path: `${probe.path.slice(0, q + 1)}${query}` };
    });
}
