import { createFlow, type FlowField } from '@unwarp/flow';

/**
 * A warp as an analytic function on the modified grid: W(x, y) → (dx, dy) with modified(p) = original(p + W(p)).
 * Keeping edits analytic (instead of rasterised fields) makes composition exact and lets a caller rasterise only
 * the patch it needs.
 */
export type Warp = {
  /** Writes W(x, y) into out[0], out[1]. */
  at(x: number, y: number, out: Float64Array): void;
  /** Axis-aligned box outside which W is exactly zero, or null for "anywhere". */
  bounds: Box | null;
};

export type Box = { x0: number; y0: number; x1: number; y1: number };
export type Point = [number, number];

export const IDENTITY: Warp = {
  at(_x, _y, out) {
    out[0] = 0;
    out[1] = 0;
  },
  bounds: { x0: 0, y0: 0, x1: 0, y1: 0 },
};

/** Edit `first`, then `second`: W(p) = W2(p) + W1(p + W2(p)) — exact because both are evaluated analytically. */
export function compose(first: Warp, second: Warp): Warp {
  const tmp = new Float64Array(2);
  return {
    at(x, y, out) {
      second.at(x, y, tmp);
      const dx = tmp[0]!;
      const dy = tmp[1]!;
      first.at(x + dx, y + dy, out);
      out[0] = out[0]! + dx;
      out[1] = out[1]! + dy;
    },
    // Outside second's support W2 = 0 and W = W1(p): the union of both supports is exact.
    bounds: unionBounds(first.bounds, second.bounds),
  };
}

export function composeAll(edits: readonly Warp[]): Warp {
  return edits.reduce<Warp>((acc, e) => compose(acc, e), IDENTITY);
}

/** Scales the warp's vectors by a factor 0..1 inside a region: Liquify's Reconstruct brush. */
export function reconstruct(base: Warp, center: Point, radius: number, amount: number, falloff: Falloff): Warp {
  return {
    at(x, y, out) {
      base.at(x, y, out);
      const t = Math.hypot(x - center[0], y - center[1]) / radius;
      const k = 1 - amount * falloff(t);
      out[0] = out[0]! * k;
      out[1] = out[1]! * k;
    },
    bounds: base.bounds,
  };
}

/** Photoshop's brush density as a falloff over t = r / radius: compact support, so W is exactly zero outside. */
export type Falloff = (t: number) => number;

export function brushFalloff(density = 0.5): Falloff {
  // density 0 → soft (cubic-ish) bell, 1 → nearly flat top with a short edge; always C1 at t = 1.
  const power = 2 + 2 * (1 - Math.min(Math.max(density, 0), 1));
  return (t) => {
    if (t >= 1) return 0;
    const s = 1 - t * t;
    return s ** power;
  };
}

/** Rasterises a warp over a rectangle of the modified grid (origin = rectangle's top-left in that grid). */
export function rasterize(warp: Warp, width: number, height: number, origin: Point = [0, 0]): FlowField {
  const flow = createFlow(width, height);
  const out = new Float64Array(2);
  const b = warp.bounds;
  // Only visit the part of the rectangle that can be nonzero.
  const xs = b ? Math.max(0, Math.floor(b.x0 - origin[0])) : 0;
  const xe = b ? Math.min(width, Math.ceil(b.x1 - origin[0]) + 1) : width;
  const ys = b ? Math.max(0, Math.floor(b.y0 - origin[1])) : 0;
  const ye = b ? Math.min(height, Math.ceil(b.y1 - origin[1]) + 1) : height;
  const d = flow.data;
  for (let y = ys; y < ye; y++) {
    for (let x = xs; x < xe; x++) {
      warp.at(x + origin[0], y + origin[1], out);
      const i = 2 * (y * width + x);
      d[i] = out[0]!;
      d[i + 1] = out[1]!;
    }
  }
  return flow;
}

/** Where a point of the original lands in the modified image: solves q' + W(q') = q by fixed-point iteration. */
export function movePoint(warp: Warp, q: Point, iterations = 50): Point {
  const out = new Float64Array(2);
  let x = q[0];
  let y = q[1];
  for (let i = 0; i < iterations; i++) {
    warp.at(x, y, out);
    const nx = q[0] - out[0]!;
    const ny = q[1] - out[1]!;
    if (Math.abs(nx - x) < 1e-6 && Math.abs(ny - y) < 1e-6) return [nx, ny];
    x = nx;
    y = ny;
  }
  return [x, y];
}

function unionBounds(a: Box | null, b: Box | null): Box | null {
  if (!a || !b) return null;
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return {
    x0: Math.min(a.x0, b.x0),
    y0: Math.min(a.y0, b.y0),
    x1: Math.max(a.x1, b.x1),
    y1: Math.max(a.y1, b.y1),
  };
}

function isEmpty(b: Box): boolean {
  return b.x1 <= b.x0 && b.y1 <= b.y0;
}
