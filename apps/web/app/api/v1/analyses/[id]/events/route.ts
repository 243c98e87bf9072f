import { ApiError } from '@/lib/server/errors.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';
import { statusEventStream } from '@/lib/server/status-events.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/analyses/{id}/events: server-sent events, one `status` event per change (see statusEventStream). */
export const GET = apiRoute<{ id: string }>(async (req, { id }) => {
  const { client, log } = services();
  const first = await client.getAnalysis(id);
  if (!first) throw new ApiError('not-found', `no analysis ${id.slice(0, 100)}`);
  return statusEventStream({
    first,
    getStatus: () => client.getAnalysis(id),
    subscribe: (onChange) => client.subscribe(id, onChange),
    log,
    signal: req.signal,
  });
});
