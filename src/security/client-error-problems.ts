import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
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
 * Requests Node's HTTP parser refuses (a request head over the size limit, a malformed request
 * line) never reach Express, and Node answers them with a bare status line. This answers them
 * with a problem document like every other refusal, then closes the connection as Node does.
 */
export function answerClientErrorsWithProblems(server: Server, maxHeaderBytes: number): void {
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
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
  });
}
