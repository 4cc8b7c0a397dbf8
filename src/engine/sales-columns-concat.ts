import type { SalesColumns } from 'src/engine/sales-columns';

/**
 * The rows of several column sets, in order, under one country dictionary. Their values are
 * exact decimals with the most fraction digits of any part, when every part's are.
 */
export function concatSalesColumns(parts: readonly SalesColumns[]): SalesColumns {
  let rowCount = 0;
  for (const part of parts) {
    rowCount += part.rowCount;
  }
  const countries: string[] = [];
  const indexOf = new Map<string, number>();
  const countryCodes = new Uint16Array(rowCount);
  const days = new Int32Array(rowCount);
  const values = new Float64Array(rowCount);
  let offset = 0;
  for (const part of parts) {
    const remap = part.countries.map((code) => {
      let index = indexOf.get(code);
      if (index === undefined) {
        index = countries.push(code) - 1;
        indexOf.set(code, index);
      }
      return index;
    });
    const n = part.rowCount;
    for (let i = 0; i < n; i++) {
      countryCodes[offset + i] = remap[part.countryCodes[i]];
    }
    days.set(part.days.subarray(0, n), offset);
    values.set(part.values.subarray(0, n), offset);
    offset += n;
  }
  const digits = parts.map(({ fractionDigits }) => fractionDigits);
  const exact = digits.every((fractionDigits) => fractionDigits !== undefined);
  return {
    rowCount,
    countryCodes,
    countries,
    days,
    values,
    ...(exact && parts.length > 0 ? { fractionDigits: Math.max(...digits) } : {}),
  };
}
