import { type BatchFile, checkCallbackUrl } from '@unwarp/jobs';
import { appEnv } from '@/lib/server/env.ts';
import { ApiError } from '@/lib/server/errors.ts';
import { checkImage } from '@/lib/server/image-check.ts';
import { readOptions } from '@/lib/server/options.ts';
import { apiRoute, checkContentLength, readForm } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/**
 * POST /api/v1/batches: many photos, each in a multipart field `images` (or `image`). Every file is checked before
 * anything is queued, so a batch is accepted whole or refused whole, and the error names the file.
 */
export const POST = apiRoute(async (req) => {
  const env = appEnv();
  checkContentLength(req, env.UNWARP_MAX_BATCH_BYTES, 'the batch');
  const form = await readForm(req);
  const files = [...form.getAll('images'), ...form.getAll('image')].filter((f): f is File => f instanceof File);
  if (files.length === 0) throw new ApiError('bad-request', 'no files in the multipart fields "images"');
  if (files.length > env.UNWARP_MAX_BATCH_FILES)
    throw new ApiError('too-large', `the batch has ${files.length} files; the limit is ${env.UNWARP_MAX_BATCH_FILES}`);
  const batch: BatchFile[] = [];
  for (const [i, file] of files.entries()) {
    const name = file.name || `file-${i + 1}`;
    if (file.size > env.UNWARP_MAX_UPLOAD_BYTES)
      throw new ApiError(
        'too-large',
        `${name} is ${file.size} bytes; the limit is ${env.UNWARP_MAX_UPLOAD_BYTES} bytes per photo`,
      );
    const bytes = new Uint8Array(await file.arrayBuffer());
    await checkImage(bytes, name, env.UNWARP_MAX_PIXELS);
    batch.push({ bytes, fileName: name });
  }
  const callback = form.get('callbackUrl');
  const callbackUrl =
    typeof callback === 'string' && callback.trim()
      ? await checkCallbackUrl(callback.trim(), env.callbackAllow)
      : undefined;
  const { batchId, ids } = await services().client.submitBatch(batch, {
    options: readOptions(form),
    ...(callbackUrl ? { callbackUrl } : {}),
  });
  const statusUrl = `/api/v1/batches/${batchId}`;
  return Response.json(
    { batchId, ids, count: ids.length, statusUrl, page: `/batches/${batchId}` },
    { status: 202, headers: { location: statusUrl, 'cache-control': 'no-store' } },
  );
});
