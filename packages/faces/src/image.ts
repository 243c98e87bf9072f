import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import type { RgbImage } from './types.ts';

export type ImageDecodeErrorCode = 'empty' | 'not-found' | 'unsupported' | 'corrupt' | 'too-large';

/** The input cannot become an RGB raster. Never retryable: the same bytes fail the same way. */
export class ImageDecodeError extends Error {
  readonly retry = false;
  constructor(
    readonly code: ImageDecodeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

export type LoadUprightOptions = {
  /** Refuse images with more pixels than this (width x height), before decoding them. Default 100 megapixels. */
  maxPixels?: number;
};

/**
 * Decodes a photo (buffer or file path) into an upright 8-bit sRGB raster: EXIF orientation applied, alpha flattened
 * onto white, grey/CMYK/16-bit converted. `orientation` is the EXIF value that was applied (1 when absent).
 */
export async function loadUpright(
  input: Buffer | string,
  opts: LoadUprightOptions = {},
): Promise<RgbImage & { orientation: number }> {
  const maxPixels = opts.maxPixels ?? 100_000_000;
  await checkNotEmpty(input);
  try {
    const meta = await sharp(input, { limitInputPixels: maxPixels }).metadata();
    const { data, info } = await sharp(input, { limitInputPixels: maxPixels, failOn: 'warning' })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new ImageDecodeError('unsupported', `decoded to ${info.channels} channels, not RGB`);
    return {
      width: info.width,
      height: info.height,
      channels: 3,
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      orientation: meta.orientation ?? 1,
    };
  } catch (err) {
    if (err instanceof ImageDecodeError) throw err;
    throw classify(err, maxPixels);
  }
}

async function checkNotEmpty(input: Buffer | string): Promise<void> {
  if (typeof input !== 'string') {
    if (input.length === 0) throw new ImageDecodeError('empty', 'image buffer is empty (0 bytes)');
    return;
  }
  let size: number;
  try {
    size = (await stat(input)).size;
  } catch (err) {
    throw new ImageDecodeError('not-found', `cannot read image file ${input}`, { cause: err });
  }
  if (size === 0) throw new ImageDecodeError('empty', `image file ${input} is empty (0 bytes)`);
}

function classify(err: unknown, maxPixels: number): ImageDecodeError {
  const msg = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(msg)) {
    return new ImageDecodeError('too-large', `image has more than ${maxPixels} pixels`, { cause: err });
  }
  if (/unsupported image format|bad seek|no loader/i.test(msg)) {
    return new ImageDecodeError('unsupported', `not a supported image format: ${msg}`, { cause: err });
  }
  return new ImageDecodeError('corrupt', `image data is corrupt or truncated: ${msg}`, { cause: err });
}
