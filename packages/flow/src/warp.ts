import { assertFlow, assertImage } from './_internal/check.ts';
import { sampleFlowBilinear } from './_internal/flowSample.ts';
import { sampleBicubic } from './sample.ts';
import type { FlowField, Image, Interpolation, PixelData, PixelDataConstructor } from './types.ts';

export type ApplyWarpOptions = { interpolation?: Interpolation; origin?: { x: number; y: number } };

/**
 * Backward warp: output(p) = original(p + origin + W(p)), output has W's size and the input's array type.
 * Uint8 outputs are rounded and clamped to 0..255. Where the source position falls exactly on a pixel
 * (W(p) = 0 with an integer origin, or any integer displacement) the pixel is copied, never resampled.
 */
export function applyWarp<T extends PixelData>(
  original: Image<T>,
  W: FlowField,
  opts: ApplyWarpOptions = {},
): Image<T> {
  assertImage(original, 'applyWarp');
  assertFlow(W, 'applyWarp');
  const interpolation = opts.interpolation ?? 'bilinear';
  const ox = opts.origin?.x ?? 0;
  const oy = opts.origin?.y ?? 0;
  const { width: sw, height: sh, channels: c, data: src } = original;
  const { width: w, height: h, data: f } = W;
  const dst = new (src.constructor as PixelDataConstructor<T>)(w * h * c);
  const quantize = !(src instanceof Float32Array);
  if (interpolation === 'bilinear') warpBilinear(src, sw, sh, c, f, w, h, ox, oy, dst, quantize);
  else if (interpolation === 'bicubic') warpBicubic(src, sw, sh, c, f, w, h, ox, oy, dst, quantize);
  else if (interpolation === 'nearest') warpNearest(src, sw, sh, c, f, w, h, ox, oy, dst);
  else throw new RangeError(`applyWarp: unknown interpolation ${String(interpolation)}`);
  return { width: w, height: h, channels: c, data: dst };
}

// The warp loops below are split per interpolation so each stays small and monomorphic for the JIT.

function warpBilinear(
  src: PixelData,
  sw: number,
  sh: number,
  c: number,
  f: Float32Array,
  w: number,
  h: number,
  ox: number,
  oy: number,
  dst: PixelData,
  quantize: boolean,
): void {
  const xm = sw - 1;
  const ym = sh - 1;
  const rowStride = sw * c;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let sx = x + ox + (f[2 * i] as number);
      let sy = y + oy + (f[2 * i + 1] as number);
      // Clamping the coordinate is the same as replicating edge pixels for bilinear; NaN goes to 0.
      sx = sx > 0 ? (sx < xm ? sx : xm) : 0;
      sy = sy > 0 ? (sy < ym ? sy : ym) : 0;
      const x0 = sx | 0;
      const y0 = sy | 0;
      const fx = sx - x0;
      const fy = sy - y0;
      const o = i * c;
      const i00 = y0 * rowStride + x0 * c;
      // Exactly on a pixel (zero displacement, integer origin): copy, so untouched pixels never blur.
      if (fx === 0 && fy === 0) {
        for (let k = 0; k < c; k++) dst[o + k] = src[i00 + k] as number;
        continue;
      }
      const i10 = x0 < xm ? i00 + c : i00;
      const i01 = y0 < ym ? i00 + rowStride : i00;
      const i11 = x0 < xm ? i01 + c : i01;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      if (quantize) {
        // Inputs are 0..255 and the weights are convex, so rounding needs no clamp.
        for (let k = 0; k < c; k++) {
          dst[o + k] =
            ((src[i00 + k] as number) * w00 +
              (src[i10 + k] as number) * w10 +
              (src[i01 + k] as number) * w01 +
              (src[i11 + k] as number) * w11 +
              0.5) |
            0;
        }
      } else {
        for (let k = 0; k < c; k++) {
          dst[o + k] =
            (src[i00 + k] as number) * w00 +
            (src[i10 + k] as number) * w10 +
            (src[i01 + k] as number) * w01 +
            (src[i11 + k] as number) * w11;
        }
      }
    }
  }
}

