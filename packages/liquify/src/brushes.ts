import { brushFalloff, composeAll, type Falloff, type Point, type Warp } from './warp.ts';

/**
 * The Liquify brush engine. Every brush moves content at q by u(q) = (t + A (q - c)) · f(ρ), ρ the elliptical
 * distance to the centre c. The warp on the modified grid is W(p) = -u(p): exact by definition (we sample the
 * original there), and the content displacement seen by a viewer is u to first order.
 */
export type BrushShape = {
  center: Point;
  /** Brush radius in pixels; `radiusY` makes it elliptical (face-aware regions). */
  radius: number;
  radiusY?: number;
  /** 0 (soft) … 1 (hard edge). */
  density?: number;
  /** 0 … 1, scales the whole effect like a tablet's pressure. */
  pressure?: number;
};

export function localAffine(
  shape: BrushShape,
  translate: Point,
  linear: [number, number, number, number] = [0, 0, 0, 0],
): Warp {
  const [cx, cy] = shape.center;
  const rx = shape.radius;
  const ry = shape.radiusY ?? shape.radius;
  const p = shape.pressure ?? 1;
  const f: Falloff = brushFalloff(shape.density ?? 0.5);
  const [a, b, c, d] = linear;
  return {
    at(x, y, out) {
      const ux = x - cx;
      const uy = y - cy;
      const t = Math.sqrt((ux * ux) / (rx * rx) + (uy * uy) / (ry * ry));
      const w = t >= 1 ? 0 : p * f(t);
      out[0] = w === 0 ? 0 : -w * (translate[0] + a * ux + b * uy);
      out[1] = w === 0 ? 0 : -w * (translate[1] + c * ux + d * uy);
    },
    bounds: { x0: cx - rx, y0: cy - ry, x1: cx + rx, y1: cy + ry },
  };
}

/** Bloat (+rate) magnifies around the centre; pucker is a negative rate. rate 0.3 ≈ 30% larger at the centre. */
export function bloat(shape: BrushShape, rate: number): Warp {
  return localAffine(shape, [0, 0], [rate, 0, 0, rate]);
}

export function pucker(shape: BrushShape, rate: number): Warp {
  return bloat(shape, -rate);
}

/** Twirl by `degrees` at the centre (positive = clockwise on screen, y down), fading to 0 at the rim. */
export function twirl(shape: BrushShape, degrees: number): Warp {
  const [cx, cy] = shape.center;
  const r = shape.radius;
  const f = brushFalloff(shape.density ?? 0.5);
  const p = shape.pressure ?? 1;
  const theta = (degrees * Math.PI) / 180;
  return {
    at(x, y, out) {
      const ux = x - cx;
      const uy = y - cy;
      const t = Math.hypot(ux, uy) / r;
      if (t >= 1) {
        out[0] = 0;
        out[1] = 0;
        return;
      }
      // The viewer sees content rotated by +angle, so we sample the original rotated by -angle.
      const ang = -theta * p * f(t);
      const cs = Math.cos(ang);
      const sn = Math.sin(ang);
      out[0] = cs * ux - sn * uy - ux;
      out[1] = sn * ux + cs * uy - uy;
    },
    bounds: { x0: cx - r, y0: cy - r, x1: cx + r, y1: cy + r },
  };
}

/**
 * Forward-warp stroke: dabs along a polyline, each pushing content by `step` along the stroke direction.
 * Like Photoshop, successive dabs act on the already-pushed image, so dabs compose.
 */
export function pushStroke(path: readonly Point[], shape: Omit<BrushShape, 'center'>, strength: number): Warp {
  const dabs: Warp[] = [];
  const spacing = Math.max(1, shape.radius * 0.25);
  for (let i = 1; i < path.length; i++) {
    const [x0, y0] = path[i - 1]!;
    const [x1, y1] = path[i]!;
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len === 0) continue;
    const n = Math.max(1, Math.round(len / spacing));
    const dir: Point = [(x1 - x0) / len, (y1 - y0) / len];
    for (let k = 0; k < n; k++) {
      const s = (k + 0.5) / n;
      const step = (strength * len) / n;
      dabs.push(
        localAffine({ ...shape, center: [x0 + s * (x1 - x0), y0 + s * (y1 - y0)] }, [dir[0] * step, dir[1] * step]),
      );
    }
  }
  return composeAll(dabs);
}
