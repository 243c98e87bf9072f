import { ApiError } from '@/lib/server/errors.ts';
import { presentBatch } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/batches/{id}: counts and every item; running items also carry their stage and progress. */
export const GET = apiRoute<{ id: string }>(async (_req, { id }) => {
  const { client } = services();
  const b = await client.getBatch(id);
  if (!b) throw new ApiError('not-found', `no batch ${id.slice(0, 100)}`);
  // Only running items need a second look (at most the workers' concurrency of them).
  const running = b.items.filter((it) => it.status === 'running');
  const stages = new Map<string, { stage?: string; progress?: number }>();
  await Promise.all(
    running.map(async (it) => {
      const s = await client.getAnalysis(it.id);
      if (s?.stage)
        stages.set(it.id, { stage: s.stage, ...(s.progress !== undefined ? { progress: s.progress } : {}) });
    }),
  );
  return Response.json(presentBatch(b, stages), { headers: { 'cache-control': 'no-store' } });
});
