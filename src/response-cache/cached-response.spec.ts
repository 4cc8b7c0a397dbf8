import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { headersFor, toCachedResponse } from 'src/response-cache/cached-response';

const BODY = Buffer.from('{"AR":{"mean":1}}');

function finished(headers: [string, string | number | string[]][], status = 200): ServerResponse {
  const response = new ServerResponse(new IncomingMessage(new Socket()));
  response.statusCode = status;
  for (const [name, value] of headers) {
    response.setHeader(name, value);
  }
  return response;
}

const NEST_HEADERS: [string, string | number][] = [
  ['X-Frame-Options', 'SAMEORIGIN'],
  ['Access-Control-Allow-Origin', '*'],
  ['x-request-id', 'nest-1'],
  ['X-RateLimit-Limit', 600],
  ['X-RateLimit-Remaining', 599],
  ['X-RateLimit-Reset', 60],
  ['Content-Type', 'application/json; charset=utf-8'],
  ['Content-Length', String(BODY.length)],
  ['ETag', 'W/"11-abc"'],
];

describe(toCachedResponse.name, () => {
  it('should keep the headers in order and case, with slots for per-request values', () => {
    const cached = toCachedResponse('/data_analysis', finished(NEST_HEADERS), BODY);

    expect(cached).toMatchObject({
      route: '/data_analysis',
      body: BODY,
      headers: [
        'X-Frame-Options',
        'SAMEORIGIN',
        'Access-Control-Allow-Origin',
        '*',
        'x-request-id',
        '',
        'X-RateLimit-Limit',
        '',
        'X-RateLimit-Remaining',
        '',
        'X-RateLimit-Reset',
        '',
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(BODY.length),
        'ETag',
        'W/"11-abc"',
      ],
      rateLimited: true,
      logLevel: 'info',
      logMessage: 'GET /data_analysis 200',
    });
  });

  it('should leave out the headers Node writes for every response', () => {
    const cached = toCachedResponse(
      '/v1/datasets',
      finished([
        ['Content-Length', String(BODY.length)],
        ['Date', 'Mon, 23 Nov 2026 14:22:53 GMT'],
        ['Connection', 'close'],
      ]),
      BODY,
    );
    expect(cached?.headers).toEqual(['Content-Length', String(BODY.length)]);
    expect(cached?.rateLimited).toBe(false);
  });

  it('should keep an answer that varies only with Origin and Accept', () => {
    const cached = toCachedResponse(
      '/data_analysis',
      finished([...NEST_HEADERS, ['Vary', 'Origin, accept']]),
      BODY,
    );
    expect(cached?.headers.slice(-2)).toEqual(['Vary', 'Origin, accept']);
  });

  it('should repeat a header with several values', () => {
    const cached = toCachedResponse(
      '/v1/datasets',
      finished([
        ['Vary', ['Origin', 'Accept']],
        ['Content-Length', String(BODY.length)],
      ]),
      BODY,
    );
    expect(cached?.headers).toEqual([
      'Vary',
      'Origin',
      'Vary',
      'Accept',
      'Content-Length',
      String(BODY.length),
    ]);
  });

  it.each([
    ['a status other than 200', finished(NEST_HEADERS, 203)],
    ['a cookie', finished([...NEST_HEADERS, ['Set-Cookie', 'a=b']])],
    ['Retry-After', finished([...NEST_HEADERS, ['Retry-After', 5]])],
    ['another throttler', finished([...NEST_HEADERS, ['X-RateLimit-Limit-burst', 5]])],
    ['Cache-Control: no-store', finished([...NEST_HEADERS, ['Cache-Control', 'no-store']])],
    ['Cache-Control: private', finished([...NEST_HEADERS, ['Cache-Control', 'private']])],
    [
      'a Content-Length other than the body',
      finished([...NEST_HEADERS, ['Content-Length', String(BODY.length + 1)]]),
    ],
    ['no Content-Length', finished([['Content-Type', 'text/csv']])],
    ['Vary: Accept-Encoding', finished([...NEST_HEADERS, ['Vary', 'Origin, Accept-Encoding']])],
    ['Vary: *', finished([...NEST_HEADERS, ['Vary', '*']])],
  ])('should refuse a response with %s', (_case, response) => {
    expect(toCachedResponse('/data_analysis', response, BODY)).toBeUndefined();
  });
});

describe(headersFor.name, () => {
  const cached = toCachedResponse('/data_analysis', finished(NEST_HEADERS), BODY);

  it('should fill the request id and the rate-limit values', () => {
    const headers = headersFor(cached!, 'req-2', { limit: '600', remaining: '12', reset: '41' });
    expect(headers.slice(4, 12)).toEqual([
      'x-request-id',
      'req-2',
      'X-RateLimit-Limit',
      '600',
      'X-RateLimit-Remaining',
      '12',
      'X-RateLimit-Reset',
      '41',
    ]);
  });

  it('should leave the cached template untouched', () => {
    headersFor(cached!, 'req-3', { limit: '600', remaining: '1', reset: '1' });
    expect(cached!.headers[5]).toBe('');
  });
});
