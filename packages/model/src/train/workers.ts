import { Worker } from 'node:worker_threads';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A worker thread that answers request ids; TypeScript sources run through tsx in the worker too. */
export class RpcWorker<Req extends { type: string }, Rep extends { type: string }> {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  private readyWaiter: Promise<unknown>;
  private failed: Error | undefined;
  private closing = false;

  constructor(url: URL, init: Req) {
    this.worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { entry: url.href } });
    this.readyWaiter = new Promise((resolve, reject) => {
      const onMessage = (msg: { type: string; id?: number; message?: string }) => {
        if (msg.type === 'ready') resolve(msg);
        else if (msg.type === 'error' && msg.id === -1) reject(new Error(msg.message));
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
    });
    this.worker.on('message', (msg: Rep & { id?: number; message?: string }) => {
      if (msg.type === 'ready' || msg.id === undefined || msg.id === -1) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Error(msg.message));
      else p.resolve(msg);
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`worker ${url.pathname} exited with code ${code}`));
    });
    this.worker.postMessage(init);
  }

  ready(): Promise<unknown> {
    return this.readyWaiter;
  }

  call(req: DistributiveOmit<Req, 'id'>, transfer: ArrayBuffer[] = []): Promise<Rep> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<Rep>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  /**
   * Stops the thread. Calls still in flight (a trainer's prefetched batches) are dropped, not rejected: nobody waits
   * for them any more, and a rejection would surface as an unhandled error.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.pending.clear();
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    if (this.closing) return;
    this.failed = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
