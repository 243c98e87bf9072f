import type { AnalysisStatus } from '@unwarp/jobs';
import { ApiError } from '@/lib/server/errors.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

const POLL_MS = 2_000;
const MAX_MS = 15 * 60_000;

/**
 * GET /api/v1/analyses/{id}/events: server-sent events, one `status` event per change
 * (`{ id, status, stage?, progress?, error? }`), closed after `done` or `failed`. Queue events wake it early;
 * a slow poll makes sure a missed event costs at most POLL_MS.
 */
export const GET = apiRoute<{ id: string }>(async (req, { id }) => {
  const { client, log } = services();
  const first = await client.getAnalysis(id);
  if (!first) throw new ApiError('not-found', `no analysis ${id.slice(0, 100)}`);
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
      const send = (s: AnalysisStatus) => {
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
          const s = await client.getAnalysis(id);
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
        unsubscribe = await client.subscribe(id, () => void refresh());
      } catch (err) {
        log.debug({ err: (err as Error).message }, 'live events unavailable; polling');
      }
      timer = setTimeout(loop, POLL_MS);
    },
    cancel() {
      stop();
    },
  });
  req.signal.addEventListener('abort', () => stop());
  return new Response(stream, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
    },
  });
});
