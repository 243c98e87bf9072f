import { checkCallbackUrl } from '@unwarp/jobs';
import { appEnv } from '@/lib/server/env.ts';
import { ApiError } from '@/lib/server/errors.ts';
import { checkImage } from '@/lib/server/image-check.ts';
import { comparisonUrls } from '@/lib/server/present.ts';
import { apiRoute, checkContentLength, readForm } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

const FIELDS = { edited: 'the edited photo', original: 'the original' } as const;

/**
 * POST /api/v1/comparisons: an edited photo (field `edited`) and the photo it was made from (field `original`),
 * optional `callbackUrl`. The worker measures the warp between them; the same pair always gets the same id.
 */
export const POST = apiRoute(async (req) => {
  const env = appEnv();
  checkContentLength(req, 2 * env.UNWARP_MAX_UPLOAD_BYTES + 64 * 1024, 'the request');
  const form = await readForm(req, 'send the two photos as multipart/form-data, in the fields "edited" and "original"');
  const files = {} as Record<keyof typeof FIELDS, { bytes: Uint8Array; name: string }>;
  for (const [field, what] of Object.entries(FIELDS) as [keyof typeof FIELDS, string][]) {
    const file = form.get(field);
    if (!(file instanceof File))
      throw new ApiError('bad-request', `no file in the multipart field "${field}" (${what})`);
    const label = file.name || what;
    if (file.size > env.UNWARP_MAX_UPLOAD_BYTES)
      throw new ApiError(
        'too-large',
        `${label} is ${file.size} bytes; the limit is ${env.UNWARP_MAX_UPLOAD_BYTES} bytes`,
      );
    const bytes = new Uint8Array(await file.arrayBuffer());
    await checkImage(bytes, label, env.UNWARP_MAX_PIXELS);
    files[field] = { bytes, name: file.name };
  }
  const callback = form.get('callbackUrl');
  const callbackUrl =
    typeof callback === 'string' && callback.trim()
      ? await checkCallbackUrl(callback.trim(), env.callbackAllow)
      : undefined;
  const submitted = await services().client.submitComparison(files.edited.bytes, files.original.bytes, {
    ...(files.edited.name ? { editedName: files.edited.name } : {}),
    ...(files.original.name ? { originalName: files.original.name } : {}),
    ...(callbackUrl ? { callbackUrl } : {}),
  });
  const urls = comparisonUrls(submitted.id);
  return Response.json(
    { ...submitted, ...urls },
    { status: 202, headers: { location: urls.statusUrl, 'cache-control': 'no-store' } },
  );
});
