import { openapi } from '@/lib/openapi.ts';

export const dynamic = 'force-static';

/** GET /api/v1/openapi.json: the API description, public (no key needed to read the docs). */
export function GET() {
  return Response.json(openapi, { headers: { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' } });
}
