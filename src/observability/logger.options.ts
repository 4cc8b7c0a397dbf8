import {
  stdSerializers,
  type Level,
  type LogFn,
  type Logger,
  type LoggerOptions,
  type SerializedError,
} from 'pino';
import type { LoggingConfig } from 'src/config/logging.config';
import {
  HEADER_VALUE_LOG_BYTES,
  STACK_LOG_BYTES,
  TEXT_LOG_BYTES,
  truncateFields,
  truncateForLog,
  URL_LOG_BYTES,
} from 'src/observability/log-truncation';

/** Level of an access line: 4xx are warnings, 5xx and failed answers errors. */
export function accessLevelOf(status: number, failed = false): Level {
  if (failed || status >= 500) {
    return 'error';
  }
  return status >= 400 ? 'warn' : 'info';
}

/** Message of an access line: method, route template and status. */
export function accessMessageOf(method: string | undefined, route: string, status: number): string {
  return `${method} ${route} ${status}`;
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

/**
 * pino settings of the service's one logger: level names and ISO times, and every value a request
 * can inflate cut so that a line stays a few KB whatever was sent (the fields of each call, its
 * message, the request and error serializers).
 */
export function loggerOptions(config: LoggingConfig): LoggerOptions {
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
    hooks: { logMethod: truncateArguments },
    formatters: {
      log: truncateFields,
      // Level names and ISO times read well in collectors that do not map pino's numbers.
      ...(pretty ? {} : { level: (label: string) => ({ level: label }) }),
    },
    timestamp: isoTimePerMillisecond,
    base: undefined,
    serializers: {
      // Headers stay out of the logs: they may carry credentials and add nothing to the access line.
      req: ({ id, method, url }: AccessRequest) => ({
        id: truncateForLog(id, HEADER_VALUE_LOG_BYTES),
        method,
        url: truncateForLog(url, URL_LOG_BYTES),
      }),
      err: serializeError,
    },
  };
}

/** What an access line says of the request; the URL and id are cut by the `req` serializer. */
export interface AccessRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
}

/**
 * The `req` field of a line. A class instance, so that the field formatter (which cuts plain
 * objects' strings to `TEXT_LOG_BYTES`) leaves it to the `req` serializer and its own bounds.
 */
class LoggedRequest implements AccessRequest {
  constructor(
    readonly id: string,
    readonly method: string,
    readonly url: string,
  ) {}
}

/** A request as its log lines name it. */
export function loggedRequest({ id, method, url }: AccessRequest): AccessRequest {
  return new LoggedRequest(id, method, url);
}

/**
 * One request's access line as the service's pino logger writes it in JSON (the same fields, in
 * the same order, cut to the same bounds), built as one string: through pino's object path the
 * line cost about a fifth of a cached answer's CPU (see bench/README.md).
 */
export function accessLine(
  level: Level,
  { id, method, url }: AccessRequest,
  route: string,
  statusCode: number,
  responseTimeMs: number,
): string {
  const message = truncateForLog(accessMessageOf(method, route, statusCode), TEXT_LOG_BYTES);
  return (
    `{"level":"${level}"${isoTimePerMillisecond()}` +
    `,"req":{"id":${JSON.stringify(truncateForLog(id, HEADER_VALUE_LOG_BYTES))}` +
    `,"method":${JSON.stringify(method)}` +
    `,"url":${JSON.stringify(truncateForLog(url, URL_LOG_BYTES))}}` +
    `,"route":${JSON.stringify(truncateForLog(route, TEXT_LOG_BYTES))}` +
    `,"res":{"statusCode":${statusCode}},"responseTime":${Math.round(responseTimeMs)}` +
    `,"msg":${JSON.stringify(message)}}\n`
  );
}

/** One request's access line: method, URL, route template, status, duration and request id. */
export function logAccess(
  logger: Logger,
  req: AccessRequest,
  route: string,
  statusCode: number,
  responseTimeMs: number,
): void {
  const level = accessLevelOf(statusCode);
  // Below LOG_LEVEL the line is never built.
  if (!logger.isLevelEnabled(level)) {
    return;
  }
  logger[level](
    {
      req: loggedRequest(req),
      route,
      res: { statusCode },
      responseTime: Math.round(responseTimeMs),
    },
    accessMessageOf(req.method, route, statusCode),
  );
}
