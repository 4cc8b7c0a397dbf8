import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { captureBody } from 'src/response-cache/body-capture';

const response = () => new ServerResponse(new IncomingMessage(new Socket()));

describe(captureBody.name, () => {
  beforeEach(() => {
    // Writes go nowhere: only what the capture sees matters here.
    jest.spyOn(ServerResponse.prototype, 'write').mockReturnValue(true);
    jest.spyOn(ServerResponse.prototype, 'end').mockReturnThis();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('should gather strings in their encoding and bytes, in order, and still write them', () => {
    const sut = response();
    const body = captureBody(sut, 100);

    sut.write('caf\u00e9,');
    sut.write(Buffer.from('6869', 'hex'));
    sut.end('2a', 'hex');

    expect(body()).toEqual(Buffer.from('caf\u00e9,hi*', 'utf8'));
    expect(ServerResponse.prototype.write).toHaveBeenCalledTimes(2);
    expect(ServerResponse.prototype.end).toHaveBeenCalledWith('2a', 'hex');
  });

  it('should copy bytes, so a writer reusing its buffer cannot change them', () => {
    const sut = response();
    const body = captureBody(sut, 100);
    const chunk = Buffer.from('abc');

    sut.end(chunk);
    chunk.fill(0);

    expect(body()).toEqual(Buffer.from('abc'));
  });

  it('should ignore a callback given in place of a chunk', () => {
    const sut = response();
    const body = captureBody(sut, 100);

    sut.end(() => undefined);

    expect(body()).toEqual(Buffer.alloc(0));
  });

  it('should give nothing once the body grows past the bound', () => {
    const sut = response();
    const body = captureBody(sut, 4);

    sut.write('abc');
    sut.end('de');

    expect(body()).toBeUndefined();
  });
});
