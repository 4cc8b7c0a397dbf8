import { HttpStatus, Logger, type ArgumentsHost } from '@nestjs/common';
import { ProblemDetailsFilter } from 'src/common/filters/problem-details.filter';

describe(ProblemDetailsFilter.name, () => {
  let sut: ProblemDetailsFilter;
  let reply: Record<string, jest.Mock | boolean | object>;
  let host: ArgumentsHost;
  let logError: jest.SpyInstance;

  beforeEach(() => {
    sut = new ProblemDetailsFilter();
    reply = {
      sent: false,
      raw: {},
      header: jest.fn(),
      status: jest.fn().mockReturnThis(),
      type: jest.fn().mockReturnThis(),
      send: jest.fn().mockReturnThis(),
    };
    const request = { id: 'r-42', method: 'GET', url: '/v1/datasets', originalUrl: '/v1/datasets' };
    host = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as unknown as ArgumentsHost;
    logError = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('should log an unexpected error with the request it failed, and answer a bare 500', () => {
    const failure = new Error('disk on fire');

    sut.catch(failure, host);

    expect(logError).toHaveBeenCalledTimes(1);
    expect(logError).toHaveBeenCalledWith(
      { req: { id: 'r-42', method: 'GET', url: '/v1/datasets' }, err: failure },
      'Unexpected error on /v1/datasets',
    );
    expect(reply.status).toHaveBeenCalledWith(HttpStatus.INTERNAL_SERVER_ERROR);
    const body = JSON.parse((reply.send as jest.Mock).mock.calls[0][0] as string) as object;
    expect(JSON.stringify(body)).not.toContain('disk on fire');
    expect(body).toMatchObject({ status: 500, requestId: 'r-42' });
  });
});
