import { assertImage } from './_internal/check.ts';
import type { Image, Interpolation, PixelData } from './types.ts';

// Samplers write raw (unrounded, unclamped) floats; callers that store into Uint8 quantise.
// Out-of-range coordinates replicate the edge: indices are clamped, never the value.

/** Nearest neighbour; ties (x.5) round up. */
export function sampleNearest(
  src: PixelData,
  w: number,
  h: number,
  c: number,
  x: number,
  y: number,
  out: Float32Array | Float64Array,
  off: number,
): void {
  let xi = Math.floor(x + 0.5);
  let yi = Math.floor(y + 0.5);
  // `>=` comparisons send NaN to 0 instead of producing NaN indices.
  xi = xi >= 0 ? (xi < w ? xi : w - 1) : 0;
  yi = yi >= 0 ? (yi < h ? yi : h - 1) : 0;
  const base = (yi * w + xi) * c;
  for (let k = 0; k < c; k++) out[off + k] = src[base + k] as number;
}

export function sampleBilinear(
  src: PixelData,
  w: number,
  h: number,
  c: number,
  x: number,
  y: number,
  out: Float32Array | Float64Array,
  off: number,
): void {
  // For bilinear, clamping the coordinate is the same as replicating the edge.
  const xm = w - 1;
  const ym = h - 1;
  x = x > 0 ? (x < xm ? x : xm) : 0;
  y = y > 0 ? (y < ym ? y : ym) : 0;
  const x0 = x | 0;
  const y0 = y | 0;
  const fx = x - x0;
  const fy = y - y0;
  const x1 = x0 < xm ? x0 + 1 : x0;
  const y1 = y0 < ym ? y0 + 1 : y0;
  const i00 = (y0 * w + x0) * c;
  const i10 = (y0 * w + x1) * c;
  const i01 = (y1 * w + x0) * c;
  const i11 = (y1 * w + x1) * c;
  const w00 = (1 - fx) * (1 - fy);
  const w10 = fx * (1 - fy);
  const w01 = (1 - fx) * fy;
  const w11 = fx * fy;
  for (let k = 0; k < c; k++) {
    out[off + k] =
      (src[i00 + k] as number) * w00 +
      (src[i10 + k] as number) * w10 +
      (src[i01 + k] as number) * w01 +
      (src[i11 + k] as number) * w11;
  }
}

/** Catmull-Rom (a = -0.5): reproduces linear ramps exactly and is interpolating (t = 0 gives the pixel itself). */
export function sampleBicubic(
  src: PixelData,
  w: number,
  h: number,
  c: number,
  x: number,
  y: number,
  out: Float32Array | Float64Array,
  off: number,
): void {
  // Beyond 2 px outside, every tap clamps to the edge anyway; bounding keeps floor() in int range and maps NaN to -2.
  x = x >= -2 ? (x <= w + 1 ? x : w + 1) : -2;
  y = y >= -2 ? (y <= h + 1 ? y : h + 1) : -2;
  const xf = Math.floor(x);
  const yf = Math.floor(y);
  const tx = x - xf;
  const ty = y - yf;
  const wx0 = ((-0.5 * tx + 1) * tx - 0.5) * tx;
  const wx1 = (1.5 * tx - 2.5) * tx * tx + 1;
  const wx2 = ((-1.5 * tx + 2) * tx + 0.5) * tx;
  const wx3 = (0.5 * tx - 0.5) * tx * tx;
  const wy0 = ((-0.5 * ty + 1) * ty - 0.5) * ty;
  const wy1 = (1.5 * ty - 2.5) * ty * ty + 1;
  const wy2 = ((-1.5 * ty + 2) * ty + 0.5) * ty;
  const wy3 = (0.5 * ty - 0.5) * ty * ty;
  const xm = w - 1;
  const ym = h - 1;
  const cx0 = (xf - 1 < 0 ? 0 : xf - 1 > xm ? xm : xf - 1) * c;
  const cx1 = (xf < 0 ? 0 : xf > xm ? xm : xf) * c;
  const cx2 = (xf + 1 < 0 ? 0 : xf + 1 > xm ? xm : xf + 1) * c;
  const cx3 = (xf + 2 < 0 ? 0 : xf + 2 > xm ? xm : xf + 2) * c;
  const r0 = (yf - 1 < 0 ? 0 : yf - 1 > ym ? ym : yf - 1) * w * c;
  const r1 = (yf < 0 ? 0 : yf > ym ? ym : yf) * w * c;
  const r2 = (yf + 1 < 0 ? 0 : yf + 1 > ym ? ym : yf + 1) * w * c;
  const r3 = (yf + 2 < 0 ? 0 : yf + 2 > ym ? ym : yf + 2) * w * c;
  for (let k = 0; k < c; k++) {
    const a = r0 + k;
    const b = r1 + k;
    const d = r2 + k;
    const e = r3 + k;
    const v0 =
      (src[a + cx0] as number) * wx0 +
      (src[a + cx1] as number) * wx1 +
      (src[a + cx2] as number) * wx2 +
      (src[a + cx3] as number) * wx3;
    const v1 =
      (src[b + cx0] as number) * wx0 +
      (src[b + cx1] as number) * wx1 +
      (src[b + cx2] as number) * wx2 +
      (src[b + cx3] as number) * wx3;
    const v2 =
      (src[d + cx0] as number) * wx0 +
      (src[d + cx1] as number) * wx1 +
      (src[d + cx2] as number) * wx2 +
      (src[d + cx3] as number) * wx3;
    const v3 =
      (src[e + cx0] as number) * wx0 +
      (src[e + cx1] as number) * wx1 +
      (src[e + cx2] as number) * wx2 +
      (src[e + cx3] as number) * wx3;
    out[off + k] = v0 * wy0 + v1 * wy1 + v2 * wy2 + v3 * wy3;
  }
}

/**
 * Samples `img` at the continuous position (x, y) (pixel centres at integers) and writes `channels` floats to
 * out[outOffset..]. Values are not rounded or clamped (bicubic may overshoot 0..255).
 */
export function sampleImage(
  img: Image,
  x: number,
  y: number,
  interpolation: Interpolation,
  out: Float32Array,
  outOffset = 0,
): void {
  assertImage(img, 'sampleImage');
  const { data, width, height, channels } = img;
  if (interpolation === 'nearest') sampleNearest(data, width, height, channels, x, y, out, outOffset);
  else if (interpolation === 'bilinear') sampleBilinear(data, width, height, channels, x, y, out, outOffset);
  else if (interpolation === 'bicubic') sampleBicubic(data, width, height, channels, x, y, out, outOffset);
  else throw new RangeError(`sampleImage: unknown interpolation ${String(interpolation)}`);
}
