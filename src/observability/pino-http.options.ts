import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LevelWithSilent } from 'pino';
import type { Options, StdSerializedResults } from 'pino-http';
import type { LoggingConfig } from 'src/config/logging.config';
import { assignRequestId } from 'src/observability/request-id';
import { routeTemplateOf } from 'src/observability/route-template';

/** Level of an access line; shared with answers served from the response cache. */
export function accessLevelOf(status: number, failed = false): LevelWithSilent {
  if (failed || status >= 500) {
    return 'error';
  }
  return status >= 400 ? 'warn' : 'info';
}

/** Message of an access line; shared with answers served from the response cache. */
export function accessMessageOf(method: string | undefined, route: string, status: number): string {
  return `${method} ${route} ${status}`;
}

function accessLevel(
  _request: IncomingMessage,
  response: ServerResponse,
  error?: Error,
): LevelWithSilent {
  return accessLevelOf(response.statusCode, Boolean(error));
}

let stampedAtMs = Number.NaN;
let stamp = '';

/**
 * pino's `stdTimeFunctions.isoTime`, formatted once per millisecond: under load many lines share
 * one, and `toISOString` was a third of the cost of an access line.
 */
export function isoTimePerMillisecond(): string {
  const now = Date.now();
  if (now !== stampedAtMs) {
    stampedAtMs = now;
    stamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return stamp;
}

/** Longer URLs (only up to MAX_URL_LENGTH reach a handler) are cut in logs to keep lines readable. */
const MAX_LOGGED_URL_LENGTH = 1024;

function accessMessage(request: IncomingMessage, response: ServerResponse): string {
  return accessMessageOf(request.method, routeTemplateOf(request), response.statusCode);
}

function truncate(text: string | undefined): string | undefined {
  return text && text.length > MAX_LOGGED_URL_LENGTH
    ? `${text.slice(0, MAX_LOGGED_URL_LENGTH)}…`
    : text;
}

interface AccessFields {
  res: ServerResponse;
  responseTime: number;
}

/**
 * pino-http settings: one access line per request (method, URL, route template, status, duration,
 * request id), and the same `req` binding on every line logged while handling it.
 */
export function pinoHttpOptions(config: LoggingConfig): Options {
  return {
    level: config.level,
    ...(config.format === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : // Level names and ISO times read well in collectors that do not map pino's numbers.
        { formatters: { level: (label: string) => ({ level: label }) } }),
    timestamp: isoTimePerMillisecond,
    base: undefined,
    genReqId: assignRequestId,
    serializers: {
      // Headers stay out of the logs: they may carry credentials and add nothing to the access line.
      req: ({ id, method, url }: StdSerializedResults['req']) => ({
        id,
        method,
        url: truncate(url),
      }),
      res: ({ statusCode }: StdSerializedResults['res']) => ({ statusCode }),
    },
    customLogLevel: accessLevel,
    customSuccessMessage: accessMessage,
    customErrorMessage: accessMessage,
    customSuccessObject: (request, _response, { res, responseTime }: AccessFields) => ({
      route: routeTemplateOf(request),
      res,
      responseTime,
    }),
    // The problem filter already logged any unexpected error with its stack, in request context.
    customErrorObject: (request, _response, _error, { res, responseTime }: AccessFields) => ({
      route: routeTemplateOf(request),
      res,
      responseTime,
    }),
  };
}
