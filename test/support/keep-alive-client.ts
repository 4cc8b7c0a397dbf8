import { Agent, request, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * A minimal HTTP/1.1 client over one kept-alive connection, for tests that send thousands of
 * requests: the request target goes out byte for byte as given (malformed percent-encoding
 * included), which higher-level clients would reject or re-encode.
 */
export class KeepAliveClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return this.send(path, headers).catch((error: NodeJS.ErrnoException & { reused?: boolean }) => {
      // The server may close an idle kept-alive socket just as it is reused; the request never
      // reached it, so sending it again on a fresh connection is safe.
      if (error.reused && error.code === 'ECONNRESET') {
        return this.send(path, headers);
      }
      throw error;
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private send(path: string, headers: Record<string, string>): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.host, port: this.port, path, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      req.on('error', (error: NodeJS.ErrnoException & { reused?: boolean }) => {
        error.reused = req.reusedSocket;
        reject(error);
      });
      req.end();
    });
  }
}
