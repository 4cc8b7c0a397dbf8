import { HttpStatus } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from 'src/common/problem/problem-details';

type ClientError = Error & { code?: string };

/** Not in Nest's HttpStatus. */
const REQUEST_HEADER_FIELDS_TOO_LARGE = 431;

function problemFor(
  error: ClientError,
  maxHeaderBytes: number,
): { status: number; detail: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: REQUEST_HEADER_FIELDS_TOO_LARGE,
        detail: `The request line and headers exceed ${maxHeaderBytes} bytes`,
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: HttpStatus.REQUEST_TIMEOUT,
        detail: 'The request was not received in time',
      };
    default:
      return { status: HttpStatus.BAD_REQUEST, detail: 'The request is not valid HTTP/1.1' };
  }
}

/**
 * Fastify's `clientErrorHandler`. Requests Node's HTTP parser refuses (a request head over the
 * size limit, a malformed request line) never reach Fastify's routes; this answers them with a
 * problem document like every other refusal, then closes the connection as Node does.
 */
export function clientErrorProblemHandler(
  maxHeaderBytes: number,
): (error: ClientError, socket: Socket) => void {
  return (error, socket) => {
    const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    const { status, detail } = problemFor(error, maxHeaderBytes);
    const title = STATUS_CODES[status] ?? 'Error';
    const body = JSON.stringify({ type: PROBLEM_TYPES.generic, title, status, detail });
    socket.end(
      `HTTP/1.1 ${status} ${title}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  };
}

/** Fastify's code for a request target that is not valid percent-encoding. */
const BAD_URL = 'FST_ERR_BAD_URL';

/**
 * Fastify's `frameworkErrors`: a request Fastify refuses before routing it (a malformed
 * percent-encoded path) gets a problem document with its request id, as every other refusal does.
 * Fastify answers these itself, before any error handler.
 */
export function answerFrameworkError(
  error: Error & { code?: string; statusCode?: number },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode ?? HttpStatus.BAD_REQUEST;
  const problem = {
    type: PROBLEM_TYPES.generic,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail:
      error.code === BAD_URL ? 'The request path is not valid percent-encoding' : error.message,
    instance: request.url,
    requestId: request.id,
  };
  void reply
    .code(status)
    .type(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`)
    .send(JSON.stringify(problem));
}
