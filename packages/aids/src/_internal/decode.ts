import sharp from 'sharp';
import { UndecodableImageError } from '../errors.ts';
import type { RGBImage } from '../types.ts';

/** Longest side the ELA and noise analyses run at; larger photos are downscaled first (and this is reported). */
export const ANALYSIS_MAX_SIDE = 4096;
/** Longest side of the map images handed back for display. */
export const MAP_MAX_SIDE = 2048;

export type Decoded = { image: RGBImage; downscaled: boolean };

/**
 * Upright 8-bit sRGB pixels, alpha flattened on white. Downscaling destroys the 8x8 JPEG grid and the sensor noise
 * the aids look at, so it only happens above `maxSide`.
 */
export async function decodeRgb(bytes: Uint8Array, maxSide = ANALYSIS_MAX_SIDE): Promise<Decoded> {
  try {
    const meta = await sharp(bytes, { failOn: 'error' }).metadata();
    const side = Math.max(meta.autoOrient?.width ?? meta.width ?? 0, meta.autoOrient?.height ?? meta.height ?? 0);
    let pipeline = sharp(bytes, { failOn: 'error' }).rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
    const downscaled = side > maxSide;
    if (downscaled) pipeline = pipeline.resize(maxSide, maxSide, { fit: 'inside' });
    const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return {
      image: {
        width: info.width,
        height: info.height,
        channels: 3,
        data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      },
      downscaled,
    };
  } catch (err) {
    throw new UndecodableImageError(`sharp cannot decode this image: ${(err as Error).message}`, { cause: err });
  }
}

export function assertRgb(img: RGBImage, where: string): void {
  if (img.channels !== 3 || img.data.length !== img.width * img.height * 3 || img.width < 1 || img.height < 1) {
    throw new TypeError(`${where}: expected an interleaved RGB image with width*height*3 bytes`);
  }
}

export function rawInput(img: RGBImage) {
  return { raw: { width: img.width, height: img.height, channels: 3 as const } };
}

/** Shrinks a rendered map to at most MAP_MAX_SIDE for display; area averaging keeps isolated hot spots visible. */
export async function fitMap(img: RGBImage, maxSide = MAP_MAX_SIDE): Promise<RGBImage> {
  if (Math.max(img.width, img.height) <= maxSide) return img;
  const { data, info } = await sharp(img.data, rawInput(img))
    .resize(maxSide, maxSide, { fit: 'inside', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: 3,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** BT.601 full-range luma, as JPEG's YCbCr uses. */
export function luma(img: RGBImage): Float32Array {
  const n = img.width * img.height;
  const y = new Float32Array(n);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    y[i] = 0.299 * (d[3 * i] as number) + 0.587 * (d[3 * i + 1] as number) + 0.114 * (d[3 * i + 2] as number);
  }
  return y;
}
