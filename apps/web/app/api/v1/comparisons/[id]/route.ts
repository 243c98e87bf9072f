import { ApiError } from '@/lib/server/errors.ts';
import { presentComparison } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/comparisons/{id}: status; when done, the comparison report and the artifact URLs. */
export const GET = apiRoute<{ id: string }>(async (_req, { id }) => {
  const s = await services().client.getComparison(id);
  if (!s) throw new ApiError('not-found', `no comparison ${id.slice(0, 100)}`);
  return Response.json(presentComparison(s), { headers: { 'cache-control': 'no-store' } });
});