function warpBicubic(
  src: PixelData,
  sw: number,
  sh: number,
  c: number,
  f: Float32Array,
  w: number,
  h: number,
  ox: number,
  oy: number,
  dst: PixelData,
  quantize: boolean,
): void {
  const tmp = new Float64Array(c);
  const rowStride = sw * c;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const sx = x + ox + (f[2 * i] as number);
      const sy = y + oy + (f[2 * i + 1] as number);
      const o = i * c;
      const xf = Math.floor(sx);
      const yf = Math.floor(sy);
      // Only the interior (all 16 taps inside) is inlined; edges, NaN and exact pixels go through the general path.
      if (xf >= 1 && yf >= 1 && xf <= sw - 3 && yf <= sh - 3) {
        const tx = sx - xf;
        const ty = sy - yf;
        if (tx === 0 && ty === 0) {
          const s = yf * rowStride + xf * c;
          for (let k = 0; k < c; k++) dst[o + k] = src[s + k] as number;
          continue;
        }
        const wx0 = ((-0.5 * tx + 1) * tx - 0.5) * tx;
        const wx1 = (1.5 * tx - 2.5) * tx * tx + 1;
        const wx2 = ((-1.5 * tx + 2) * tx + 0.5) * tx;
        const wx3 = (0.5 * tx - 0.5) * tx * tx;
        const wy0 = ((-0.5 * ty + 1) * ty - 0.5) * ty;
        const wy1 = (1.5 * ty - 2.5) * ty * ty + 1;
        const wy2 = ((-1.5 * ty + 2) * ty + 0.5) * ty;
        const wy3 = (0.5 * ty - 0.5) * ty * ty;
        const b0 = (yf - 1) * rowStride + (xf - 1) * c;
        const b1 = b0 + rowStride;
        const b2 = b1 + rowStride;
        const b3 = b2 + rowStride;
        const c2 = 2 * c;
        const c3 = 3 * c;
        for (let k = 0; k < c; k++) {
          const a0 = b0 + k;
          const a1 = b1 + k;
          const a2 = b2 + k;
          const a3 = b3 + k;
          const v =
            wy0 *
              ((src[a0] as number) * wx0 +
                (src[a0 + c] as number) * wx1 +
                (src[a0 + c2] as number) * wx2 +
                (src[a0 + c3] as number) * wx3) +
            wy1 *
              ((src[a1] as number) * wx0 +
                (src[a1 + c] as number) * wx1 +
                (src[a1 + c2] as number) * wx2 +
                (src[a1 + c3] as number) * wx3) +
            wy2 *
              ((src[a2] as number) * wx0 +
                (src[a2 + c] as number) * wx1 +
                (src[a2 + c2] as number) * wx2 +
                (src[a2 + c3] as number) * wx3) +
            wy3 *
              ((src[a3] as number) * wx0 +
                (src[a3 + c] as number) * wx1 +
                (src[a3 + c2] as number) * wx2 +
                (src[a3 + c3] as number) * wx3);
          // Catmull-Rom overshoots, so Uint8 output needs the clamp.
          dst[o + k] = quantize ? (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0) : v;
        }
        continue;
      }
      if (sx === xf && sy === yf) {
        // Integer position near the edge: copy exactly (clamped) instead of running 16 taps.
        const xi = sx > 0 ? (sx < sw - 1 ? sx : sw - 1) : 0;
        const yi = sy > 0 ? (sy < sh - 1 ? sy : sh - 1) : 0;
        const s = yi * rowStride + xi * c;
        for (let k = 0; k < c; k++) dst[o + k] = src[s + k] as number;
        continue;
      }
      sampleBicubic(src, sw, sh, c, sx, sy, tmp, 0);
      for (let k = 0; k < c; k++) {
        const v = tmp[k] as number;
        dst[o + k] = quantize ? (v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0) : v;
      }
    }
  }
}

function warpNearest(
  src: PixelData,
  sw: number,
  sh: number,
  c: number,
  f: Float32Array,
  w: number,
  h: number,
  ox: number,
  oy: number,
  dst: PixelData,
): void {
  // Nearest never creates new values, so no quantisation is needed even for Uint8.
  const xm = sw - 1;
  const ym = sh - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let xi = Math.floor(x + ox + (f[2 * i] as number) + 0.5);
      let yi = Math.floor(y + oy + (f[2 * i + 1] as number) + 0.5);
      xi = xi >= 0 ? (xi < xm ? xi : xm) : 0;
      yi = yi >= 0 ? (yi < ym ? yi : ym) : 0;
      const s = (yi * sw + xi) * c;
      const o = i * c;
      for (let k = 0; k < c; k++) dst[o + k] = src[s + k] as number;
    }
  }
}

