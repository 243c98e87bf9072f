import { ApiError } from '@/lib/server/errors.ts';
import { presentAnalysis } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/analyses/{id}: status; when done, the report and the artifact URLs. Batch item ids work too. */
export const GET = apiRoute<{ id: string }>(async (_req, { id }) => {
  const s = await services().client.getAnalysis(id);
  if (!s) throw new ApiError('not-found', `no analysis ${id.slice(0, 100)}`);
  return Response.json(presentAnalysis(s), { headers: { 'cache-control': 'no-store' } });
});
