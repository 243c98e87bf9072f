import type { AnalysisState, JobError } from '@unwarp/jobs';
import type { Logger } from 'pino';

const POLL_MS = 2_000;
const MAX_MS = 15 * 60_000;

/** The part of an analysis or comparison status that a `status` event carries. */
export type StatusSnapshot = {
  id: string;
  status: AnalysisState;
  stage?: string;
  progress?: number;
  error?: JobError;
};

export type StatusEventSource = {
  /** The status the caller already read (and found, so unknown ids are answered 404 before the stream starts). */
  first: StatusSnapshot;
  /** Reads the status again; `null` if the job is gone. */
  getStatus: () => Promise<StatusSnapshot | null>;
  /** Calls `onChange` when the queue reports progress, done or failed; resolves to the unsubscribe function. */
  subscribe: (onChange: () => void) => Promise<() => void>;
  log: Logger;
  /** The request's signal: the stream stops when the client goes away. */
  signal: AbortSignal;
};

/**
 * A server-sent events response for one job: one `status` event per change (`{ id, status, stage?, progress?,
 * error? }`), closed after `done` or `failed`. Queue events wake it early; a slow poll makes sure a missed event costs
 * at most POLL_MS.
 */
export function statusEventStream({ first, getStatus, subscribe, log, signal }: StatusEventSource): Response {
  const enc = new TextEncoder();
  let stop = () => {};
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let last = '';
      let closed = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let unsubscribe: (() => void) | undefined;
      const close = () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        unsubscribe?.();
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      };
      stop = close;
      const send = (s: StatusSnapshot) => {
        const body = JSON.stringify({
          id: s.id,
          status: s.status,
          ...(s.stage ? { stage: s.stage } : {}),
          ...(s.progress !== undefined ? { progress: s.progress } : {}),
          ...(s.error ? { error: s.error } : {}),
        });
        if (body !== last && !closed) {
          last = body;
          controller.enqueue(enc.encode(`event: status\ndata: ${body}\n\n`));
        }
        if (s.status === 'done' || s.status === 'failed') close();
      };
      const refresh = async () => {
        if (closed) return;
        try {
          const s = await getStatus();
          if (s) send(s);
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'events refresh failed');
        }
      };
      const started = Date.now();
      const loop = async () => {
        await refresh();
        if (closed) return;
        if (Date.now() - started > MAX_MS) return close();
        controller.enqueue(enc.encode(': keep-alive\n\n'));
        timer = setTimeout(loop, POLL_MS);
      };
      controller.enqueue(enc.encode('retry: 3000\n\n'));
      send(first);
      if (closed) return;
      try {
        const off = await subscribe(() => void refresh());
        // The client may have gone away while subscribing: close() has run and cannot unsubscribe this one.
        if (closed) off();
        else unsubscribe = off;
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'live events unavailable; polling');
      }
      if (!closed) timer = setTimeout(loop, POLL_MS);
    },
    cancel() {
      stop();
    },
  });
  signal.addEventListener('abort', () => stop());
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
    },
  });
}
