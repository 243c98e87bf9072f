import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { composeWarps, unwarp } from '@unwarp/flow';
import { describe, expect, it } from 'vitest';
import { aggregateWindows, loadDetector, NATIVE_MAX_SHORT_SIDE, networkScale, windowsInRegion } from './infer.ts';
import { viewSquare } from './views.ts';
import type { ModelManifest } from './weights-io.ts';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/tiny-model');

describe('windowsInRegion', () => {
  // The highest window in a region, as the default `max` rule reads it.
  const bestWindow = (...args: Parameters<typeof windowsInRegion>) => Math.max(...windowsInRegion(...args));
  // A 3x4 map of window logits; windows span 2 cells of 8 px, so window (r, c) is centred at ((c + 1) * 8, (r + 1) * 8).
  const logits = [0, 1, 2, 9, 3, 4, 5, 6, 7, 1, 1, 1];
  const shape = [1, 3, 4];

  it('takes the highest window whose centre lies in the region', () => {
    expect(bestWindow(logits, shape, 2, 8)).toBe(9);
    // Centres x in {8, 16, 24, 32}, y in {8, 16, 24}: the region keeps x 8–16 and y 16–24.
    expect(bestWindow(logits, shape, 2, 8, { x0: 5, x1: 20, y0: 12, y1: 30 })).toBe(7);
  });

  it('falls back to every window when none is centred in the region, and reads a single-window head', () => {
    expect(bestWindow(logits, shape, 2, 8, { x0: 100, x1: 200, y0: 0, y1: 10 })).toBe(9);
    expect(bestWindow([0.3], [1], 2, 8, { x0: 0, x1: 1, y0: 0, y1: 1 })).toBe(0.3);
  });
});

describe('aggregateWindows', () => {
  const windows = [0, 1, 2, 9, 3, 4];

  it('max, top-k mean and log-mean-exp', () => {
    expect(aggregateWindows(windows, { rule: 'max' })).toBe(9);
    expect(aggregateWindows(windows, { rule: 'topMean', k: 2 })).toBe(6.5);
    // k past the count means all of them.
    expect(aggregateWindows(windows, { rule: 'topMean', k: 50 })).toBeCloseTo(19 / 6, 12);
    const lme = (t: number) => t * Math.log(windows.reduce((a, l) => a + Math.exp(l / t), 0) / windows.length);
    expect(aggregateWindows(windows, { rule: 'logMeanExp', t: 2 })).toBeCloseTo(lme(2), 10);
  });

  it('log-mean-exp runs from the mean to the max and never overflows', () => {
    expect(aggregateWindows(windows, { rule: 'logMeanExp', t: 0.01 })).toBeCloseTo(9 + 0.01 * Math.log(1 / 6), 6);
    expect(aggregateWindows(windows, { rule: 'logMeanExp', t: 1e6 })).toBeCloseTo(19 / 6, 3);
    expect(aggregateWindows([1000, 999], { rule: 'logMeanExp', t: 1 })).toBeCloseTo(
      1000 + Math.log((1 + Math.exp(-1)) / 2),
      10,
    );
  });

  it('refuses an empty list; the windows in a region are those centred in it', () => {
    expect(() => aggregateWindows([], { rule: 'max' })).toThrow(/no windows/);
    const logits = [0, 1, 2, 9, 3, 4, 5, 6, 7, 1, 1, 1];
    expect(windowsInRegion(logits, [1, 3, 4], 2, 8, { x0: 5, x1: 20, y0: 12, y1: 30 })).toEqual([3, 4, 7, 1]);
  });
});

