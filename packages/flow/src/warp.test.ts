import { describe, expect, it } from 'vitest';
import {
  addRadial,
  interiorMask,
  radialField,
  swirlField,
  textureImage,
  translationField,
} from './_internal/synthetic.ts';
import { psnr } from './metrics.ts';
import { createFlow, createImage, type FlowField } from './types.ts';
import { applyWarp, composeWarps, invertWarp, unwarp } from './warp.ts';

const N = 128;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** |F(p) + W(p + F(p))| recomputed independently of invertWarp's own bookkeeping. */
function independentResidual(W: FlowField, F: FlowField): number {
  const composed = composeWarps(W, F); // F(p) + W(p + F(p))
  let m = 0;
  for (let i = 0; i < N * N; i++)
    m = Math.max(m, Math.hypot(composed.data[2 * i] as number, composed.data[2 * i + 1] as number));
  return m;
}

const smoothFields: [string, () => FlowField][] = [
  ['translation (4.5, -2.25)', () => translationField(N, N, 4.5, -2.25)],
  ['bloat 10 px', () => radialField(N, N, 64, 60, 20, 10)],
  ['pucker 10 px', () => radialField(N, N, 60, 66, 22, -10)],
  ['swirl 0.6 rad', () => swirlField(N, N, 64, 64, 18, 0.6)],
];

describe('applyWarp', () => {
  it('returns identical pixels for a zero field, for every interpolation and dtype', () => {
    const u8 = textureImage(40, 30, 3, Uint8Array);
    const f32 = textureImage(40, 30, 1, Float32Array);
    for (const interpolation of ['nearest', 'bilinear', 'bicubic'] as const) {
      const a = applyWarp(u8, createFlow(40, 30), { interpolation });
      expect(a.data).toBeInstanceOf(Uint8Array);
      expect(Array.from(a.data)).toEqual(Array.from(u8.data));
      const b = applyWarp(f32, createFlow(40, 30), { interpolation });
      expect(b.data).toBeInstanceOf(Float32Array);
      expect(Array.from(b.data)).toEqual(Array.from(f32.data));
    }
  });

  it('translates by an integer vector exactly (a shifted copy inside)', () => {
    const img = textureImage(50, 40, 3, Float32Array);
    const W = translationField(50, 40, 3, -2);
    for (const interpolation of ['nearest', 'bilinear', 'bicubic'] as const) {
      const out = applyWarp(img, W, { interpolation });
      for (let y = 2; y < 40; y++) {
        for (let x = 0; x < 47; x++) {
          for (let k = 0; k < 3; k++) {
            expect(out.data[(y * 50 + x) * 3 + k]).toBe(img.data[((y - 2) * 50 + x + 3) * 3 + k]);
          }
        }
      }
    }
  });

  it('uses origin to warp a patch of a larger image, copying exactly where the field is zero', () => {
    const big = textureImage(100, 80, 3, Uint8ClampedArray);
    const W = radialField(32, 24, 16, 12, 5, 2);
    W.data.fill(0, 0, 2 * 32); // first row untouched
    const out = applyWarp(big, W, { origin: { x: 40, y: 30 }, interpolation: 'bicubic' });
    expect(out.width).toBe(32);
    expect(out.height).toBe(24);
    for (let x = 0; x < 32; x++) {
      for (let k = 0; k < 3; k++) expect(out.data[x * 3 + k]).toBe(big.data[(30 * 100 + 40 + x) * 3 + k]);
    }
  });

  it('bicubic reproduces a linear ramp exactly at fractional positions', () => {
    const img = createImage(32, 32, 1, Float32Array);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) img.data[y * 32 + x] = 3 * x - 2 * y + 7;
    const out = applyWarp(img, translationField(32, 32, 0.3, 0.7), { interpolation: 'bicubic' });
    for (let y = 2; y < 28; y++) {
      for (let x = 2; x < 28; x++) expect(out.data[y * 32 + x]).toBeCloseTo(3 * (x + 0.3) - 2 * (y + 0.7) + 7, 4);
    }
  });

  it('rounds and clamps Uint8 output, and replicates edges far outside', () => {
    const img = createImage(2, 1, 1, Uint8Array);
    img.data.set([0, 255]);
    const W = createFlow(3, 1);
    W.data.set([0.5, 0, -100, 0, 1e9, 0]);
    const out = applyWarp(img, W, { interpolation: 'bicubic' });
    expect(Array.from(out.data)).toEqual([128, 0, 255]);
  });
});

