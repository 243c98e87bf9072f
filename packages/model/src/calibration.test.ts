import { describe, expect, it } from 'vitest';
import { calibratedProbability, fitCalibration } from './calibration.ts';

/** Deterministic normal-ish draws (sum of uniforms from an LCG), so the test is the same on every run. */
function draws(n: number, mean: number, seed: number): number[] {
  let s = seed;
  const u = () => {
    s = (s * 1_103_515_245 + 12_345) >>> 0;
    return s / 2 ** 32;
  };
  return Array.from({ length: n }, () => mean + (u() + u() + u() + u() - 2) * 1.7);
}

describe('fitCalibration', () => {
  it('puts probability 0.5 where at most the target share of unedited faces reach it', () => {
    const neg = draws(200, 3, 1); // high raw logits on untouched faces, as the max over windows gives
    const pos = draws(200, 5, 2);
    const fit = fitCalibration([...neg, ...pos], [...neg.map(() => 0), ...pos.map(() => 1)], 0.05);
    expect(fit.fpr).toBeLessThanOrEqual(0.05);
    expect(fit.fpr).toBeGreaterThan(0.03);
    const flagged = neg.filter((l) => calibratedProbability(l, { ...fit, ...META }) >= 0.5).length;
    expect(flagged / neg.length).toBe(fit.fpr);
    expect(fit.tpr).toBeGreaterThan(fit.fpr);
    expect(calibratedProbability(fit.logitThreshold, { ...fit, ...META })).toBeCloseTo(0.5, 5);
  });

  it('fits a steeper slope when the classes separate better', () => {
    const labels = [...Array(100).fill(0), ...Array(100).fill(1)];
    const close = fitCalibration([...draws(100, 0, 3), ...draws(100, 0.5, 4)], labels, 0.1);
    const apart = fitCalibration([...draws(100, 0, 3), ...draws(100, 6, 4)], labels, 0.1);
    expect(apart.slope).toBeGreaterThan(close.slope * 3);
  });

  it('refuses too few faces or a target outside (0, 1)', () => {
    expect(() => fitCalibration([1, 2, 3], [0, 1, 0], 0.05)).toThrow(/at least 10/);
    expect(() => fitCalibration(draws(40, 0, 5), Array(40).fill(0), 0)).toThrow(/targetFpr/);
  });

  it('leaves an uncalibrated model at the plain sigmoid', () => {
    expect(calibratedProbability(0, undefined)).toBe(0.5);
    expect(calibratedProbability(2, undefined)).toBeCloseTo(1 / (1 + Math.exp(-2)), 12);
  });
});

const META = { targetFpr: 0.05, faces: 400, edited: 200, pools: [], source: 'test', seed: 0, createdAt: '' };
