import { uploadKey } from '@unwarp/storage';
import sharp from 'sharp';
import { ApiError } from '@/lib/server/errors.ts';
import { sniffContentType } from '@/lib/server/image-check.ts';
import { ARTIFACT_FILES, ARTIFACT_URL_NAMES, type ArtifactFile } from '@/lib/server/present.ts';
import { apiRoute } from '@/lib/server/route.ts';
import { services } from '@/lib/server/services.ts';

export const dynamic = 'force-dynamic';

const ALIASES: Record<string, string> = {
  heatmap: 'heatmap.png',
  flow: 'flow.png',
  recovered: 'recovered.png',
  compare: 'compare.png',
  ela: 'ela.png',
  noise: 'noise.png',
  flo: 'flow.flo',
  report: 'report.json',
};

/**
 * GET /api/v1/analyses/{id}/{artifact}: heatmap.png, flow.png, recovered.png, compare.png, flow.flo, report.json,
 * ela.png and noise.png (the forensic aids' maps, when the aids ran), or `original` (the uploaded bytes; `?w=N` gives an upright JPEG N px wide for thumbnails and formats browsers
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
  const base = `${
    (s.fileName ?? s.id)
      .replace(/\.[A-Za-z0-9]{1,5}$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .slice(0, 80) || 'photo'
  }`;

  let bytes: Uint8Array | null;
  let type: string;
  let fileName: string;
  if (name === 'original') {
    if (!s.sha256) throw new ApiError('not-found', 'the uploaded photo of this analysis is not known');
    bytes = await store.get(uploadKey(s.sha256));
    if (!bytes) throw new ApiError('not-found', 'the uploaded photo is no longer stored');
    const w = url.searchParams.get('w');
    if (w !== null) {
      const width = Number(w);
      if (!Number.isInteger(width) || width < 16 || width > 4096)
        throw new ApiError('invalid-input', 'w must be an integer from 16 to 4096');
      bytes = await sharp(bytes, { limitInputPixels: false, failOn: 'none' })
        .rotate()
        .resize({ width, withoutEnlargement: true })
        .jpeg({ quality: 85 })
        .toBuffer();
      type = 'image/jpeg';
      fileName = `${base}-${width}.jpg`;
    } else {
      const sniff = await sniffContentType(bytes);
      type = sniff.contentType;
      fileName = `${base}.${sniff.format === 'jpeg' ? 'jpg' : sniff.format}`;
    }
  } else {
    if (s.status !== 'done')
      throw new ApiError('not-ready', `analysis is ${s.status}; artifacts exist once it is done`, {
        'retry-after': '2',
      });
    bytes = await client.readArtifact(id, name as ArtifactFile);
    if (!bytes && name === 'report.json' && s.report)
      bytes = new TextEncoder().encode(`${JSON.stringify(s.report, null, 2)}\n`);
    if (!bytes) throw new ApiError('not-found', `${name} was not produced for this analysis`);
    type = ARTIFACT_FILES[name as ArtifactFile].type;
    fileName = `${base}-${name}`;
  }
  return new Response(Buffer.from(bytes), {
    headers: {
      'content-type': type,
      'content-length': String(bytes.byteLength),
      'cache-control': 'private, max-age=31536000, immutable',
      'content-disposition': `${download ? 'attachment' : 'inline'}; filename="${fileName}"`,
      // User bytes: never let a browser treat them as a page.
      'content-security-policy': "default-src 'none'; sandbox",
      'x-content-type-options': 'nosniff',
    },
  });
});
