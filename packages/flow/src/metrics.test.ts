import { describe, expect, it } from 'vitest';
import { accuracyAt, averagePrecision, endpointError, movedShare, psnr, rocAuc, windowsOnEdit } from './metrics.ts';
import { createFlow, createImage } from './types.ts';

describe('classification metrics', () => {
  // scikit-learn's docstring example: AP 0.8333, AUC 0.75.
  const scores = [0.1, 0.4, 0.35, 0.8];
  const labels = [0, 0, 1, 1];

  it('averagePrecision matches sklearn, ties grouped', () => {
    expect(averagePrecision(scores, labels)).toBeCloseTo(5 / 6, 12);
    // Ranked: 0.9(-) | 0.5(+,-) | 0.2(+): 0 + 0.5 * 1/3 + 0.5 * 2/4.
    expect(averagePrecision([0.5, 0.5, 0.2, 0.9], [true, false, true, false])).toBeCloseTo(5 / 12, 12);
    // All tied: one step to recall 1 at precision 1/2.
    expect(averagePrecision([1, 1, 1, 1], [1, 0, 1, 0])).toBeCloseTo(0.5, 12);
    expect(averagePrecision([0.3, 0.2], [0, 0])).toBeNaN();
  });

  it('rocAuc counts ties as one half', () => {
    expect(rocAuc(scores, labels)).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.2, 0.9], [1, 0, 1, 0])).toBeCloseTo(0.125, 12);
    expect(rocAuc([2, 2, 2], [1, 0, 0])).toBeCloseTo(0.5, 12);
    expect(rocAuc(Float32Array.from([0.9, 0.1]), [1, 0])).toBe(1);
    expect(rocAuc([1, 2], [1, 1])).toBeNaN();
  });

  it('accuracyAt treats score >= threshold as positive', () => {
    expect(accuracyAt(scores, labels, 0.35)).toBe(0.75);
    expect(accuracyAt(scores, labels, 0.36)).toBe(0.5);
    expect(accuracyAt([0.2, 0.6], [false, true], 0.6)).toBe(1);
    expect(accuracyAt(scores, labels, 0)).toBe(0.5);
    expect(() => accuracyAt([1], [1, 0], 0.5)).toThrow(RangeError);
  });
});

describe('endpointError', () => {
  const gt = createFlow(2, 2);
  gt.data.set([3, 4, 0, 0, 1, 0, 0.5, 0]);
  const pred = createFlow(2, 2);
  pred.data.set([0, 0, 1, 0, 1, 2, 0.5, 0]);

  it('averages |pred - gt| over every pixel by default', () => {
    expect(endpointError(pred, gt)).toEqual({ mean: (5 + 1 + 2 + 0) / 4, count: 4 });
  });

  it('applies the mask and a strict ground-truth magnitude threshold', () => {
    expect(endpointError(pred, gt, { minGtMagnitude: 0.5 })).toEqual({ mean: (5 + 2) / 2, count: 2 });
    expect(endpointError(pred, gt, { mask: new Uint8Array([0, 1, 1, 1]) })).toEqual({ mean: 1, count: 3 });
    expect(endpointError(pred, gt, { mask: (x, y) => x === 0 && y === 1, minGtMagnitude: 0 })).toEqual({
      mean: 2,
      count: 1,
    });
    const none = endpointError(pred, gt, { minGtMagnitude: 10 });
    expect(none.count).toBe(0);
    expect(none.mean).toBeNaN();
  });
});

describe('psnr', () => {
  it('uses the mask over all channels, peak 255 by default', () => {
    const a = createImage(2, 2, 1, new Uint8Array([0, 0, 0, 0]));
    const b = createImage(2, 2, 1, new Uint8Array([10, 0, 0, 100]));
    expect(psnr(a, b, { mask: new Uint8Array([1, 1, 1, 0]) })).toBeCloseTo(
      10 * Math.log10((255 * 255) / (100 / 3)),
      10,
    );
    expect(psnr(a, b)).toBeCloseTo(10 * Math.log10((255 * 255) / (10100 / 4)), 10);
    expect(psnr(a, b, { peak: 1 })).toBeCloseTo(10 * Math.log10(1 / (10100 / 4)), 10);
    expect(psnr(a, b, { mask: new Uint8Array([0, 1, 1, 0]) })).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(a, a)).toBe(Number.POSITIVE_INFINITY);
    expect(psnr(a, b, { mask: new Uint8Array(4) })).toBeNaN();
  });
});

describe('localisation metrics', () => {
  // 64 x 64, the pixels of x, y in [16, 32) pushed 2 px right.
  const W = createFlow(64, 64);
  for (let y = 16; y < 32; y++) for (let x = 16; x < 32; x++) W.data[2 * (y * 64 + x)] = 2;

  it('movedShare counts the sampled pixels moved past the threshold, clipped to the field', () => {
    expect(movedShare(W, { x0: 16, y0: 16, x1: 32, y1: 32 })).toBe(1);
    expect(movedShare(W, { x0: 0, y0: 0, x1: 32, y1: 32 })).toBe(0.25);
    expect(movedShare(W, { x0: 16, y0: 16, x1: 32, y1: 32 }, 2)).toBe(0);
    expect(movedShare(W, { x0: 32, y0: 32, x1: 128, y1: 128 })).toBe(0);
    expect(movedShare(W, { x0: 70, y0: 0, x1: 80, y1: 10 })).toBe(0);
  });

  it('windowsOnEdit is the share of lattice windows centred in the region that touch the edit', () => {
    // 16 px windows on the 8 px lattice centred in the left half: x0 in {0, 8, 16}, y0 in {0, …, 48}; on the edit
    // where they overlap [16, 32) both ways.
    const share = windowsOnEdit(W, { x0: 0, y0: 0, x1: 32, y1: 64 }, 16);
    // x0 = 8 or 16 (x0 = 0 covers 0..15) and y0 = 8, 16 or 24: 6 of 21.
    expect(share).toBeCloseTo(6 / 21, 12);
    expect(windowsOnEdit(W, { x0: 40, y0: 40, x1: 64, y1: 64 }, 16)).toBe(0);
  });
});
