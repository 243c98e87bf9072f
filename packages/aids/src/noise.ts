import { assertRgb, decodeRgb, luma } from './_internal/decode.ts';
import type { NoiseOptions, NoiseResult, RGBImage } from './types.ts';

export const NOISE_HOW_TO_READ =
  'Shows the fine grain left after removing image content (each pixel minus the median of its 3x3 neighbourhood). ' +
  'A camera photo has fairly even grain across similar surfaces; a region that is much smoother (blurred, ' +
  'retouched, painted) or much noisier (pasted from another picture) than similar surfaces nearby deserves a closer ' +
  'look. Edges always light up, and flat sky or blown highlights are naturally dark. An aid, not a verdict.';

/**
 * Noise residual: |luma - 3x3 median of luma| multiplied by `scale`, clipped to 255, rendered grey in RGB, plus the
 * spread of the residual standard deviation over `blockSize` blocks. Edge pixels use the clamped neighbourhood.
 */
export async function noiseResidual(input: Uint8Array | RGBImage, opts: NoiseOptions = {}): Promise<NoiseResult> {
  const scale = opts.scale ?? 10;
  const blockSize = Math.round(opts.blockSize ?? 32);
  if (!(scale > 0)) throw new RangeError('noiseResidual: scale must be positive');
  if (!(blockSize >= 4)) throw new RangeError('noiseResidual: blockSize must be at least 4');
  let img: RGBImage;
  if (input instanceof Uint8Array) {
    img = (await decodeRgb(input)).image;
  } else {
    assertRgb(input, 'noiseResidual');
    img = input;
  }
  const { width: w, height: h } = img;
  const y = luma(img);
  const residual = new Float32Array(w * h);
  const win = new Float32Array(9);
  for (let r = 0; r < h; r++) {
    const r0 = Math.max(0, r - 1);
    const r2 = Math.min(h - 1, r + 1);
    for (let c = 0; c < w; c++) {
      const c0 = Math.max(0, c - 1);
      const c2 = Math.min(w - 1, c + 1);
      const a = r0 * w;
      const m = r * w;
      const b = r2 * w;
      win[0] = y[a + c0] as number;
      win[1] = y[a + c] as number;
      win[2] = y[a + c2] as number;
      win[3] = y[m + c0] as number;
      win[4] = y[m + c] as number;
      win[5] = y[m + c2] as number;
      win[6] = y[b + c0] as number;
      win[7] = y[b + c] as number;
      win[8] = y[b + c2] as number;
      residual[r * w + c] = (y[r * w + c] as number) - median9(win);
    }
  }
  const out = new Uint8Array(w * h * 3);
  let absSum = 0;
  for (let i = 0; i < w * h; i++) {
    const a = Math.abs(residual[i] as number);
    absSum += a;
    const v = Math.min(255, Math.round(a * scale));
    out[3 * i] = v;
    out[3 * i + 1] = v;
    out[3 * i + 2] = v;
  }
  const stds = blockStds(residual, w, h, blockSize);
  const sorted = Float64Array.from(stds).sort();
  const median = sorted.length > 0 ? (sorted[(sorted.length - 1) >> 1] as number) : 0;
  let outliers = 0;
  for (const s of stds) if (median > 0 && (s < median / 3 || s > median * 3)) outliers++;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return {
    image: { width: w, height: h, channels: 3, data: out },
    meanResidual: r3(absSum / (w * h)),
    blockStd: {
      min: r3(sorted[0] ?? 0),
      median: r3(median),
      max: r3(sorted[sorted.length - 1] ?? 0),
      blocks: sorted.length,
    },
    outlierBlockFraction: sorted.length > 0 ? r3(outliers / sorted.length) : 0,
    scale,
    analysedSize: { width: w, height: h },
    legend: {
      zero: 'Black: no fine grain (flat or smoothed area).',
      max: `White: grain of ${Math.ceil(255 / scale)} or more levels (out of 255) — strong noise or an edge.`,
    },
    howToRead: NOISE_HOW_TO_READ,
  };
}

/** Full blocks only; an image smaller than one block counts as one block. */
function blockStds(res: Float32Array, w: number, h: number, b: number): number[] {
  const bw = Math.max(1, Math.floor(w / b));
  const bh = Math.max(1, Math.floor(h / b));
  const sw = Math.min(b, w);
  const sh = Math.min(b, h);
  const out: number[] = [];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let s = 0;
      let s2 = 0;
      for (let r = by * sh; r < by * sh + sh; r++) {
        for (let c = bx * sw; c < bx * sw + sw; c++) {
          const v = res[r * w + c] as number;
          s += v;
          s2 += v * v;
        }
      }
      const n = sw * sh;
      out.push(Math.sqrt(Math.max(0, s2 / n - (s / n) ** 2)));
    }
  }
  return out;
}

/** Paeth's 19-exchange sorting network for 9 values: after it, index 4 holds the median. */
const MEDIAN9_NET = [
  1, 2, 4, 5, 7, 8, 0, 1, 3, 4, 6, 7, 1, 2, 4, 5, 7, 8, 0, 3, 5, 8, 4, 7, 3, 6, 1, 4, 2, 5, 4, 7, 4, 2, 6, 4, 4, 2,
];

/** Median of 9 values, sorting `p` in place as far as the network goes. */
function median9(p: Float32Array): number {
  for (let k = 0; k < MEDIAN9_NET.length; k += 2) {
    const i = MEDIAN9_NET[k] as number;
    const j = MEDIAN9_NET[k + 1] as number;
    const a = p[i] as number;
    const b = p[j] as number;
    if (a > b) {
      p[i] = b;
      p[j] = a;
    }
  }
  return p[4] as number;
}
