import type { Box } from '@unwarp/faces';
import { type Region, type WindowGrid, windowIndicesInRegion } from '@unwarp/model';

/**
 * Where a face's score comes from. The model scores every training-sized window of the face; the windows it finds
 * most suspicious are where it saw an edit (on simulator edits of held-out faces the shipped model's top window sits
 * on an edit in 36 of 36 lossless edits, 15 of 34 after a JPEG re-save, against ~41% by chance:
 * `localization-study.ts`). The map holds each pixel's window probability (through the face calibration), NaN where
 * no face window is centred.
 */
export type EvidenceMap = { width: number; height: number; data: Float32Array };

/** The most suspicious window of a face, in image pixels. */
export type Hotspot = { box: Box; probability: number };

export function createEvidenceMap(width: number, height: number): EvidenceMap {
  return { width, height, data: new Float32Array(width * height).fill(Number.NaN) };
}

/**
 * Paints one face crop's windows into `map` (image grid). `grid` is the head's window map on the network input (the
 * crop resized to `size`); only pixels whose network position lies in `region` (where the face's windows are centred)
 * are painted, with the window logits interpolated bilinearly between window centres and mapped to a probability.
 * Overlapping faces keep the higher value. Returns the face's top window.
 */
export function paintEvidence(
  map: EvidenceMap,
  grid: WindowGrid,
  crop: Box,
  size: { width: number; height: number },
  region: Region,
  toProbability: (logit: number) => number,
): Hotspot {
  const { rows, cols, cells, stride, logits } = grid;
  const sx = size.width / crop.width;
  const sy = size.height / crop.height;
  const half = cells / 2;
  // Where each pixel row and column falls between window centres: the two windows either side and the blend.
  const between = (n: number, count: number) => {
    const g = clamp(n / stride - half, 0, count - 1);
    const i0 = Math.floor(g);
    return { i0, i1: Math.min(count - 1, i0 + 1), f: g - i0 };
  };
  const columns = Array.from({ length: crop.width }, (_, x) => {
    const nx = (x + 0.5) * sx;
    return nx >= region.x0 && nx < region.x1 ? between(nx, cols) : undefined;
  });
  for (let y = 0; y < crop.height; y++) {
    const ny = (y + 0.5) * sy;
    if (ny < region.y0 || ny >= region.y1) continue;
    const { i0: r0, i1: r1, f: fy } = between(ny, rows);
    const row = (crop.y + y) * map.width + crop.x;
    for (let x = 0; x < crop.width; x++) {
      const col = columns[x];
      if (!col) continue;
      const { i0: c0, i1: c1, f: fx } = col;
      const top = logits[r0 * cols + c0]! * (1 - fx) + logits[r0 * cols + c1]! * fx;
      const bottom = logits[r1 * cols + c0]! * (1 - fx) + logits[r1 * cols + c1]! * fx;
      const p = toProbability(top * (1 - fy) + bottom * fy);
      const old = map.data[row + x]!;
      if (!(old >= p)) map.data[row + x] = p;
    }
  }
  // The face's windows by the same rule as its score (all of them when none is centred in the region).
  const best = windowIndicesInRegion(grid, region).reduce((b, i) => (logits[i]! > logits[b]! ? i : b));
  const r = Math.floor(best / cols);
  const c = best % cols;
  const side = cells * stride;
  const x0 = crop.x + (c * stride) / sx;
  const y0 = crop.y + (r * stride) / sy;
  const x1 = Math.min(crop.x + crop.width, crop.x + (c * stride + side) / sx);
  const y1 = Math.min(crop.y + crop.height, crop.y + (r * stride + side) / sy);
  return {
    box: { x: Math.round(x0), y: Math.round(y0), width: Math.round(x1 - x0), height: Math.round(y1 - y0) },
    probability: toProbability(logits[best]!),
  };
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
