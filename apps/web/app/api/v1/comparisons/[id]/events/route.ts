import { ApiError } from '@/lib/server/errors.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';
import { statusEventStream } from '@/lib/server/status-events.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/comparisons/{id}/events: server-sent events, as for analyses (see statusEventStream). */
export const GET = apiRoute<{ id: string }>(async (req, { id }) => {
  const { client, log } = services();
  const first = await client.getComparison(id);
  if (!first) throw new ApiError('not-found', `no comparison ${id.slice(0, 100)}`);
  return statusEventStream({
    first,
    getStatus: () => client.getComparison(id),
    // Compare jobs run on the analysis queue under their comparison id, so the same subscription wakes this stream.
    subscribe: (onChange) => client.subscribe(id, onChange),
    log,
    signal: req.signal,
  });
});
