import { checkCallbackUrl } from '@unwarp/jobs';
import { appEnv } from '@/lib/server/env.ts';
import { ApiError } from '@/lib/server/errors.ts';
import { checkImage } from '@/lib/server/image-check.ts';
import { readOptions } from '@/lib/server/options.ts';
import { analysisUrls } from '@/lib/server/present.ts';
import { apiRoute, checkContentLength, readForm } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/** POST /api/v1/analyses: one photo (multipart field `image`), optional `callbackUrl`, `threshold`, `noCrop`. */
export const POST = apiRoute(async (req) => {
  const env = appEnv();
  // Multipart framing adds a little; the file itself is checked exactly below.
  checkContentLength(req, env.UNWARP_MAX_UPLOAD_BYTES + 64 * 1024, 'the request');
  const form = await readForm(req);
  const file = form.get('image');
  if (!(file instanceof File)) throw new ApiError('bad-request', 'no file in the multipart field "image"');
  if (file.size > env.UNWARP_MAX_UPLOAD_BYTES)
    throw new ApiError(
      'too-large',
      `${file.name || 'the photo'} is ${file.size} bytes; the limit is ${env.UNWARP_MAX_UPLOAD_BYTES} bytes`,
    );
  const bytes = new Uint8Array(await file.arrayBuffer());
  await checkImage(bytes, file.name || 'the photo', env.UNWARP_MAX_PIXELS);
  const callback = form.get('callbackUrl');
  const callbackUrl =
    typeof callback === 'string' && callback.trim()
      ? await checkCallbackUrl(callback.trim(), env.callbackAllow)
      : undefined;
  const submitted = await services().client.submitAnalysis(bytes, {
    ...(file.name ? { fileName: file.name } : {}),
    options: readOptions(form),
    ...(callbackUrl ? { callbackUrl } : {}),
  });
  const urls = analysisUrls(submitted.id);
  return Response.json(
    { ...submitted, ...urls },
    { status: 202, headers: { location: urls.statusUrl, 'cache-control': 'no-store' } },
  );
});
