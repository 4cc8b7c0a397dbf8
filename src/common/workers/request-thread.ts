import { parentPort, type Transferable, type Worker } from 'node:worker_threads';
import { startWorkerBeside } from 'src/common/workers/worker-file';

interface ThreadRequest<Request> {
  readonly id: number;
  readonly request: Request;
}

type ThreadReply<Reply> =
  { readonly id: number; readonly reply: Reply } | { readonly id: number; readonly error: string };

/** A handler's answer: the reply, and the buffers to move to the caller rather than copy. */
export interface ThreadAnswer<Reply> {
  readonly reply: Reply;
  readonly transfer?: readonly Transferable[];
}

/**
 * The caller's side of a worker thread that answers requests (see `serveRequests`): each request
 * gets a promise of its reply. The thread starts on the first request and never keeps the process
 * alive; when it dies, its pending requests fail and the next request starts a new one.
 */
export class RequestThread<Request, Reply> {
  private worker: Worker | null = null;
  private closed = false;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (reply: Reply) => void; reject: (error: Error) => void }
  >();

  /**
   * @param callerFile the caller's `__filename`: the thread's entry point is
   *   `<name>.worker.(js|ts)` beside it (see `startWorkerBeside`)
   */
  constructor(
    private readonly callerFile: string,
    private readonly name: string,
    private readonly data?: unknown,
  ) {}

  /**
   * Sends one request; the promise settles with its reply, or fails with the thread's error.
   * Returns null where no thread can be started (the caller then does the work itself).
   */
  request(request: Request): Promise<Reply> | null {
    if (this.closed) {
      return Promise.reject(new Error(`${this.name} thread closed`));
    }
    const worker = this.thread();
    if (worker === null) {
      return null;
    }
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const message: ThreadRequest<Request> = { id, request };
      worker.postMessage(message);
    });
  }

  /** Stops the thread; requests still pending, and later ones, fail. */
  close(): void {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker !== null) {
      void worker.terminate();
    }
  }

  private thread(): Worker | null {
    if (this.worker !== null) {
      return this.worker;
    }
    let worker: Worker;
    try {
      worker = startWorkerBeside(this.callerFile, this.name, this.data);
    } catch {
      return null;
    }
    // An idle thread must never keep the process alive.
    worker.unref();
    worker.on('message', (message: ThreadReply<Reply>) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (waiter === undefined) {
        return;
      }
      if ('error' in message) {
        waiter.reject(new Error(`${this.name} failed: ${message.error}`));
      } else {
        waiter.resolve(message.reply);
      }
    });
    const fail = (error: Error): void => {
      if (this.worker === worker) {
        this.worker = null;
      }
      for (const waiter of this.waiting.values()) {
        waiter.reject(error);
      }
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`${this.name} thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }
}

/**
 * The thread's side of `RequestThread`: answers each request with `handle`, one at a time and in
 * order (an asynchronous handler finishes one request before the next starts), so the thread
 * holds the working memory of one request at most. A handler's exception becomes the request's
 * failure.
 */
export function serveRequests<Request, Reply>(
  handle: (request: Request) => ThreadAnswer<Reply> | Promise<ThreadAnswer<Reply>>,
): void {
  let previous: Promise<void> = Promise.resolve();
  parentPort?.on('message', ({ id, request }: ThreadRequest<Request>) => {
    previous = previous.then(async () => {
      let message: ThreadReply<Reply>;
      let transfer: readonly Transferable[] = [];
      try {
        const answer = await handle(request);
        message = { id, reply: answer.reply };
        transfer = answer.transfer ?? [];
      } catch (error) {
        message = { id, error: error instanceof Error ? error.message : String(error) };
      }
      parentPort?.postMessage(message, [...transfer]);
    });
  });
}
