import { closeEnough } from './stats.mjs';

export const RELATIVE_TOLERANCE = 1e-9;

/**
 * Compares two canonical answers (arrays of {country, period, rows, values}); returns null when
 * they agree, else a short description of the first difference.
 */
export function diffAnswers(ours, reference, rel = RELATIVE_TOLERANCE) {
  if (ours.length !== reference.length) {
    return `${ours.length} groups vs ${reference.length}`;
  }
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i];
    const b = reference[i];
    const where = `group ${a.country ?? '*'}/${a.period ?? '*'}`;
    if (a.country !== b.country || a.period !== b.period) {
      return `group #${i}: ${a.country}/${a.period} vs ${b.country}/${b.period}`;
    }
    if (a.rows !== b.rows) {
      return `${where}: ${a.rows} rows vs ${b.rows}`;
    }
    if (a.values.length !== b.values.length) {
      return `${where}: ${a.values.length} values vs ${b.values.length}`;
    }
    for (let j = 0; j < a.values.length; j++) {
      if (!closeEnough(a.values[j], b.values[j], rel)) {
        return `${where} value #${j}: ${a.values[j]} vs ${b.values[j]}`;
      }
    }
  }
  return null;
}