export type InvertWarpOptions = { iterations?: number; tolerance?: number };
export type InvertWarpResult = {
  flow: FlowField;
  residual: { max: number; mean: number };
  iterations: number;
  converged: boolean;
};

const DEFAULT_INVERT_ITERATIONS = 40;
const DEFAULT_INVERT_TOLERANCE = 1e-3;

/**
 * Inverts a warp: returns F with original(p) ≈ modified(p + F(p)), i.e. the per-pixel fixed point
 * F(p) = -W(p + F(p)) with W sampled bilinearly (clamped at the border).
 *
 * Each pixel is solved independently by damped Newton on G(F) = F + W(p + F) using the analytic gradient of
 * the bilinear W (falling back to the plain fixed-point step where I + ∇W is not orientation-preserving, i.e.
 * where the field folds), warm-started from the neighbour's solution. Every pixel is capped at `iterations`
 * evaluations and keeps its lowest-residual estimate, so folds give finite best-effort vectors, never NaN.
 * `iterations` in the result is the most evaluations any pixel needed; converged = residual.max <= tolerance.
 */
export function invertWarp(W: FlowField, opts: InvertWarpOptions = {}): InvertWarpResult {
  assertFlow(W, 'invertWarp');
  const maxIter = Math.max(1, Math.floor(opts.iterations ?? DEFAULT_INVERT_ITERATIONS));
  const tol = opts.tolerance ?? DEFAULT_INVERT_TOLERANCE;
  const { width: w, height: h, data: f } = W;
  const out = new Float32Array(2 * w * h);
  const xm = w - 1;
  const ym = h - 1;
  // Top-left corner of the last bilinear cell; a 1-pixel-wide field has a degenerate cell.
  const xc = xm > 0 ? xm - 1 : 0;
  const yc = ym > 0 ? ym - 1 : 0;
  let rMax = 0;
  let rSum = 0;
  let itMax = 0;
  let prevPixelR = Infinity;
  let prevPrevPixelR = Infinity;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      let fx: number;
      let fy: number;
      // Warm start from the left neighbours when they converged: linear extrapolation of a smooth field is
      // usually already within tolerance, so most pixels cost a single evaluation.
      if (x > 1 && prevPixelR <= tol && prevPrevPixelR <= tol) {
        fx = 2 * (out[2 * i - 2] as number) - (out[2 * i - 4] as number);
        fy = 2 * (out[2 * i - 1] as number) - (out[2 * i - 3] as number);
      } else if (x > 0 && prevPixelR <= tol) {
        fx = out[2 * i - 2] as number;
        fy = out[2 * i - 1] as number;
      } else if (x === 0 && y > 0 && prevPixelR <= tol) {
        fx = out[2 * (i - w)] as number;
        fy = out[2 * (i - w) + 1] as number;
      } else {
        fx = -(f[2 * i] as number);
        fy = -(f[2 * i + 1] as number);
      }
      let bestR = Infinity;
      let bfx = 0;
      let bfy = 0;
      let prevR = Infinity;
      let pfx = fx;
      let pfy = fy;
      let stx = 0;
      let sty = 0;
      let lam = 1;
      let it = 0;
      while (it < maxIter) {
        it++;
        let qx = x + fx;
        let qy = y + fy;
        // Outside the grid W is constant (clamped), so its derivative there is zero.
        let gxScale = 1;
        let gyScale = 1;
        if (!(qx > 0)) {
          qx = 0;
          gxScale = 0;
        } else if (qx > xm) {
          qx = xm;
          gxScale = 0;
        }
        if (!(qy > 0)) {
          qy = 0;
          gyScale = 0;
        } else if (qy > ym) {
          qy = ym;
          gyScale = 0;
        }
        let x0 = qx | 0;
        let y0 = qy | 0;
        if (x0 > xc) x0 = xc;
        if (y0 > yc) y0 = yc;
        const tx = qx - x0;
        const ty = qy - y0;
        const x1 = x0 < xm ? x0 + 1 : x0;
        const y1 = y0 < ym ? y0 + 1 : y0;
        const j00 = 2 * (y0 * w + x0);
        const j10 = 2 * (y0 * w + x1);
        const j01 = 2 * (y1 * w + x0);
        const j11 = 2 * (y1 * w + x1);
        const u00 = f[j00] as number,
          u10 = f[j10] as number,
          u01 = f[j01] as number,
          u11 = f[j11] as number;
        const v00 = f[j00 + 1] as number,
          v10 = f[j10 + 1] as number,
          v01 = f[j01 + 1] as number,
          v11 = f[j11 + 1] as number;
        const ua = u00 + (u10 - u00) * tx;
        const ub = u01 + (u11 - u01) * tx;
        const va = v00 + (v10 - v00) * tx;
        const vb = v01 + (v11 - v01) * tx;
        const gx = fx + ua + (ub - ua) * ty;
        const gy = fy + va + (vb - va) * ty;
        const r = Math.sqrt(gx * gx + gy * gy);
        if (r < bestR) {
          bestR = r;
          bfx = fx;
          bfy = fy;
        }
        if (r <= tol) break;
        // No progress: backtrack along the last step (halving), up to a limit, then accept and move on.
        if (!(r < prevR) && lam > 1 / 32) {
          lam *= 0.5;
          fx = pfx + lam * stx;
          fy = pfy + lam * sty;
          continue;
        }
        const cu = u11 - u01 - u10 + u00;
        const cv = v11 - v01 - v10 + v00;
        const a = 1 + gxScale * (u10 - u00 + cu * ty);
        const b = gyScale * (ub - ua);
        const c = gxScale * (v10 - v00 + cv * ty);
        const d = 1 + gyScale * (vb - va);
        const det = a * d - b * c;
        if (det > 1e-3) {
          stx = -(d * gx - b * gy) / det;
          sty = -(a * gy - c * gx) / det;
        } else {
          // Folded (or nearly): the Newton direction is meaningless, use the fixed-point step F <- -W(p + F).
          stx = -gx;
          sty = -gy;
        }
        // A near-singular Jacobian can propose a huge step; bound it so the estimate stays local.
        const len = Math.sqrt(stx * stx + sty * sty);
        const cap = 10 * r + 1;
        if (len > cap) {
          stx *= cap / len;
          sty *= cap / len;
        }
        prevR = r;
        pfx = fx;
        pfy = fy;
        lam = 1;
        fx += stx;
        fy += sty;
      }
      if (!(bestR < Infinity)) {
        // Only reachable with non-finite W values: emit a zero vector rather than NaN.
        bfx = 0;
        bfy = 0;
        bestR = 0;
      }
      out[2 * i] = bfx;
      out[2 * i + 1] = bfy;
      prevPrevPixelR = x > 0 ? prevPixelR : Infinity;
      prevPixelR = bestR;
      if (bestR > rMax) rMax = bestR;
      rSum += bestR;
      if (it > itMax) itMax = it;
    }
  }
  return {
    flow: { width: w, height: h, data: out },
    residual: { max: rMax, mean: rSum / (w * h) },
    iterations: itMax,
    converged: rMax <= tol,
  };
}

