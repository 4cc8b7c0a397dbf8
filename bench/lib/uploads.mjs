/** Rows in each bench upload. */
export const UPLOAD_ROWS = 10_000;

/** The `i`-th bench upload: `UPLOAD_ROWS` rows of AR, CL and UY in 2026, as `text/csv`. */
export function csvOfUpload(i) {
  const lines = ['country,value,fecha'];
  for (let r = 0; r < UPLOAD_ROWS; r++) {
    const day = String(1 + ((r + i) % 28)).padStart(2, '0');
    const value = (((r * 7919 + i * 104729) % 500_000) / 100 + 1).toFixed(2);
    lines.push(`${['AR', 'CL', 'UY'][r % 3]},${value},${day}/0${1 + (i % 9)}/2026`);
  }
  return `${lines.join('\n')}\n`;
}
