import { createFlow, type FlowField, type Image } from './types.ts';

export type EstimateFlowOptions = {
  /**
   * Smoothness weight α of the field, in the units of the normalised luma (unit standard deviation). Liquify fields
   * are smooth; larger values keep textureless skin from wandering but round off sharp pushes. Default 0.15.
   */
  smoothness?: number;
  /** Warps (re-linearisations) per pyramid level. Default 4. */
  warps?: number;
  /** Relaxation sweeps per warp. Default 50. */
  iterations?: number;
  /** Coarsest level's shorter side, px: the pyramid stops above it. Default 24. */
  coarsest?: number;
};

export type FlowEstimate = {
  /** W on the first image's grid: `modified(p) ≈ reference(p + W(p))`, the package's convention. */
  flow: FlowField;
  /** RMS of the normalised luma difference before (W = 0) and after warping the reference by W. */
  residual: { before: number; after: number };
};

/**
 * Dense warp field between an edited photo and the photo it was made from (same framing and size): the
 * measured answer to "what did the liquify tool move", when the original is at hand. Coarse-to-fine variational
 * flow (Horn-Schunck data + smoothness terms, re-linearised around the current field at each level, with a
 * Charbonnier-weighted data term so a retouched blemish or a colour change does not drag the field).
 */
export function estimateFlow(modified: Image, reference: Image, opts: EstimateFlowOptions = {}): FlowEstimate {
  if (modified.width !== reference.width || modified.height !== reference.height)
    throw new RangeError(
      `estimateFlow: the images must have the same size, got ${modified.width}x${modified.height} and ${reference.width}x${reference.height}`,
    );
  const alpha = opts.smoothness ?? 0.15;
  const warps = opts.warps ?? 4;
  const iterations = opts.iterations ?? 50;
  const coarsest = Math.max(8, opts.coarsest ?? 24);

  const [m0, r0] = normalisePair(luma(modified), luma(reference));
  const top: Plane = { width: modified.width, height: modified.height, data: m0 };
  const pyramidM: Plane[] = [smooth(top)];
  const pyramidR: Plane[] = [smooth({ ...top, data: r0 })];
  while (Math.min(pyramidM.at(-1)!.width, pyramidM.at(-1)!.height) >= 2 * coarsest) {
    pyramidM.push(halve(pyramidM.at(-1)!));
    pyramidR.push(halve(pyramidR.at(-1)!));
  }

  let u: Float32Array = new Float32Array(0);
  let v: Float32Array = new Float32Array(0);
  for (let level = pyramidM.length - 1; level >= 0; level--) {
    const M = pyramidM[level]!;
    const R = pyramidR[level]!;
    if (level === pyramidM.length - 1) {
      u = new Float32Array(M.width * M.height);
      v = new Float32Array(M.width * M.height);
    } else {
      const prev = pyramidM[level + 1]!;
      u = upsample(u, prev.width, prev.height, M.width, M.height);
      v = upsample(v, prev.width, prev.height, M.width, M.height);
    }
    for (let k = 0; k < warps; k++) refine(M, R, u, v, alpha, iterations);
  }

  const flow = createFlow(modified.width, modified.height);
  for (let i = 0; i < u.length; i++) {
    flow.data[2 * i] = u[i]!;
    flow.data[2 * i + 1] = v[i]!;
  }
  const none = new Float32Array(u.length);
  return {
    flow,
    residual: { before: rmsResidual(top, r0, none, none), after: rmsResidual(top, r0, u, v) },
  };
}

type Plane = { width: number; height: number; data: Float32Array };

function luma(img: Image): Float32Array {
  const { width, height, channels: c, data } = img;
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) {
    out[i] =
      c >= 3 ? 0.299 * data[i * c]! + 0.587 * data[i * c + 1]! + 0.114 * data[i * c + 2]! : (data[i * c] as number);
  }
  return out;
}

/** Both to zero mean and the reference's spread, so a global brightness or contrast change is not read as motion. */
function normalisePair(a: Float32Array, b: Float32Array): [Float32Array, Float32Array] {
  const stats = (x: Float32Array) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      s += x[i]!;
      s2 += x[i]! * x[i]!;
    }
    const mean = s / x.length;
    return { mean, std: Math.sqrt(Math.max(s2 / x.length - mean * mean, 1e-6)) };
  };
  const sa = stats(a);
  const sb = stats(b);
  const norm = (x: Float32Array, { mean, std }: { mean: number; std: number }) => x.map((val) => (val - mean) / std);
  return [norm(a, sa), norm(b, sb)];
}

/** [1 2 1]/4 in x and y: takes the edge off JPEG noise and aliasing before differentiating. */
function smooth(p: Plane): Plane {
  const { width: w, height: h, data } = p;
  const tmp = new Float32Array(w * h);
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const l = data[y * w + Math.max(0, x - 1)]!;
      const r = data[y * w + Math.min(w - 1, x + 1)]!;
      tmp[y * w + x] = 0.25 * l + 0.5 * data[y * w + x]! + 0.25 * r;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const t = tmp[Math.max(0, y - 1) * w + x]!;
      const b = tmp[Math.min(h - 1, y + 1) * w + x]!;
      out[y * w + x] = 0.25 * t + 0.5 * tmp[y * w + x]! + 0.25 * b;
    }
  return { width: w, height: h, data: out };
}

