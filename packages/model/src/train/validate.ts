import { accuracyAt, averagePrecision } from '@unwarp/flow';
import type { Batch } from './protocol.ts';

export type Prediction = {
  flow: Float32Array;
  flowSize: number;
  moved: Float32Array;
  logit: Float32Array;
  channelMax: Float32Array;
};

export type ValMetrics = {
  n: number;
  ap: number;
  accuracy: number;
  /** False-positive rate on unedited samples at p ≥ 0.5. */
  fpr: number;
  /** AP when the score is the maximum of the per-pixel "moved" map instead of the global head. */
  apMoved: number;
  /** Mean EPE over pixels with |W_gt| > 1 px, and the same for a zero prediction. */
  epe: number;
  zeroEpe: number;
  epeRatio: number;
  /** Mean |W| predicted on unedited samples, px. */
  meanFlowUnedited: number;
};

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A prediction with W = 0: how a model trained without flow terms is scored, as it predicts at inference. */
export function withoutFlow<P extends Prediction>(p: P): P {
  return { ...p, flow: new Float32Array(p.flow.length) };
}

/**
 * Metrics of one validation part. Predicted flow (at 1/f resolution, in input pixels) is compared with the true field
 * sampled at the centre of each f×f block — the prediction's own grid — which keeps this pass cheap.
 */
export function scorePart(batches: Batch[], preds: Prediction[]): ValMetrics {
  const scores: number[] = [];
  const moved: number[] = [];
  const labels: number[] = [];
  let epeSum = 0;
  let zeroSum = 0;
  let count = 0;
  let uneditedSum = 0;
  let uneditedCount = 0;
  batches.forEach((b, bi) => {
    const p = preds[bi]!;
    const fs = p.flowSize;
    const f = b.size / fs;
    for (let i = 0; i < b.n; i++) {
      scores.push(sigmoid(p.logit[i]!));
      let m = 0;
      for (let k = i * fs * fs; k < (i + 1) * fs * fs; k++) m = Math.max(m, p.moved[k]!);
      moved.push(m);
      labels.push(b.labels[i]!);
      for (let y = 0; y < fs; y++) {
        for (let x = 0; x < fs; x++) {
          // Mean of the true field over the block, the quantity the network is trained to predict.
          let gx = 0;
          let gy = 0;
          for (let yy = 0; yy < f; yy++)
            for (let xx = 0; xx < f; xx++) {
              const j = ((i * b.size + y * f + yy) * b.size + x * f + xx) * 2;
              gx += b.flows[j]!;
              gy += b.flows[j + 1]!;
            }
          gx /= f * f;
          gy /= f * f;
          const q = ((i * fs + y) * fs + x) * 2;
          const px = p.flow[q]!;
          const py = p.flow[q + 1]!;
          if (b.labels[i] === 0) {
            uneditedSum += Math.hypot(px, py);
            uneditedCount++;
          }
          const g = Math.hypot(gx, gy);
          if (g > 1) {
            epeSum += Math.hypot(px - gx, py - gy);
            zeroSum += g;
            count++;
          }
        }
      }
    }
  });
  const negatives = labels.map((l, i) => (l === 0 ? scores[i]! : -1)).filter((s) => s >= 0);
  const epe = count > 0 ? epeSum / count : Number.NaN;
  const zeroEpe = count > 0 ? zeroSum / count : Number.NaN;
  return {
    n: labels.length,
    ap: averagePrecision(scores, labels),
    accuracy: accuracyAt(scores, labels, 0.5),
    fpr: negatives.filter((s) => s >= 0.5).length / Math.max(1, negatives.length),
    apMoved: averagePrecision(moved, labels),
    epe,
    zeroEpe,
    epeRatio: epe / zeroEpe,
    meanFlowUnedited: uneditedCount > 0 ? uneditedSum / uneditedCount : 0,
  };
}

export function deadShare(preds: Prediction[]): number {
  const c = preds[0]?.channelMax.length ?? 0;
  if (c === 0) return 0;
  let dead = 0;
  for (let k = 0; k < c; k++) if (preds.every((p) => p.channelMax[k]! <= 0)) dead++;
  return dead / c;
}
