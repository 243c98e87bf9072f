import sharp from 'sharp';
import { ApiError } from './errors.ts';
import { sniffContentType } from './image-check.ts';

/** A display name made safe for Content-Disposition: extension dropped, anything unusual replaced. */
export const fileStem = (name: string) =>
  name
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80) || 'photo';

/**
 * An uploaded photo as stored, or with `?w=N` an upright JPEG N px wide (thumbnails, and formats browsers cannot
 * show). The content type comes from the bytes, never from what the uploader claimed.
 */
export async function uploadFile(
  bytes: Uint8Array,
  stem: string,
  url: URL,
): Promise<{ bytes: Uint8Array; type: string; fileName: string }> {
  const w = url.searchParams.get('w');
  if (w !== null) {
    const width = Number(w);
    if (!Number.isInteger(width) || width < 16 || width > 4096)
      throw new ApiError('invalid-input', 'w must be an integer from 16 to 4096');
    const jpeg = await sharp(bytes, { limitInputPixels: false, failOn: 'none' })
      .rotate()
      .resize({ width, withoutEnlargement: true })
      .jpeg({ quality: 85 })
      .toBuffer();
    return { bytes: jpeg, type: 'image/jpeg', fileName: `${stem}-${width}.jpg` };
  }
  const sniff = await sniffContentType(bytes);
  return {
    bytes,
    type: sniff.contentType,
    fileName: `${stem}.${sniff.format === 'jpeg' ? 'jpg' : sniff.format}`,
  };
}

/** Bytes of an artifact or upload: immutable for an id, so cached forever; never rendered as a page. */
export function fileResponse(bytes: Uint8Array, type: string, fileName: string, download: boolean): Response {
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
}
