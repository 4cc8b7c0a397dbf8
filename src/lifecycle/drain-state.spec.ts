import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { DrainState } from 'src/lifecycle/drain-state';

class FakeResponse extends EventEmitter {
  headersSent = false;
  readonly setHeader = jest.fn();
}

const asResponse = (fake: FakeResponse) => fake as unknown as ServerResponse;

describe(DrainState.name, () => {
  let sut: DrainState;

  beforeEach(() => {
    sut = new DrainState();
  });

  it('should not be draining at first, nor touch responses', () => {
    const response = new FakeResponse();
    sut.track(asResponse(response));
    expect(sut.isDraining).toBe(false);
    expect(response.setHeader).not.toHaveBeenCalled();
  });

  it('should close the connection of in-flight responses once draining begins', () => {
    const pending = new FakeResponse();
    const streaming = Object.assign(new FakeResponse(), { headersSent: true });
    const finished = new FakeResponse();
    [pending, streaming, finished].forEach((response) => sut.track(asResponse(response)));
    finished.emit('close');

    sut.begin();

    expect(sut.isDraining).toBe(true);
    expect(pending.setHeader).toHaveBeenCalledWith('Connection', 'close');
    expect(streaming.setHeader).not.toHaveBeenCalled();
    expect(finished.setHeader).not.toHaveBeenCalled();
  });

  it('should close the connection of responses that start while draining', () => {
    sut.begin();
    const response = new FakeResponse();
    sut.track(asResponse(response));
    expect(response.setHeader).toHaveBeenCalledWith('Connection', 'close');
  });
});
