import { uploadKey } from '@unwarp/storage';
import { ApiError } from '@/lib/server/errors.ts';
import { fileResponse, fileStem, uploadFile } from '@/lib/server/files.ts';
import { ARTIFACT_FILES, ARTIFACT_URL_NAMES, type ArtifactFile } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

const ALIASES: Record<string, string> = {
  heatmap: 'heatmap.png',
  flow: 'flow.png',
  recovered: 'recovered.png',
  compare: 'compare.png',
  evidence: 'evidence.png',
  history: 'history.png',
  ela: 'ela.png',
  noise: 'noise.png',
  flo: 'flow.flo',
  report: 'report.json',
};

/**
 * GET /api/v1/analyses/{id}/{artifact}: heatmap.png, flow.png, recovered.png, compare.png, evidence.png, history.png (JPEG uploads with a face), flow.flo,
 * report.json, ela.png and noise.png (the forensic aids' maps, when the aids ran), or `original` (the uploaded bytes; `?w=N` gives an upright JPEG N px wide for thumbnails and formats browsers
 * cannot show). `?download=1` asks the browser to save it. Bytes are immutable for an id, so they cache forever.
 */
export const GET = apiRoute<{ id: string; artifact: string }>(async (req, { id, artifact }) => {
  const name = ALIASES[artifact] ?? artifact;
  if (!(ARTIFACT_URL_NAMES as readonly string[]).includes(name))
    throw new ApiError(
      'not-found',
      `unknown artifact "${artifact.slice(0, 40)}"; one of ${ARTIFACT_URL_NAMES.join(', ')}`,
    );
  const { client, store } = services();
  const s = await client.getAnalysis(id);
  if (!s) throw new ApiError('not-found', `no analysis ${id.slice(0, 100)}`);
  const url = new URL(req.url);
  const download = url.searchParams.get('download') === '1';
  const base = fileStem(s.fileName ?? s.id);

  if (name === 'original') {
    if (!s.sha256) throw new ApiError('not-found', 'the uploaded photo of this analysis is not known');
    const stored = await store.get(uploadKey(s.sha256));
    if (!stored) throw new ApiError('not-found', 'the uploaded photo is no longer stored');
    const f = await uploadFile(stored, base, url);
    return fileResponse(f.bytes, f.type, f.fileName, download);
  }
  if (s.status !== 'done')
    throw new ApiError('not-ready', `analysis is ${s.status}; artifacts exist once it is done`, {
      'retry-after': '2',
    });
  let bytes = await client.readArtifact(id, name as ArtifactFile);
  if (!bytes && name === 'report.json' && s.report)
    bytes = new TextEncoder().encode(`${JSON.stringify(s.report, null, 2)}\n`);
  if (!bytes) throw new ApiError('not-found', `${name} was not produced for this analysis`);
  return fileResponse(bytes, ARTIFACT_FILES[name as ArtifactFile].type, `${base}-${name}`, download);
});
