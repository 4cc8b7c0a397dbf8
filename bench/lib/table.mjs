/** Formatting for the report table. */

export function fmtMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) {
    return '—';
  }
  if (ms >= 1000) {
    return `${(ms / 1000).toFixed(2)} s`;
  }
  const digits = ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0;
  return `${ms.toFixed(digits)} ms`;
}

export function fmtMiB(bytes) {
  return bytes === null || bytes === undefined ? '—' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function fmtRatio(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) {
    return '—';
  }
  return ratio >= 10
    ? `${ratio.toFixed(0)}×`
    : ratio >= 0.1
      ? `${ratio.toFixed(2)}×`
      : `${ratio.toFixed(4)}×`;
}

export function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b !== 0 ? a / b : null;
}

/** true/false → yes/NO; null (not measured) → n/a. */
export function fmtMet(met) {
  return met === null || met === undefined ? 'n/a' : met ? 'yes' : 'NO';
}

const HEADER = ['', 'ours', 'reference', 'ratio', 'target', 'met?'];

/**
 * Rows are { label, ours, ref, ratio, target, met } (already formatted) or { section } headings.
 * Plain ASCII-aligned columns so the output pastes into issues and commit messages unchanged.
 */
export function renderTable(rows) {
  const cells = rows.map((row) =>
    row.section ? null : [row.label, row.ours, row.ref, row.ratio, row.target, row.met],
  );
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...cells.filter(Boolean).map((c) => String(c[i]).length)),
  );
  const line = (values) =>
    values
      .map((v, i) => (i === 0 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i])))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(HEADER), rule];
  rows.forEach((row, i) => {
    out.push(row.section ? `[${row.section}]` : line(cells[i]));
  });
  return out.join('\n');
}

/** A plain Markdown table, columns padded to their widest cell. */
export function markdownTable(header, rows) {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => String(row[i]).length)),
  );
  const line = (cells) =>
    `| ${cells.map((cell, i) => String(cell).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join(
    '\n',
  );
}
