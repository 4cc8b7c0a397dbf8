import type { ServerResponse } from 'node:http';

/**
 * Copies the bytes a response writes, up to `maxBytes`, as Node receives them (after any
 * serialisation, before framing). The returned function gives the whole body once the response
 * has finished, or undefined if it was longer or written in a form other than strings and bytes.
 */
export function captureBody(response: ServerResponse, maxBytes: number): () => Buffer | undefined {
  const chunks: Buffer[] = [];
  let bytes = 0;
  let complete = true;

  const keep = (chunk: unknown, encoding: unknown): void => {
    if (!complete || chunk === undefined || chunk === null || typeof chunk === 'function') {
      return;
    }
    let buffer: Buffer;
    if (typeof chunk === 'string') {
      const charset =
        typeof encoding === 'string' && Buffer.isEncoding(encoding) ? encoding : 'utf8';
      buffer = Buffer.from(chunk, charset);
    } else if (chunk instanceof Uint8Array) {
      // A copy: the writer may reuse its buffer once the write returns.
      buffer = Buffer.from(chunk);
    } else {
      complete = false;
      return;
    }
    bytes += buffer.length;
    if (bytes > maxBytes) {
      complete = false;
      chunks.length = 0;
      return;
    }
    chunks.push(buffer);
  };

  const write = response.write.bind(response);
  const end = response.end.bind(response);
  response.write = ((...args: unknown[]): boolean => {
    keep(args[0], args[1]);
    return Reflect.apply(write, undefined, args) as boolean;
  }) as ServerResponse['write'];
  response.end = ((...args: unknown[]): ServerResponse => {
    keep(args[0], args[1]);
    return Reflect.apply(end, undefined, args) as ServerResponse;
  }) as ServerResponse['end'];

  return () => (complete ? Buffer.concat(chunks, bytes) : undefined);
}
