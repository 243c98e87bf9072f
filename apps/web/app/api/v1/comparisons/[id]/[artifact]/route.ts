import { uploadKey } from '@unwarp/storage';
import { ApiError } from '@/lib/server/errors.ts';
import { fileResponse, fileStem, uploadFile } from '@/lib/server/files.ts';
import { ARTIFACT_FILES, type COMPARISON_FILES, COMPARISON_URL_NAMES } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

/**
 * GET /api/v1/comparisons/{id}/{artifact}: heatmap.png, flow.png, recovered.png, compare.png, flow.flo,
 * report.json, or one of the uploads, `edited` and `original` (`?w=N`: an upright JPEG N px wide).
 * `?download=1` asks the browser to save it.
 */
export const GET = apiRoute<{ id: string; artifact: string }>(async (req, { id, artifact }) => {
  if (!(COMPARISON_URL_NAMES as readonly string[]).includes(artifact))
    throw new ApiError(
      'not-found',
      `unknown artifact "${artifact.slice(0, 40)}"; one of ${COMPARISON_URL_NAMES.join(', ')}`,
    );
  const { client, store } = services();
  const s = await client.getComparison(id);
  if (!s) throw new ApiError('not-found', `no comparison ${id.slice(0, 100)}`);
  const url = new URL(req.url);
  const download = url.searchParams.get('download') === '1';

  if (artifact === 'edited' || artifact === 'original') {
    const sha = artifact === 'edited' ? s.editedSha256 : s.originalSha256;
    const name = artifact === 'edited' ? s.editedName : s.originalName;
    if (!sha) throw new ApiError('not-found', `the ${artifact} photo of this comparison is not known`);
    const stored = await store.get(uploadKey(sha));
    if (!stored) throw new ApiError('not-found', `the ${artifact} photo is no longer stored`);
    const f = await uploadFile(stored, fileStem(name ?? artifact), url);
    return fileResponse(f.bytes, f.type, f.fileName, download);
  }
  if (s.status !== 'done')
    throw new ApiError('not-ready', `comparison is ${s.status}; artifacts exist once it is done`, {
      'retry-after': '2',
    });
  const name = artifact as (typeof COMPARISON_FILES)[number];
  const bytes = await client.readComparisonArtifact(id, name);
  if (!bytes) throw new ApiError('not-found', `${name} is no longer stored for this comparison`);
  const stem = fileStem(s.editedName ?? 'edited');
  return fileResponse(bytes, ARTIFACT_FILES[name].type, `${stem}-vs-original-${name}`, download);
});
