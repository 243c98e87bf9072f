import { ApiError, errorResponse } from '@/lib/server/errors.ts';

export const dynamic = 'force-dynamic';

/** Unknown API paths answer in the API's error shape, not with the HTML 404 page. */
const notFound = (req: Request) =>
  errorResponse(
    new ApiError(
      'not-found',
      `no route ${req.method} ${new URL(req.url).pathname.slice(0, 200)}; see /api/v1/openapi.json`,
    ),
  );

export { notFound as GET, notFound as POST, notFound as PUT, notFound as DELETE, notFound as PATCH };
