import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  stdSerializers,
  type LevelWithSilent,
  type LogFn,
  type Logger,
  type SerializedError,
} from 'pino';
import type { Options, StdSerializedResults } from 'pino-http';
import type { LoggingConfig } from 'src/config/logging.config';
import {
  HEADER_VALUE_LOG_BYTES,
  STACK_LOG_BYTES,
  TEXT_LOG_BYTES,
  truncateFields,
  truncateForLog,
  URL_LOG_BYTES,
} from 'src/observability/log-truncation';
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

function accessMessage(request: IncomingMessage, response: ServerResponse): string {
  return accessMessageOf(request.method, routeTemplateOf(request), response.statusCode);
}

const truncateText = (text: unknown): unknown =>
  typeof text === 'string' ? truncateForLog(text, TEXT_LOG_BYTES) : text;

/** pino `logMethod` hook: cuts the message and any interpolated text before the line is built. */
function truncateArguments(this: Logger, args: Parameters<LogFn>, method: LogFn): void {
  for (let i = 0; i < args.length; i++) {
    (args as unknown[])[i] = truncateText(args[i]);
  }
  method.apply(this, args);
}

/** The standard error serializer, with the message and stack cut: messages may echo input. */
function serializeError(error: Error): SerializedError {
  const serialized = stdSerializers.err(error);
  return {
    ...serialized,
    message: truncateForLog(serialized.message, TEXT_LOG_BYTES),
    stack: truncateForLog(serialized.stack, STACK_LOG_BYTES),
  };
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
  const pretty = config.format === 'pretty';
  return {
    level: config.level,
    ...(pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
    // Every value a request can inflate is cut, so a line stays a few KB whatever was sent: the
    // fields of each call, its message, and below, the request and error serializers.
    hooks: { logMethod: truncateArguments },
    formatters: {
      log: truncateFields,
      // Level names and ISO times read well in collectors that do not map pino's numbers.
      ...(pretty ? {} : { level: (label: string) => ({ level: label }) }),
    },
    timestamp: isoTimePerMillisecond,
    base: undefined,
    genReqId: assignRequestId,
    serializers: {
      // Headers stay out of the logs: they may carry credentials and add nothing to the access line.
      req: ({ id, method, url }: StdSerializedResults['req']) => ({
        id: typeof id === 'string' ? truncateForLog(id, HEADER_VALUE_LOG_BYTES) : id,
        method,
        url: truncateForLog(url, URL_LOG_BYTES),
      }),
      res: ({ statusCode }: StdSerializedResults['res']) => ({ statusCode }),
      err: serializeError,
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