describe('networkScale', () => {
  const manifest = (inference?: ModelManifest['inference']) =>
    ({ recipe: { data: { cropShortSide: 400, patch: 96 } }, ...(inference ? { inference } : {}) }) as ModelManifest;

  it('model scale: the short side goes to the training crop size, up or down', () => {
    expect(networkScale(manifest(), { width: 800, height: 1000 })).toBe(0.5);
    expect(networkScale(manifest({ scale: 'model' }), { width: 300, height: 200 })).toBe(2);
  });

  it("native scale: the photo's own pixels, resized only below the patch or above the cap", () => {
    const native = manifest({ scale: 'native' });
    expect(networkScale(native, { width: 700, height: 520 })).toBe(1);
    expect(networkScale(native, { width: 48, height: 60 })).toBe(2);
    expect(networkScale(native, { width: 3000, height: 2048 })).toBe(NATIVE_MAX_SHORT_SIDE / 2048);
    expect(networkScale(manifest({ scale: 'native', maxShortSide: 500 }), { width: 1000, height: 1200 })).toBe(0.5);
    expect(() => networkScale(native, { width: 0, height: 10 })).toThrow(/empty/);
    // Trained on the photos' own pixels: native without being told.
    const trainedNative = { recipe: { data: { cropShortSide: 0, patch: 96 } } } as ModelManifest;
    expect(networkScale(trainedNative, { width: 700, height: 520 })).toBe(1);
  });
});

describe('predict with a face region', () => {
  it('scores only windows centred in the region, so never above the whole-image score', async () => {
    const model = await loadDetector(FIXTURE);
    try {
      const size = 160;
      const data = new Uint8Array(size * size * 3);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
      const image = { width: size, height: size, channels: 3, data };
      const all = await model.predict(image);
      const whole = await model.predict(image, { region: { x0: 0, y0: 0, x1: size, y1: size } });
      const part = await model.predict(image, { region: { x0: 60, y0: 60, x1: 100, y1: 100 } });
      expect(whole.logit).toBe(all.logit);
      expect(part.logit).toBeLessThanOrEqual(all.logit);
      expect(part.logit).not.toBe(all.logit); // random texture: the best window is rarely the central one
    } finally {
      model.dispose();
    }
  });
});

