import accepts from 'accepts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AnalysisResult } from 'src/analysis/analysis-request';

/** RFC 4180 quoting: only fields that need it are quoted. */
function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) {
    return '';
  }
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(result: AnalysisResult): string {
  const columns = [...new Set(result.results.flatMap((row) => Object.keys(row)))];
  const line = (fields: string[]): string =>
    // A lone empty field would make a blank line, which CSV readers skip: quote it, as Python's
    // csv module does, so a null result (the stddev of one row) is not lost.
    fields.length === 1 && fields[0] === '' ? '""' : fields.join(',');
  const lines = [
    line(columns.map(csvField)),
    ...result.results.map((row) => line(columns.map((column) => csvField(row[column])))),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** True when the client asked for CSV, by `format=csv` or by preferring `text/csv` in Accept. */
export function wantsCsv(request: FastifyRequest): boolean {
  const { format } = request.query as Record<string, unknown>;
  if (typeof format === 'string') {
    return format.trim().toLowerCase() === 'csv';
  }
  return accepts(request.raw).type(['application/json', 'text/csv']) === 'text/csv';
}

/**
 * The body of an analysis answer: a CSV download when the client asks for one (its type and file
 * name set on the reply), else the result itself, sent as JSON.
 */
export function analysisAnswerBody(
  result: AnalysisResult,
  request: FastifyRequest,
  reply: FastifyReply,
): AnalysisResult | string {
  if (!wantsCsv(request)) {
    return result;
  }
  const filename = `${result.dataset}-analysis-${result.query.groupBy.join('-')}.csv`;
  reply.type('text/csv; charset=utf-8');
  reply.header('Content-Disposition', `attachment; filename="${filename}"`);
  return toCsv(result);
}
