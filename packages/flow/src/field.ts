import { assertFlow } from './_internal/check.ts';
import { sampleFlowBilinear } from './_internal/flowSample.ts';
import { createFlow, type FlowField, type Image, type PixelData } from './types.ts';

/**
 * Resamples W to width x height (bilinear, pixel-centre aligned: output pixel x reads source
 * (x + 0.5) * W.width / width - 0.5) and scales the vectors by width / W.width and height / W.height,
 * so the result describes the same warp on the resized image.
 */
export function resizeFlow(W: FlowField, width: number, height: number): FlowField {
  assertFlow(W, 'resizeFlow');
  const out = createFlow(width, height);
  const o = out.data;
  const rx = W.width / width;
  const ry = W.height / height;
  const kx = width / W.width;
  const ky = height / W.height;
  const tmp = new Float64Array(2);
  for (let y = 0; y < height; y++) {
    const sy = (y + 0.5) * ry - 0.5;
    for (let x = 0; x < width; x++) {
      sampleFlowBilinear(W, (x + 0.5) * rx - 0.5, sy, tmp);
      const j = 2 * (y * width + x);
      o[j] = (tmp[0] as number) * kx;
      o[j + 1] = (tmp[1] as number) * ky;
    }
  }
  return out;
}

/** Multiplies every vector by `factor` (warp strength); the grid is unchanged. Use resizeFlow to change resolution. */
export function scaleFlow(W: FlowField, factor: number): FlowField {
  assertFlow(W, 'scaleFlow');
  const src = W.data;
  const data = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = (src[i] as number) * factor;
  return { width: W.width, height: W.height, data };
}

/**
 * Copies the rectangle (integer coordinates) out of W; vectors are unchanged because a crop shifts the
 * modified and original images alike. Parts of the rectangle outside W are zero (no warp).
 */
export function cropFlow(W: FlowField, rect: { x: number; y: number; width: number; height: number }): FlowField {
  assertFlow(W, 'cropFlow');
  const rx = Math.round(rect.x);
  const ry = Math.round(rect.y);
  const out = createFlow(Math.round(rect.width), Math.round(rect.height));
  placeFlow(out, W, -rx, -ry);
  return out;
}

/** Overwrites target with W placed at (x, y) (rounded to integers), clipped to target. */
export function placeFlow(target: FlowField, W: FlowField, x: number, y: number): void {
  assertFlow(target, 'placeFlow(target)');
  assertFlow(W, 'placeFlow(W)');
  const px = Math.round(x);
  const py = Math.round(y);
  const x0 = Math.max(0, px);
  const x1 = Math.min(target.width, px + W.width);
  const y0 = Math.max(0, py);
  const y1 = Math.min(target.height, py + W.height);
  if (x1 <= x0 || y1 <= y0) return;
  for (let ty = y0; ty < y1; ty++) {
    const s = 2 * ((ty - py) * W.width + (x0 - px));
    target.data.set(W.data.subarray(s, s + 2 * (x1 - x0)), 2 * (ty * target.width + x0));
  }
}

/** Per-pixel vector length |W(p)| in pixels, row-major. */
export function flowMagnitude(W: FlowField): Float32Array {
  assertFlow(W, 'flowMagnitude');
  const n = W.width * W.height;
  const f = W.data;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = f[2 * i] as number;
    const v = f[2 * i + 1] as number;
    out[i] = Math.sqrt(u * u + v * v);
  }
  return out;
}

/**
 * Copies a rectangle (integer coordinates, inside the image) out of an image, any channel count, same data type:
 * the pixel twin of cropFlow.
 */
export function cropImage<T extends PixelData>(
  img: Image<T>,
  rect: { x: number; y: number; width: number; height: number },
): Image<T> {
  const { x, y, width, height } = rect;
  if (x < 0 || y < 0 || x + width > img.width || y + height > img.height)
    throw new RangeError(`cropImage: ${width}x${height}+${x}+${y} lies outside the ${img.width}x${img.height} image`);
  const c = img.channels;
  const data = new (img.data.constructor as new (n: number) => T)(width * height * c);
  for (let r = 0; r < height; r++) {
    const start = ((y + r) * img.width + x) * c;
    data.set(img.data.subarray(start, start + width * c), r * width * c);
  }
  return { width, height, channels: c, data };
}