describe('invertWarp', () => {
  for (const [name, make] of smoothFields) {
    it(`converges below 0.01 px on ${name}`, () => {
      const W = make();
      const inv = invertWarp(W);
      expect(inv.converged).toBe(true);
      expect(inv.residual.max).toBeLessThan(0.01);
      expect(independentResidual(W, inv.flow)).toBeLessThan(0.01);
    });
  }

  it('gives exactly -t for a translation', () => {
    const inv = invertWarp(translationField(16, 16, 2.5, -1.5));
    for (let i = 0; i < 256; i++) {
      expect(inv.flow.data[2 * i]).toBeCloseTo(-2.5, 5);
      expect(inv.flow.data[2 * i + 1]).toBeCloseTo(1.5, 5);
    }
  });

  it('converges on a 40 px smooth bloat', () => {
    const W = radialField(256, 256, 128, 128, 70, 40);
    const inv = invertWarp(W);
    expect(inv.converged).toBe(true);
    expect(inv.residual.max).toBeLessThan(0.01);
    expect(inv.iterations).toBeLessThanOrEqual(40);
  });

  it('returns finite best-effort vectors within the iteration cap where the field folds', () => {
    // k = 3 > 1: p -> p + W(p) folds over near the centre.
    const W = addRadial(createFlow(N, N), 64, 64, 12, 3);
    const inv = invertWarp(W, { iterations: 25 });
    expect(inv.iterations).toBeLessThanOrEqual(25);
    expect(inv.converged).toBe(false);
    for (const v of inv.flow.data) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(inv.residual.max)).toBe(true);
    // Far from the fold it still converges.
    expect(Math.hypot(inv.flow.data[0] as number, inv.flow.data[1] as number)).toBeLessThan(1e-3);
  });

  it('never returns NaN even for non-finite input vectors', () => {
    const W = createFlow(4, 4);
    W.data[5] = Number.NaN;
    const inv = invertWarp(W, { iterations: 5 });
    for (const v of inv.flow.data) expect(Number.isFinite(v)).toBe(true);
  });
});

describe('unwarp', () => {
  const mask = interiorMask(N, N, 12);
  for (const [name, make] of smoothFields) {
    it(`recovers a band-limited texture above 40 dB after ${name}`, () => {
      const original = textureImage(N, N, 3, Float32Array);
      const W = make();
      const modified = applyWarp(original, W, { interpolation: 'bicubic' });
      const { image, inverse } = unwarp(modified, W, { interpolation: 'bicubic' });
      expect(inverse.converged).toBe(true);
      expect(psnr(image, original, { mask })).toBeGreaterThan(40);
      // The warp itself must have changed the picture, or the test proves nothing.
      expect(psnr(modified, original, { mask })).toBeLessThan(30);
    });
  }

  it('recovers a Uint8 image above 40 dB with the default bilinear path', () => {
    const original = textureImage(N, N, 3, Uint8ClampedArray);
    const W = radialField(N, N, 64, 64, 20, 8);
    const { image } = unwarp(applyWarp(original, W), W);
    expect(image.data).toBeInstanceOf(Uint8ClampedArray);
    expect(psnr(image, original, { mask })).toBeGreaterThan(40);
  });
});

describe('composeWarps', () => {
  it('matches warping twice', () => {
    const img = textureImage(N, N, 1, Float32Array);
    const W1 = radialField(N, N, 60, 64, 18, 6);
    const W2 = swirlField(N, N, 70, 60, 20, 0.4);
    const twice = applyWarp(applyWarp(img, W1, { interpolation: 'bicubic' }), W2, { interpolation: 'bicubic' });
    const once = applyWarp(img, composeWarps(W1, W2), { interpolation: 'bicubic' });
    expect(psnr(twice, once, { mask: interiorMask(N, N, 12) })).toBeGreaterThan(40);
  });

  it('adds translations and treats a zero field as identity', () => {
    const c = composeWarps(translationField(8, 8, 1, 2), translationField(8, 8, -3, 0.5));
    for (let i = 0; i < 64; i++) {
      expect(c.data[2 * i]).toBeCloseTo(-2, 6);
      expect(c.data[2 * i + 1]).toBeCloseTo(2.5, 6);
    }
    const W = swirlField(16, 16, 8, 8, 4, 0.5);
    expect(maxAbsDiff(composeWarps(W, createFlow(16, 16)).data, W.data)).toBe(0);
    expect(maxAbsDiff(composeWarps(createFlow(16, 16), W).data, W.data)).toBe(0);
  });
});