describe('inference settings in the manifest', () => {
  async function variantOf(inference: Record<string, unknown>) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-infer-'));
    await cp(FIXTURE, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ ...manifest, inference }));
    return dir;
  }
  /** The fixture with a calibration whose field part kept `gain` (logit threshold 0, slope 1). */
  type Bands = { minFaceWidth: number; gain: number }[];
  async function withFieldGain(gain: number, bySize?: Bands, byLastSave?: { jpeg: Bands; lossless: Bands }) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-infer-'));
    await cp(FIXTURE, dir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    const full = (b: Bands) => b.map((band) => ({ ...band, faces: 20, psnrGain: 0 }));
    const field = {
      gain,
      psnrGain: 0,
      candidates: [],
      conditions: [],
      ...(bySize ? { bySize: full(bySize) } : {}),
      ...(byLastSave ? { byLastSave: { jpeg: full(byLastSave.jpeg), lossless: full(byLastSave.lossless) } } : {}),
    };
    const fit = { logitThreshold: 0, slope: 1, targetFpr: 0.05, fpr: 0, tpr: 1, faces: 20, edited: 10 };
    const calibration = { ...fit, pools: [], source: '', seed: 1, createdAt: '', field };
    await writeFile(path.join(dir, 'model.json'), JSON.stringify({ ...manifest, calibration }));
    return dir;
  }
  const size = 96;
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
  const image = { width: size, height: size, channels: 3, data };
  const energy = (f: Float32Array) => f.reduce((s, v) => s + v * v, 0);

  it('useFlow false: W is zero and the detector says why; the score is unchanged', async () => {
    const dir = await variantOf({ useFlow: false, reason: 'measured worse than none' });
    const [plain, off] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      expect(plain.predictsFlow).toBe(true);
      expect(off.predictsFlow).toBe(false);
      expect(off.noFlowReason).toMatch(/switched off \(measured worse than none\)/);
      const [a, b] = [await plain.predict(image), await off.predict(image)];
      expect(energy(a.flow.data)).toBeGreaterThan(0);
      expect(energy(b.flow.data)).toBe(0);
      expect(b.logit).toBe(a.logit);
    } finally {
      plain.dispose();
      off.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('aggregate: the face score combines the scored windows by the manifest rule', async () => {
    const dir = await variantOf({ aggregate: { rule: 'topMean', k: 3 } });
    const [plain, mean] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      const big = { width: 160, height: 160, channels: 3, data: new Uint8Array(160 * 160 * 3) };
      for (let i = 0; i < big.data.length; i++) big.data[i] = (i * 7919) % 251;
      const [a, b] = [await plain.predict(big), await mean.predict(big)];
      expect(a.windows.length).toBeGreaterThan(3);
      expect(b.windows).toEqual(a.windows);
      expect(a.logit).toBe(Math.max(...a.windows));
      const top3 = [...a.windows].sort((x, y) => y - x).slice(0, 3);
      expect(b.logit).toBeCloseTo((top3[0]! + top3[1]! + top3[2]!) / 3, 5);
      expect(b.logit).toBeLessThan(a.logit);
    } finally {
      plain.dispose();
      mean.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a field calibration scales W by its gain times the face's probability; rawField leaves it out", async () => {
    const dir = await withFieldGain(0.35);
    const model = await loadDetector(dir);
    try {
      const scaled = await model.predict(image);
      const raw = await model.predict(image, { rawField: true });
      expect(scaled.probability).toBe(raw.probability);
      expect(energy(raw.flow.data)).toBeGreaterThan(0);
      const k = 0.35 * raw.probability;
      const worst = scaled.flow.data.reduce((m, v, i) => Math.max(m, Math.abs(v - raw.flow.data[i]! * k)), 0);
      expect(worst).toBeLessThan(1e-5);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a field calibrated per face width uses the band the face's region reaches", async () => {
    const dir = await withFieldGain(0, [
      { minFaceWidth: 0, gain: 0 },
      { minFaceWidth: 60, gain: 1 },
    ]);
    const model = await loadDetector(dir);
    try {
      expect(model.predictsFlow).toBe(true);
      const narrow = await model.predict(image, { region: { x0: 20, y0: 20, x1: 70, y1: 70 } });
      const wide = await model.predict(image, { region: { x0: 10, y0: 10, x1: 80, y1: 80 } });
      const raw = await model.predict(image, { region: { x0: 10, y0: 10, x1: 80, y1: 80 }, rawField: true });
      expect(energy(narrow.flow.data)).toBe(0);
      expect([narrow.fieldGain, wide.fieldGain, raw.fieldGain]).toEqual([0, 1, undefined]);
      expect(energy(wide.flow.data)).toBeCloseTo(energy(raw.flow.data) * wide.probability ** 2, 3);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a field calibrated per last save uses the JPEG bands when a JPEG quality is given, else the lossless ones', async () => {
    const pooled = [{ minFaceWidth: 0, gain: 0.5 }];
    const dir = await withFieldGain(0, pooled, {
      jpeg: [{ minFaceWidth: 0, gain: 0 }],
      lossless: [{ minFaceWidth: 0, gain: 0.7 }],
    });
    const model = await loadDetector(dir);
    try {
      expect(model.predictsFlow).toBe(true);
      const region = { x0: 10, y0: 10, x1: 80, y1: 80 };
      const jpeg = await model.predict(image, { region, jpegQuality: 92 });
      const lossless = await model.predict(image, { region });
      expect([jpeg.fieldGain, lossless.fieldGain]).toEqual([0, 0.7]);
      expect(energy(jpeg.flow.data)).toBe(0);
      expect(energy(lossless.flow.data)).toBeGreaterThan(0);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a field calibration that kept gain 0 turns the field off, saying so; rawField still reads it', async () => {
    const dir = await withFieldGain(0);
    const model = await loadDetector(dir);
    try {
      expect(model.predictsFlow).toBe(false);
      expect(model.fieldAvailable).toBe(true);
      expect(model.noFlowReason).toMatch(/calibration found/);
      expect(energy((await model.predict(image)).flow.data)).toBe(0);
      expect(energy((await model.predict(image, { rawField: true })).flow.data)).toBeGreaterThan(0);
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("views: W is the mean of the plain model's W on each rotated crop, turned back; the score stays the plain view's", async () => {
    const views = ['identity', 'rotate90', 'rotate180', 'rotate270'] as const;
    const dir = await variantOf({ views: { views, score: false } });
    const [plain, multi] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    const undo = {
      identity: 'identity',
      rotate90: 'rotate270',
      rotate180: 'rotate180',
      rotate270: 'rotate90',
    } as const;
    try {
      const mean = new Float32Array(size * size * 2);
      for (const v of views) {
        const seen = await plain.predict({ ...image, data: viewSquare(image.data, size, 3, v) });
        const back = viewSquare(seen.flow.data, size, 2, undo[v], true);
        for (let i = 0; i < mean.length; i++) mean[i]! += back[i]! / views.length;
      }
      const [a, b] = [await plain.predict(image), await multi.predict(image)];
      expect(b.logit).toBe(a.logit);
      expect(energy(b.flow.data)).toBeGreaterThan(0);
      const worst = b.flow.data.reduce((m, v, i) => Math.max(m, Math.abs(v - mean[i]!)), 0);
      expect(worst).toBeLessThan(1e-4 * Math.sqrt(energy(mean) / mean.length) + 1e-6);
      const scoreOnly = await multi.predict(image, { scoreOnly: true });
      expect(scoreOnly.logit).toBe(a.logit);
      expect(energy(scoreOnly.flow.data)).toBe(0);
      // The plain view alone is not that mean: the test would notice views being skipped.
      expect(a.flow.data.reduce((m, v, i) => Math.max(m, Math.abs(v - mean[i]!)), 0)).toBeGreaterThan(100 * worst);
    } finally {
      plain.dispose();
      multi.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("views with channels 'vertical': each axis of W comes from the views whose dy channel read it", async () => {
    const dir = await variantOf({ views: { views: ['identity', 'rotate90'], score: false, channels: 'vertical' } });
    const [plain, multi] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      const a = (await plain.predict(image)).flow.data;
      const turned = (await plain.predict({ ...image, data: viewSquare(image.data, size, 3, 'rotate90') })).flow.data;
      // The rotated view's dy channel alone, brought back: it lands on the crop's x axis.
      const dyOnly = turned.map((v, i) => (i % 2 === 0 ? 0 : v));
      const back = viewSquare(dyOnly, size, 2, 'rotate270', true);
      const b = (await multi.predict(image)).flow.data;
      const scale = Math.sqrt(energy(a) / a.length);
      for (let i = 0; i < b.length; i += 2) {
        expect(Math.abs(b[i]! - back[i]!)).toBeLessThan(1e-4 * scale + 1e-6);
        expect(Math.abs(b[i + 1]! - a[i + 1]!)).toBeLessThan(1e-4 * scale + 1e-6);
      }
      expect(energy(back)).toBeGreaterThan(0);
    } finally {
      plain.dispose();
      multi.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fieldOnlyFlagged: W only for a face at or above the caller's threshold, else zero; rawField is never withheld", async () => {
    const views = { views: ['identity', 'rotate90'], score: false, channels: 'vertical' };
    const [openDir, gatedDir] = await Promise.all([variantOf({ views }), variantOf({ views, fieldOnlyFlagged: true })]);
    const [open, gated] = await Promise.all([loadDetector(openDir), loadDetector(gatedDir)]);
    try {
      const shown = await open.predict(image);
      expect(shown.fieldShown).toBe(true);
      expect(energy(shown.flow.data)).toBeGreaterThan(0);
      const p = shown.probability;
      const flagged = await gated.predict(image, { threshold: p - 0.01 });
      expect(flagged.fieldShown).toBe(true);
      expect(flagged.probability).toBe(p);
      expect(Array.from(flagged.flow.data)).toEqual(Array.from(shown.flow.data));
      const under = await gated.predict(image, { threshold: p + 0.01 });
      expect(under.fieldShown).toBe(false);
      expect(under.probability).toBe(p);
      expect(energy(under.flow.data)).toBe(0);
      // The score comes from the plain view either way.
      expect(under.windows).toEqual(shown.windows);
      const raw = await gated.predict(image, { threshold: p + 0.01, rawField: true });
      expect(raw.fieldShown).toBe(true);
      expect(Array.from(raw.flow.data)).toEqual(Array.from(shown.flow.data));
    } finally {
      open.dispose();
      gated.dispose();
      await Promise.all([openDir, gatedDir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });

  it('refine: each pass reads the face unwarped by the field so far and composes the residual onto it', async () => {
    const [plainDir, refinedDir, supportedDir] = await Promise.all([
      variantOf({ fieldOnlyFlagged: true }),
      variantOf({ fieldOnlyFlagged: true, refine: { passes: 1, support: 0 } }),
      variantOf({ fieldOnlyFlagged: true, refine: { passes: 1, support: 1e9 } }),
    ]);
    const [plain, refined, supported] = await Promise.all([
      loadDetector(plainDir),
      loadDetector(refinedDir),
      loadDetector(supportedDir),
    ]);
    try {
      const first = await plain.predict(image, { threshold: 0 });
      expect(first.refinePasses).toBe(0);
      const residual = await plain.predict(unwarp(image, first.flow, { interpolation: 'bicubic' }).image, {
        threshold: 0,
      });
      const expected = composeWarps(residual.flow, first.flow);
      const got = await refined.predict(image, { threshold: 0 });
      expect(got.refinePasses).toBe(1);
      expect(got.probability).toBe(first.probability);
      expect(energy(residual.flow.data)).toBeGreaterThan(0);
      for (let i = 0; i < expected.data.length; i++) expect(got.flow.data[i]).toBeCloseTo(expected.data[i]!, 5);
      // A support far above every |W₁| keeps (almost) none of the residual.
      const kept = await supported.predict(image, { threshold: 0 });
      for (let i = 0; i < first.flow.data.length; i++) expect(kept.flow.data[i]).toBeCloseTo(first.flow.data[i]!, 5);
      // No pass for a withheld field or a raw reading.
      const under = await refined.predict(image, { threshold: first.probability + 0.01 });
      expect([under.fieldShown, under.refinePasses, energy(under.flow.data)]).toEqual([false, 0, 0]);
      const once = await refined.predict(image, { threshold: 0, refine: false });
      expect(once.refinePasses).toBe(0);
      expect(Array.from(once.flow.data)).toEqual(Array.from(first.flow.data));
      const raw = await refined.predict(image, { rawField: true });
      expect(raw.refinePasses).toBe(0);
      expect(Array.from(raw.flow.data)).toEqual(Array.from((await plain.predict(image, { rawField: true })).flow.data));
    } finally {
      for (const d of [plain, refined, supported]) d.dispose();
      await Promise.all([plainDir, refinedDir, supportedDir].map((d) => rm(d, { recursive: true, force: true })));
    }
  });

  it('refine with a malformed setting is refused at load', async () => {
    const dir = await variantOf({ refine: { passes: 1.5, support: 2 } });
    try {
      await expect(loadDetector(dir)).rejects.toThrow(/inference.refine/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('views with score: the face logit is the mean over the views of their logits', async () => {
    const dir = await variantOf({ views: { views: ['identity', 'mirror'], score: true } });
    const [plain, multi] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      const big = { width: 160, height: 160, channels: 3, data: new Uint8Array(160 * 160 * 3) };
      for (let i = 0; i < big.data.length; i++) big.data[i] = (i * 7919) % 251;
      const mirrored = { ...big, data: viewSquare(big.data, 160, 3, 'mirror') };
      const [a, m, b] = [await plain.predict(big), await plain.predict(mirrored), await multi.predict(big)];
      expect(a.grid.cols).toBeGreaterThan(1);
      expect(b.windows.length).toBe(a.windows.length);
      // Window (r, c) of the mirror image is window (r, cols − 1 − c) of the plain one.
      const { rows, cols } = a.grid;
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++)
          expect(b.grid.logits[r * cols + c]!).toBeCloseTo(
            (a.grid.logits[r * cols + c]! + m.grid.logits[r * cols + cols - 1 - c]!) / 2,
            4,
          );
    } finally {
      plain.dispose();
      multi.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('movedGate keeps W only where the moved probability reaches it', async () => {
    const dir = await variantOf({ movedGate: 0.999 });
    const [plain, gated] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      const [a, b] = [await plain.predict(image), await gated.predict(image)];
      expect(energy(b.flow.data)).toBeLessThan(energy(a.flow.data));
      expect(b.probability).toBe(a.probability);
    } finally {
      plain.dispose();
      gated.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('compressionBreakWeight adds the JPEG-history evidence to the face logit; the network logit stays its own', async () => {
    const dir = await variantOf({ compressionBreakWeight: 0.25 });
    const [plain, fused] = await Promise.all([loadDetector(FIXTURE), loadDetector(dir)]);
    try {
      const a = await plain.predict(image, { compressionBreak: 8 });
      const b = await fused.predict(image, { compressionBreak: 8 });
      const c = await fused.predict(image);
      expect(a.logit).toBe(a.networkLogit); // no weight in the manifest: the evidence is ignored
      expect(b.networkLogit).toBe(a.networkLogit);
      expect(b.logit).toBeCloseTo(a.networkLogit + 2, 6);
      expect(b.probability).toBeGreaterThan(a.probability);
      expect(c.logit).toBe(c.networkLogit); // no JPEG history read: nothing added
    } finally {
      plain.dispose();
      fused.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("historyTerm 'evidence' weighs historyEvidence, signed, instead of the break; a bad term is refused", async () => {
    const dir = await variantOf({ compressionBreakWeight: 2, historyTerm: 'evidence' });
    const evidence = await loadDetector(dir);
    try {
      const base = (await evidence.predict(image)).networkLogit;
      const up = await evidence.predict(image, { compressionBreak: 8, historyEvidence: 1.5 });
      const down = await evidence.predict(image, { compressionBreak: 8, historyEvidence: -0.5 });
      const breakOnly = await evidence.predict(image, { compressionBreak: 8 });
      expect(up.logit).toBeCloseTo(base + 3, 6);
      expect(down.logit).toBeCloseTo(base - 1, 6);
      expect(down.breakCounted).toBe(true);
      expect(breakOnly.logit).toBe(base); // the break is not this manifest's term
      expect(breakOnly.breakCounted).toBe(false);
    } finally {
      evidence.dispose();
      await rm(dir, { recursive: true, force: true });
    }
    const bad = await variantOf({ compressionBreakWeight: 2, historyTerm: 'nats' });
    try {
      await expect(loadDetector(bad)).rejects.toThrow(/historyTerm/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });

  it('compressionBreakMinQuality counts the break only for files saved last at that quality or above', async () => {
    const dir = await variantOf({ compressionBreakWeight: 0.25, compressionBreakMinQuality: 90 });
    const gated = await loadDetector(dir);
    try {
      const base = (await gated.predict(image)).networkLogit;
      const high = await gated.predict(image, { compressionBreak: 8, jpegQuality: 92 });
      const low = await gated.predict(image, { compressionBreak: 8, jpegQuality: 85 });
      const unknown = await gated.predict(image, { compressionBreak: 8 });
      expect(high.logit).toBeCloseTo(base + 2, 6);
      expect(high.breakCounted).toBe(true);
      expect(low.logit).toBe(base);
      expect(low.breakCounted).toBe(false);
      expect(unknown.logit).toBe(base); // the gate needs the file's quality: without it, nothing is added
      expect(unknown.breakCounted).toBe(false);
    } finally {
      gated.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
