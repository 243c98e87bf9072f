import { ApiError } from '@/lib/server/errors.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/** GET /api/v1/batches/{id}/export?format=csv|jsonl: one row per photo, highest probability first. */
export const GET = apiRoute<{ id: string }>(async (req, { id }) => {
  const format = new URL(req.url).searchParams.get('format') ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') throw new ApiError('invalid-input', 'format must be csv or jsonl');
  const { client } = services();
  const body = await client.exportBatch(id, format);
  return new Response(body, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${id}.${format}"`,
      'cache-control': 'no-store',
    },
  });
});
