import { describe, expect, it } from 'vitest';
import { calibratedProbability, fieldBandsFor, fieldGainFor, fitCalibration, fitFieldGain } from './calibration.ts';

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

  it('with conditions, no condition flags more than the target share of its own untouched faces', () => {
    // Re-saved faces score low, clean ones high: one pooled threshold would flag far more of the clean untouched ones.
    const [negSaved, posSaved, negClean, posClean] = [
      draws(200, 0, 6),
      draws(200, 1, 7),
      draws(200, 3, 8),
      draws(200, 6, 9),
    ];
    const logits = [...negSaved, ...posSaved, ...negClean, ...posClean];
    const labels = [
      ...negSaved.map(() => 0),
      ...posSaved.map(() => 1),
      ...negClean.map(() => 0),
      ...posClean.map(() => 1),
    ];
    const conditions = [...Array(400).fill('re-saved'), ...Array(400).fill('clean')];
    const pooled = fitCalibration(logits, labels, 0.05);
    const split = fitCalibration(logits, labels, 0.05, conditions);
    const cleanFpr = (t: number) => negClean.filter((l) => l >= t).length / negClean.length;
    expect(cleanFpr(pooled.logitThreshold)).toBeGreaterThan(0.05);
    expect(split.logitThreshold).toBeGreaterThan(pooled.logitThreshold);
    expect(split.conditions?.map((c) => c.name)).toEqual(['re-saved', 'clean']);
    for (const c of split.conditions ?? []) {
      expect(c.faces).toBe(400);
      expect(c.fpr).toBeLessThanOrEqual(0.05);
    }
    expect(split.conditions?.[1]?.fpr).toBe(cleanFpr(split.logitThreshold));
    expect(split.conditions?.[1]?.tpr).toBeGreaterThan(0.5);
    expect(() => fitCalibration(logits, labels, 0.05, conditions.slice(1))).toThrow(/differ in length/);
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

describe('fitFieldGain', () => {
  it('picks the gain with the best mean PSNR gain, reports it per condition, and keeps the smaller gain on a tie', () => {
    const gains = [0.25, 0.5, 1];
    const rows = [
      [1, 2, -1],
      [0, 1, -3],
      [2, 2, 1],
    ];
    const fit = fitFieldGain(gains, rows, ['a', 'a', 'b']);
    expect(fit.gain).toBe(0.5);
    expect(fit.psnrGain).toBeCloseTo(5 / 3, 12);
    expect(fit.candidates.map((c) => c.gain)).toEqual(gains);
    expect(fit.candidates[2]!.psnrGain).toBeCloseTo(-1, 12);
    expect(fit.conditions).toEqual([
      { name: 'a', faces: 2, psnrGain: 1.5 },
      { name: 'b', faces: 1, psnrGain: 2 },
    ]);
    expect(fitFieldGain(gains, [[1, 1, 0]], ['a']).gain).toBe(0.25);
    expect(() => fitFieldGain(gains, [], [])).toThrow(/no edited faces/);
  });

  it('fits each band of face width on its own faces; a band with too few faces keeps 0', () => {
    const gains = [0, 0.5, 1];
    // 30 small faces the field hurts, 30 large ones it helps most at full length, 5 mid-sized ones.
    const rows = [
      ...Array.from({ length: 30 }, () => [0, -1, -2]),
      ...Array.from({ length: 30 }, () => [0, 1, 2]),
      ...Array.from({ length: 5 }, () => [0, 3, 3]),
    ];
    const widths = [...rows.slice(0, 30).map(() => 80), ...rows.slice(30, 60).map(() => 300), 150, 150, 150, 150, 150];
    const fit = fitFieldGain(
      gains,
      rows,
      rows.map(() => 'all'),
      widths,
    );
    expect(fit.bySize).toEqual([
      { minFaceWidth: 0, faces: 30, gain: 0, psnrGain: 0 },
      { minFaceWidth: 120, faces: 5, gain: 0, psnrGain: 0 },
      { minFaceWidth: 200, faces: 30, gain: 1, psnrGain: 2 },
    ]);
    expect(fieldGainFor(fit, 60)).toBe(0);
    expect(fieldGainFor(fit, 199)).toBe(0);
    expect(fieldGainFor(fit, 200)).toBe(1);
    expect(fieldGainFor({ ...fit, bySize: undefined }, 60)).toBe(fit.gain);
  });

  it('fits JPEG and lossless files apart when told which each face was; callers that do not say get the pooled bands', () => {
    const gains = [0, 0.5, 1];
    // Large faces: lossless ones gain most at full length, JPEG ones lose at any length.
    const rows = [...Array.from({ length: 30 }, () => [0, 1, 2]), ...Array.from({ length: 40 }, () => [0, -0.5, -1])];
    const widths = rows.map(() => 300);
    const jpeg = rows.map((_, i) => i >= 30);
    const fit = fitFieldGain(
      gains,
      rows,
      rows.map(() => 'all'),
      widths,
      jpeg,
    );
    expect(fit.byLastSave?.lossless[2]).toEqual({ minFaceWidth: 200, faces: 30, gain: 1, psnrGain: 2 });
    expect(fit.byLastSave?.jpeg[2]).toEqual({ minFaceWidth: 200, faces: 40, gain: 0, psnrGain: 0 });
    // Pooled: 30 × 2 − 40 × 1 = +20 at gain 1 beats +10 at gain 0.5.
    expect(fit.bySize?.[2]?.gain).toBe(1);
    expect(fieldGainFor(fit, 300, false)).toBe(1);
    expect(fieldGainFor(fit, 300, true)).toBe(0);
    expect(fieldGainFor(fit, 300)).toBe(1);
    expect(fieldBandsFor(fit, true)).toBe(fit.byLastSave?.jpeg);
    expect(() => fitFieldGain(gains, rows, widths.map(String), undefined, jpeg)).toThrow(/need face widths/);
  });

  it('keeps no field where the best gain beats none by less than MIN_FIELD_PSNR_GAIN', () => {
    const gains = [0, 0.5, 1];
    const rows = Array.from({ length: 30 }, () => [0, 0.01, 0.02]);
    const fit = fitFieldGain(
      gains,
      rows,
      rows.map(() => 'all'),
      rows.map(() => 300),
    );
    expect(fit.gain).toBe(0);
    expect(fit.bySize?.[2]).toEqual({ minFaceWidth: 200, faces: 30, gain: 0, psnrGain: 0 });
    const clear = rows.map(() => [0, 0.03, 0.06]);
    expect(
      fitFieldGain(
        gains,
        clear,
        clear.map(() => 'all'),
      ).gain,
    ).toBe(1);
  });
});
