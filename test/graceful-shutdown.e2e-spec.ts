import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { ensureBuilt, startBuiltServer, type BuiltServer } from 'test/support/built-server';

/** About 4 ms of work each on the bundled 5,000-row sample: 17 metrics per country and month. */
const HEAVY_QUERY =
  '/v1/datasets/sales/analysis?metrics=count,sum,mean,median,min,max,stddev,variance,p1,p5,p10,p25,p50,p75,p90,p95,p99&groupBy=country,month';
const KEPT_ALIVE = 48;
const SLOW_CLIENTS = 8;
const SAMPLE_DATA = { DATA_PATH: 'data/sales.csv' };

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function times<T>(count: number, make: () => T): T[] {
  return Array.from({ length: count }, make);
}

function getOver(agent: Agent, port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    })
      .on('error', reject)
      .end();
  });
}

/** A client whose request headers arrive in two parts, as a slow network delivers them. */
class SlowClient {
  private received = '';
  private readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    this.ended = new Promise((resolve, reject) => {
      socket.once('close', () => resolve());
      socket.once('error', reject);
    });
  }

  static open(port: number): Promise<SlowClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new SlowClient(socket)));
      socket.once('error', reject);
    });
  }

  sendStart(path: string): void {
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
  }

  sendRest(): void {
    this.socket.write('Accept: application/json\r\n\r\n');
  }

  /** The response, once the server has closed the connection after it. */
  async reply(): Promise<Reply> {
    await this.ended;
    const [head, ...rest] = this.received.split('\r\n\r\n');
    const [statusLine, ...headerLines] = (head ?? '').split('\r\n');
    const headers = Object.fromEntries(
      headerLines.map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
      }),
    );
    return { status: Number(statusLine?.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
  }
}

describe('graceful shutdown of the built server (node dist/main.js)', () => {
  let server: BuiltServer | undefined;

  beforeAll(() => ensureBuilt());

  afterEach(() => {
    if (server?.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
    }
    server = undefined;
  });

  it('should answer every in-flight request, close kept-alive connections and exit 0 on SIGTERM', async () => {
    server = await startBuiltServer({
      ...SAMPLE_DATA,
      SHUTDOWN_TIMEOUT_MS: '5000',
      SHUTDOWN_DRAIN_DELAY_MS: '500',
    });
    const { port } = server;
    const agent = new Agent({ keepAlive: true, maxSockets: KEPT_ALIVE });
    const fresh = new Agent({ keepAlive: false });
    try {
      // Open the connections first, so the burst travels over established keep-alive ones.
      await Promise.all(times(KEPT_ALIVE, () => getOver(agent, port, '/health/live')));
      const slowClients = await Promise.all(times(SLOW_CLIENTS, () => SlowClient.open(port)));
      slowClients.forEach((client) => client.sendStart(HEAVY_QUERY));
      const burst = times(KEPT_ALIVE, () => getOver(agent, port, HEAVY_QUERY));

      // The first answer means the server is busy with the burst: signal it now.
      await Promise.race(burst);
      const signalledAt = Date.now();
      server.child.kill('SIGTERM');
      await server.waitForLog(({ msg }) => msg.startsWith('SIGTERM received'));
      const ready = await getOver(fresh, port, '/health/ready');
      const live = await getOver(fresh, port, '/health/live');
      // The slow clients' requests were half received when the signal came; finish them now.
      slowClients.forEach((client) => client.sendRest());

      const burstReplies = await Promise.all(burst);
      const slowReplies = await Promise.all(slowClients.map((client) => client.reply()));
      const exit = await server.exited;

      expect(ready.status).toBe(503);
      expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(ready.body)).toMatchObject({
        status: 503,
        detail: 'Not ready: lifecycle (shutting down)',
      });
      expect(live.status).toBe(200);
      expect(burstReplies.map(({ status }) => status)).toEqual(times(KEPT_ALIVE, () => 200));
      expect(slowReplies.map(({ status }) => status)).toEqual(times(SLOW_CLIENTS, () => 200));
      for (const reply of [...burstReplies, ...slowReplies]) {
        expect(JSON.parse(reply.body)).toMatchObject({ dataset: 'sales', matchedRows: 5000 });
      }
      // Answered while draining, so they tell the client not to reuse the connection.
      expect([ready, live, ...slowReplies].map(({ headers }) => headers.connection)).toEqual(
        times(SLOW_CLIENTS + 2, () => 'close'),
      );
      expect(exit).toMatchObject({ code: 0, signal: null });
      expect(exit.at - signalledAt).toBeLessThan(5000);
      expect(server.logs.map(({ msg }) => msg)).toContainEqual(
        expect.stringMatching(/^Shut down cleanly in \d+ ms$/),
      );
      // The server closed every kept-alive connection: none is left to reuse.
      await new Promise((resolve) => setImmediate(resolve));
      expect(Object.keys(agent.freeSockets)).toHaveLength(0);
      expect(Object.keys(agent.sockets)).toHaveLength(0);
    } finally {
      agent.destroy();
      fresh.destroy();
    }
  }, 30_000);

  it('should cut what is left and exit 1 once SHUTDOWN_TIMEOUT_MS has passed', async () => {
    server = await startBuiltServer({
      ...SAMPLE_DATA,
      SHUTDOWN_TIMEOUT_MS: '1000',
      SHUTDOWN_DRAIN_DELAY_MS: '200',
    });
    const stalled = await SlowClient.open(server.port);
    stalled.sendStart(HEAVY_QUERY);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    const exit = await server.exited;

    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(1000);
    expect(exit.at - signalledAt).toBeLessThan(4000);
    expect(server.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        context: 'Shutdown',
        msg: 'Shutdown took longer than 1000 ms; cutting the connections still open',
      }),
    );
    await stalled.reply();
  }, 30_000);

  it('should log JSON lines through pino: Nest loggers and one access line per request', async () => {
    server = await startBuiltServer(SAMPLE_DATA);
    const agent = new Agent({ keepAlive: false });
    const reply = await new Promise<Reply>((resolve, reject) => {
      request(
        {
          host: '127.0.0.1',
          port: server?.port,
          path: '/data_analysis?mean=true&include_ar=true',
          headers: { 'x-request-id': 'trace-42' },
          agent,
        },
        (response) => {
          response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: '' }),
          );
        },
      )
        .on('error', reject)
        .end();
    });
    expect(reply.headers['x-request-id']).toBe('trace-42');

    const access = await server.waitForLog(
      ({ req }) => (req as { id?: string })?.id === 'trace-42',
    );
    server.child.kill('SIGTERM');
    await server.exited;

    expect(access).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      req: { id: 'trace-42', method: 'GET', url: '/data_analysis?mean=true&include_ar=true' },
      route: '/data_analysis',
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
      msg: 'GET /data_analysis 200',
    });
    expect(server.logs).toContainEqual(
      expect.objectContaining({
        level: 'info',
        context: 'CsvDatasetRepository',
        msg: expect.stringMatching(/^Loaded dataset 'sales': 5000 rows, /),
      }),
    );
    expect(server.logs).toContainEqual(
      expect.objectContaining({
        context: 'NestApplication',
        msg: 'Nest application successfully started',
      }),
    );
  }, 30_000);
});
