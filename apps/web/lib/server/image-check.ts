import sharp, { type Metadata } from 'sharp';
import { ApiError } from './errors.ts';

/** Formats a photo may come in, as sharp names them. Vector, PDF and raw camera formats are refused. */
export const ACCEPTED_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'avif', 'heif', 'tiff', 'jp2', 'jxl'] as const;
/** Browsers show these as they are; anything else is shown through a converted copy. */
export const BROWSER_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif']);
export const MIN_SIDE = 32;

export type ImageInfo = { format: string; width: number; height: number; contentType: string };

const CONTENT_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  heif: 'image/heic',
  tiff: 'image/tiff',
  jp2: 'image/jp2',
  jxl: 'image/jxl',
};

/** Formats this host's libvips can read from memory, among the accepted ones (HEIC needs a libvips built with HEVC). */
export function readableFormats(): string[] {
  const f = sharp.format as unknown as Record<string, { input?: { buffer?: boolean } }>;
  return ACCEPTED_FORMATS.filter((n) => f[n]?.input?.buffer);
}

/**
 * Checks a photo from its header only (nothing is decoded, so a decompression bomb costs nothing): readable format,
 * at least MIN_SIDE px a side, at most `maxPixels`. Corrupt image data past the header is the worker's to find.
 */
export async function checkImage(bytes: Uint8Array, name: string, maxPixels: number): Promise<ImageInfo> {
  if (bytes.byteLength === 0) throw new ApiError('empty-file', `${name} is empty (0 bytes)`);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'none' }).metadata();
  } catch {
    throw new ApiError(
      'unsupported-type',
      `${name} is not an image this server can read; send ${readableFormats().join(', ')}`,
    );
  }
  let format = meta.format as string;
  if (format === 'heif' && meta.compression === 'av1') format = 'avif';
  if (
    !(ACCEPTED_FORMATS as readonly string[]).includes(format) ||
    (format !== 'avif' && !readableFormats().includes(format))
  )
    throw new ApiError(
      'unsupported-type',
      `${name} is ${format.toUpperCase()}, not a photo format this server reads; send ${readableFormats().join(', ')}`,
    );
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > maxPixels)
    throw new ApiError(
      'too-many-pixels',
      `${name} is ${width} x ${height} px (${((width * height) / 1e6).toFixed(1)} MP); the limit is ${(maxPixels / 1e6).toFixed(1)} MP`,
    );
  if (width < MIN_SIDE || height < MIN_SIDE)
    throw new ApiError(
      'image-too-small',
      `${name} is ${width} x ${height} px: too small to hold a face (at least ${MIN_SIDE} px a side)`,
    );
  return { format, width, height, contentType: CONTENT_TYPES[format] ?? 'application/octet-stream' };
}

/** Content type of stored original bytes, from their header; never trusts what the uploader claimed. */
export async function sniffContentType(bytes: Uint8Array): Promise<{ format: string; contentType: string }> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    let format = meta.format as string;
    if (format === 'heif' && meta.compression === 'av1') format = 'avif';
    return { format, contentType: CONTENT_TYPES[format] ?? 'application/octet-stream' };
  } catch {
    return { format: 'unknown', contentType: 'application/octet-stream' };
  }
}