export type UnwarpOptions = { interpolation?: Interpolation; iterations?: number; tolerance?: number };

/** Undoes W on `modified`: resamples it through the inverse field. Output has W's size. */
export function unwarp<T extends PixelData>(
  modified: Image<T>,
  W: FlowField,
  opts: UnwarpOptions = {},
): { image: Image<T>; inverse: InvertWarpResult } {
  const inverse = invertWarp(W, { iterations: opts.iterations, tolerance: opts.tolerance });
  const image = applyWarp(modified, inverse.flow, { interpolation: opts.interpolation ?? 'bilinear' });
  return { image, inverse };
}

/**
 * The single field equivalent to applying `first` and then `second`:
 * W(p) = W2(p) + W1(p + W2(p)), on second's grid (first is sampled bilinearly, clamped).
 */
export function composeWarps(first: FlowField, second: FlowField): FlowField {
  assertFlow(first, 'composeWarps(first)');
  assertFlow(second, 'composeWarps(second)');
  const { width: w, height: h, data: f2 } = second;
  const out = new Float32Array(2 * w * h);
  const tmp = new Float64Array(2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const j = 2 * (y * w + x);
      const dx = f2[j] as number;
      const dy = f2[j + 1] as number;
      sampleFlowBilinear(first, x + dx, y + dy, tmp);
      out[j] = dx + (tmp[0] as number);
      out[j + 1] = dy + (tmp[1] as number);
    }
  }
  return { width: w, height: h, data: out };
}
