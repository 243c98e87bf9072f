import { describe, expect, it } from 'vitest';
import { interiorMask, radialField, swirlField, textureImage, translationField } from './_internal/synthetic.ts';
import { estimateFlow } from './estimate.ts';
import { flowMagnitude } from './field.ts';
import { endpointError } from './metrics.ts';
import { createFlow, type FlowField } from './types.ts';
import { applyWarp } from './warp.ts';

const N = 128;
const reference = textureImage(N, N, 3, Float32Array);
const interior = interiorMask(N, N, 8);

/** EPE of the estimate over moved interior pixels, and the same for doing nothing. */
function score(W: FlowField) {
  const modified = applyWarp(reference, W, { interpolation: 'bicubic' });
  const est = estimateFlow(modified, reference);
  const epe = endpointError(est.flow, W, { mask: interior, minGtMagnitude: 1 });
  const zero = endpointError(createFlow(N, N), W, { mask: interior, minGtMagnitude: 1 });
  return { est, epe: epe.mean, zero: zero.mean, count: epe.count };
}

describe('estimateFlow (edited photo against its original)', () => {
  it('recovers a bloat to a fraction of a pixel', () => {
    const r = score(radialField(N, N, 64, 60, 18, 5));
    expect(r.count).toBeGreaterThan(500);
    expect(r.zero).toBeGreaterThan(2);
    expect(r.epe).toBeLessThan(0.3);
    expect(r.est.residual.after).toBeLessThan(r.est.residual.before / 4);
  });

  it('recovers a twirl (no divergence, direction changes around the centre)', () => {
    const r = score(swirlField(N, N, 64, 64, 22, 0.2));
    expect(r.count).toBeGreaterThan(500);
    expect(r.epe).toBeLessThan(0.2);
  });

  it('recovers a global shift of a few pixels', () => {
    const r = score(translationField(N, N, 3, -2));
    expect(r.epe).toBeLessThan(0.1);
  });

  it('reads identical images, and a brightness/contrast change alone, as no motion', () => {
    const same = estimateFlow(reference, reference);
    expect(Math.max(...flowMagnitude(same.flow))).toBeLessThan(0.02);
    expect(same.residual.after).toBeLessThan(1e-3);
    const brighter = { ...reference, data: reference.data.map((v) => v * 1.2 + 10) };
    const graded = flowMagnitude(estimateFlow(brighter, reference).flow);
    expect(graded.reduce((a, b) => a + b, 0) / graded.length).toBeLessThan(0.05);
  });

  it('refuses images of different sizes', () => {
    expect(() => estimateFlow(textureImage(64, 60, 3, Float32Array), reference)).toThrow(/same size/);
  });
});
