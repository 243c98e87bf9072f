import { assertFlow, assertImage, assertSameGrid } from './_internal/check.ts';
import type { FlowField, Image } from './types.ts';

export type PixelMask = Uint8Array | ((x: number, y: number) => boolean);

/**
 * Mean endpoint error |pred - gt| over pixels inside `mask` (Uint8Array of w*h, nonzero = in; or a predicate)
 * whose ground truth is strictly longer than minGtMagnitude (default: no threshold).
 * mean is NaN when no pixel qualifies.
 */
export function endpointError(
  pred: FlowField,
  gt: FlowField,
  opts: { mask?: PixelMask; minGtMagnitude?: number } = {},
): { mean: number; count: number } {
  assertFlow(pred, 'endpointError(pred)');
  assertFlow(gt, 'endpointError(gt)');
  assertSameGrid(pred, gt, 'endpointError');
  const { width: w, height: h } = gt;
  const mask = opts.mask;
  if (mask instanceof Uint8Array && mask.length !== w * h) {
    throw new RangeError(`endpointError: mask has ${mask.length} entries, expected ${w * h}`);
  }
  const maskArr = mask instanceof Uint8Array ? mask : undefined;
  const maskFn = typeof mask === 'function' ? mask : undefined;
  const minMag = opts.minGtMagnitude;
  const min2 = minMag === undefined ? -Infinity : minMag < 0 ? -Infinity : minMag * minMag;
  const p = pred.data;
  const g = gt.data;
  let sum = 0;
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (maskArr !== undefined && maskArr[i] === 0) continue;
      if (maskFn !== undefined && !maskFn(x, y)) continue;
      const gu = g[2 * i] as number;
      const gv = g[2 * i + 1] as number;
      if (!(gu * gu + gv * gv > min2)) continue;
      const du = (p[2 * i] as number) - gu;
      const dv = (p[2 * i + 1] as number) - gv;
      sum += Math.sqrt(du * du + dv * dv);
      count++;
    }
  }
  return { mean: count > 0 ? sum / count : Number.NaN, count };
}

/**
 * Peak signal-to-noise ratio in dB over all channels of the pixels in `mask` (w*h, nonzero = in).
 * peak defaults to 255. Infinity when identical, NaN when the mask is empty.
 */
export function psnr(a: Image, b: Image, opts: { mask?: Uint8Array; peak?: number } = {}): number {
  assertImage(a, 'psnr(a)');
  assertImage(b, 'psnr(b)');
  assertSameGrid(a, b, 'psnr');
  if (a.channels !== b.channels) throw new RangeError(`psnr: channel counts differ (${a.channels} vs ${b.channels})`);
  const n = a.width * a.height;
  const c = a.channels;
  const mask = opts.mask;
  if (mask !== undefined && mask.length !== n)
    throw new RangeError(`psnr: mask has ${mask.length} entries, expected ${n}`);
  const peak = opts.peak ?? 255;
  const da = a.data;
  const db = b.data;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (mask !== undefined && mask[i] === 0) continue;
    const o = i * c;
    for (let k = 0; k < c; k++) {
      const d = (da[o + k] as number) - (db[o + k] as number);
      sum += d * d;
    }
    count += c;
  }
  if (count === 0) return Number.NaN;
  if (sum === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10((peak * peak) / (sum / count));
}

function checkPair(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, what: string): void {
  if (scores.length !== labels.length) {
    throw new RangeError(`${what}: ${scores.length} scores but ${labels.length} labels`);
  }
}

/** Fraction of samples where (score >= threshold) agrees with the label (truthy = positive). NaN when empty. */
export function accuracyAt(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>, threshold: number): number {
  checkPair(scores, labels, 'accuracyAt');
  const n = scores.length;
  if (n === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if ((scores[i] as number) >= threshold === Boolean(labels[i])) correct++;
  }
  return correct / n;
}

/** Indices sorted by score, descending. */
function orderByScoreDesc(scores: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(scores.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((i, j) => (scores[j] as number) - (scores[i] as number));
}

/**
 * Average precision as scikit-learn defines it: sum over distinct thresholds (tied scores form one step)
 * of (R_n - R_{n-1}) * P_n. Labels are truthy = positive. NaN when there are no positives.
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  checkPair(scores, labels, 'averagePrecision');
  const n = scores.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]) positives++;
  if (positives === 0) return Number.NaN;
  const order = orderByScoreDesc(scores);
  let tp = 0;
  let fp = 0;
  let prevRecall = 0;
  let ap = 0;
  for (let r = 0; r < n; r++) {
    const i = order[r] as number;
    if (labels[i]) tp++;
    else fp++;
    // Close the step only at the last sample of a tie group.
    const next = order[r + 1];
    if (next !== undefined && scores[next] === scores[i]) continue;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative), ties counting 1/2.
 * NaN when either class is absent.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  checkPair(scores, labels, 'rocAuc');
  const n = scores.length;
  const order = orderByScoreDesc(scores);
  let positives = 0;
  let negatives = 0;
  // Walk from the top score down: each negative beats nothing and loses to every positive seen above it.
  let wins = 0;
  let r = 0;
  while (r < n) {
    let groupPos = 0;
    let groupNeg = 0;
    const s = scores[order[r] as number];
    while (r < n && scores[order[r] as number] === s) {
      if (labels[order[r] as number]) groupPos++;
      else groupNeg++;
      r++;
    }
    wins += groupNeg * positives + 0.5 * groupNeg * groupPos;
    positives += groupPos;
    negatives += groupNeg;
  }
  if (positives === 0 || negatives === 0) return Number.NaN;
  return wins / (positives * negatives);
}

type Rect = { x0: number; y0: number; x1: number; y1: number };

/**
 * Share of the pixels of `box` (clipped to the field, every `step`-th pixel each way) that W moves by more than
 * `threshold` px. The localisation studies count a window as lying on an edit when this is at least 5%.
 */
export function movedShare(W: FlowField, box: Rect, threshold = 1, step = 2): number {
  let moved = 0;
  let n = 0;
  for (let y = Math.max(0, Math.floor(box.y0)); y < Math.min(W.height, box.y1); y += step)
    for (let x = Math.max(0, Math.floor(box.x0)); x < Math.min(W.width, box.x1); x += step) {
      const i = 2 * (y * W.width + x);
      if (Math.hypot(W.data[i]!, W.data[i + 1]!) > threshold) moved++;
      n++;
    }
  return n > 0 ? moved / n : 0;
}

/**
 * Chance for a window that localises an edit: the share of the `side`-px windows on the 8 px lattice from `origin`
 * (whole, inside the field) whose centre lies in `region` and that lie on the edit (movedShare ≥ `minShare`).
 */
export function windowsOnEdit(
  W: FlowField,
  region: Rect,
  side: number,
  origin: { x: number; y: number } = { x: 0, y: 0 },
  minShare = 0.05,
): number {
  let on = 0;
  let n = 0;
  for (let y0 = origin.y; y0 + side <= W.height; y0 += 8)
    for (let x0 = origin.x; x0 + side <= W.width; x0 += 8) {
      const [cx, cy] = [x0 + side / 2, y0 + side / 2];
      if (cx < region.x0 || cx >= region.x1 || cy < region.y0 || cy >= region.y1) continue;
      n++;
      if (movedShare(W, { x0, y0, x1: x0 + side, y1: y0 + side }) >= minShare) on++;
    }
  return n > 0 ? on / n : 0;
}
