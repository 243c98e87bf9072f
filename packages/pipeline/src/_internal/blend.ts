import type { Box } from '@unwarp/faces';
import type { FlowField } from '@unwarp/flow';

/** A field predicted for one crop, on the crop's grid, in image pixels. */
export type BlendCrop = { crop: Box; field: FlowField };

/** Width of the fade at a crop edge, as a fraction of the crop's short side (the face box keeps full weight). */
export const FADE = 0.12;

/**
 * Writes the crops' fields into `target` (the whole image's W, zero outside every crop). Each field is weighted by a
 * smoothstep that falls to zero towards every crop edge that lies inside the image (not at an image border), so W
 * has no seam where a crop ends. Where crops overlap, W = sum(w_i W_i) / max(1, sum(w_i)).
 *
 * Returns, for each crop, |W| of the final field at the pixels that crop "owns" (its weight is the largest there;
 * ties go to the earlier crop): the per-face displacement statistics, free of a neighbour's face.
 */
export function blendCrops(target: FlowField, crops: BlendCrop[]): Float32Array[] {
  // A crop owns at most its own area: preallocate, fill, then trim.
  const owned = crops.map((c) => new Float32Array(c.crop.width * c.crop.height));
  const count = new Int32Array(crops.length);
  for (const cluster of clusters(crops.map((c) => c.crop))) {
    const R = cluster.box;
    const n = R.width * R.height;
    const num = new Float32Array(2 * n);
    const den = new Float32Array(n);
    const best = new Float32Array(n).fill(-1);
    const owner = new Int32Array(n).fill(-1);
    for (const i of cluster.members) {
      const { crop, field } = crops[i]!;
      const wx = fade(crop.width, crop.x > 0, crop.x + crop.width < target.width, Math.min(crop.width, crop.height));
      const wy = fade(crop.height, crop.y > 0, crop.y + crop.height < target.height, Math.min(crop.width, crop.height));
      for (let y = 0; y < crop.height; y++) {
        const ry = crop.y - R.y + y;
        for (let x = 0; x < crop.width; x++) {
          const w = wx[x]! * wy[y]!;
          const j = ry * R.width + (crop.x - R.x + x);
          const s = 2 * (y * crop.width + x);
          num[2 * j] = num[2 * j]! + w * field.data[s]!;
          num[2 * j + 1] = num[2 * j + 1]! + w * field.data[s + 1]!;
          den[j] = den[j]! + w;
          if (w > best[j]!) {
            best[j] = w;
            owner[j] = i;
          }
        }
      }
    }
    for (let y = 0; y < R.height; y++) {
      for (let x = 0; x < R.width; x++) {
        const j = y * R.width + x;
        const k = 1 / Math.max(1, den[j]!);
        const u = num[2 * j]! * k;
        const v = num[2 * j + 1]! * k;
        const t = 2 * ((R.y + y) * target.width + R.x + x);
        target.data[t] = u;
        target.data[t + 1] = v;
        const o = owner[j]!;
        if (o >= 0) owned[o]![count[o]!++] = Math.sqrt(u * u + v * v);
      }
    }
  }
  return owned.map((m, i) => m.subarray(0, count[i]));
}

/** Per-column (or per-row) weight: 1 inside, smoothstep down to ~0 over FADE * short side at a fading edge. */
function fade(length: number, fadeStart: boolean, fadeEnd: boolean, short: number): Float32Array {
  const m = Math.max(2, Math.round(FADE * short));
  const w = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    let a = 1;
    if (fadeStart) a = Math.min(a, (i + 0.5) / m);
    if (fadeEnd) a = Math.min(a, (length - i - 0.5) / m);
    a = Math.min(1, a);
    w[i] = a * a * (3 - 2 * a);
  }
  return w;
}

/** Groups of crops whose boxes overlap (transitively), each with the box around the group. Input order is kept. */
export function clusters(boxes: Box[]): { box: Box; members: number[] }[] {
  let groups = boxes.map((box, i) => ({ box: { ...box }, members: [i] }));
  for (let merged = true; merged; ) {
    merged = false;
    outer: for (let a = 0; a < groups.length; a++)
      for (let b = a + 1; b < groups.length; b++) {
        if (!overlaps(groups[a]!.box, groups[b]!.box)) continue;
        const A = groups[a]!;
        const B = groups[b]!;
        A.box = union(A.box, B.box);
        A.members = [...A.members, ...B.members].sort((x, y) => x - y);
        groups = groups.filter((_, k) => k !== b);
        merged = true;
        break outer;
      }
  }
  return groups;
}

/** The boxes of clusters(boxes): disjoint rectangles that together cover every box. */
export function clusterBoxes(boxes: Box[]): Box[] {
  return clusters(boxes).map((c) => c.box);
}

const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The smallest box holding both. */
export function union(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}