/** Smoothed 2x decimation (pixel centres: coarse (x, y) sits at fine (2x + 0.5, 2y + 0.5)). */
function halve(p: Plane): Plane {
  const s = smooth(p);
  const w = Math.max(1, Math.floor(p.width / 2));
  const h = Math.max(1, Math.floor(p.height / 2));
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = 2 * y * p.width + 2 * x;
      out[y * w + x] = 0.25 * (s.data[i]! + s.data[i + 1]! + s.data[i + p.width]! + s.data[i + p.width + 1]!);
    }
  return { width: w, height: h, data: out };
}

/** One component of a coarse field to a finer grid: bilinear, pixel-centre aligned, vectors scaled with the grid. */
function upsample(f: Float32Array, w: number, h: number, W: number, H: number): Float32Array {
  const out = new Float32Array(W * H);
  const kx = W / w;
  const ky = H / h;
  for (let y = 0; y < H; y++) {
    const sy = Math.min(h - 1, Math.max(0, (y + 0.5) / ky - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < W; x++) {
      const sx = Math.min(w - 1, Math.max(0, (x + 0.5) / kx - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = f[y0 * w + x0]! * (1 - fx) + f[y0 * w + x1]! * fx;
      const bottom = f[y1 * w + x0]! * (1 - fx) + f[y1 * w + x1]! * fx;
      out[y * W + x] = (top * (1 - fy) + bottom * fy) * kx;
    }
  }
  return out;
}

/** Bilinear sample with replicated edges, and its x/y derivatives by central differences of the samples. */
function sampleWithGradient(p: Plane, x: number, y: number, out: Float32Array): void {
  out[0] = bilinear(p, x, y);
  out[1] = 0.5 * (bilinear(p, x + 1, y) - bilinear(p, x - 1, y));
  out[2] = 0.5 * (bilinear(p, x, y + 1) - bilinear(p, x, y - 1));
}

function bilinear(p: Plane, x: number, y: number): number {
  const { width: w, height: h, data } = p;
  const cx = Math.min(w - 1, Math.max(0, x));
  const cy = Math.min(h - 1, Math.max(0, y));
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(w - 1, x0 + 1);
  const y1 = Math.min(h - 1, y0 + 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const top = data[y0 * w + x0]! * (1 - fx) + data[y0 * w + x1]! * fx;
  const bottom = data[y1 * w + x0]! * (1 - fx) + data[y1 * w + x1]! * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Linearise reference(p + W + dW) ≈ R_w + ∇R_w · dW around the current field and relax the Horn-Schunck equations
 * for the new field (Gauss-Seidel sweeps; the smoothness term pulls each vector to its 4-neighbour mean).
 */
function refine(M: Plane, R: Plane, u: Float32Array, v: Float32Array, alpha: number, iterations: number): void {
  const { width: w, height: h } = M;
  const n = w * h;
  const Ix = new Float32Array(n);
  const Iy = new Float32Array(n);
  const It = new Float32Array(n);
  const psi = new Float32Array(n);
  const s = new Float32Array(3);
  const u0 = u.slice();
  const v0 = v.slice();
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      sampleWithGradient(R, x + u[i]!, y + v[i]!, s);
      Ix[i] = s[1]!;
      Iy[i] = s[2]!;
      It[i] = s[0]! - M.data[i]!;
      // Charbonnier weight of the data term: large residuals (a blemish painted out) count less.
      psi[i] = 1 / Math.sqrt(1 + (It[i]! * It[i]!) / 0.01);
    }
  const a2 = alpha * alpha;
  for (let it = 0; it < iterations; it++) {
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const l = x > 0 ? i - 1 : i;
        const r = x < w - 1 ? i + 1 : i;
        const t = y > 0 ? i - w : i;
        const b = y < h - 1 ? i + w : i;
        const ub = 0.25 * (u[l]! + u[r]! + u[t]! + u[b]!);
        const vb = 0.25 * (v[l]! + v[r]! + v[t]! + v[b]!);
        const ix = Ix[i]!;
        const iy = Iy[i]!;
        const p = psi[i]!;
        // Residual of the linearised data term at the neighbour mean.
        const e = It[i]! + ix * (ub - u0[i]!) + iy * (vb - v0[i]!);
        const k = (p * e) / (a2 + p * (ix * ix + iy * iy));
        u[i] = ub - ix * k;
        v[i] = vb - iy * k;
      }
  }
}

function rmsResidual(M: Plane, reference: Float32Array, u: Float32Array, v: Float32Array): number {
  const R: Plane = { width: M.width, height: M.height, data: reference };
  let s = 0;
  for (let y = 0; y < M.height; y++)
    for (let x = 0; x < M.width; x++) {
      const i = y * M.width + x;
      const d = bilinear(R, x + u[i]!, y + v[i]!) - M.data[i]!;
      s += d * d;
    }
  return Math.sqrt(s / (M.width * M.height));
}
