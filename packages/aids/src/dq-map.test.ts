import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, meanLlr, photoPng, type Rgb, resampleBox } from './_internal/fixtures.ts';
import {
  compressionBreak,
  compressionBreakWindow,
  doubleJpegMap,
  gridOffset,
  historyAround,
  historyEvidence,
  historyFeatures,
  historyFitFor,
  historyReading,
  lumaOf,
  MEAN_AROUND_FEATURE,
} from './dq-map.ts';
import { ijgTable, STD_LUMA } from './jpeg.ts';

const encode = (img: Rgb, quality: number) =>
  sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ quality, chromaSubsampling: '4:4:4' })
    .toBuffer();
const mapOf = (img: Rgb, steps?: number[]) =>
  doubleJpegMap(lumaOf(img.data, img.width, img.height), img.width, img.height, steps ? { steps } : {});

let photo: Rgb;
beforeAll(async () => {
  photo = await decode(await photoPng(2, 640));
});

describe('doubleJpegMap', () => {
  it('finds where a q75 photo was resampled before its q90 re-save, on a crop off the 8 px grid', async () => {
    const first = await decode(await encode(photo, 75));
    const spliced = await decode(await encode(resampleBox(first, 200, 160, 160), 90));
    // Crop 3 px from the left and 5 from the top: the blocks now start at x = 5, y = 3.
    const crop = await decode(
      await sharp(spliced.data, { raw: { width: spliced.width, height: spliced.height, channels: 3 } })
        .extract({ left: 3, top: 5, width: spliced.width - 3, height: spliced.height - 5 })
        .png()
        .toBuffer(),
    );
    // The pipeline passes the table from the file's header (the re-save's, q90).
    const steps90 = ijgTable(STD_LUMA, 90);
    const map = mapOf(crop, steps90);
    expect([map.offsetX, map.offsetY]).toEqual([5, 3]);
    expect(map.frequencies.length).toBeGreaterThan(3);
    const edit = { x0: 197, y0: 155, x1: 357, y1: 315 };
    const { inside, outside } = meanLlr(map, edit);
    expect(inside).toBeLessThan(0);
    expect(outside).toBeGreaterThan(0);
    expect(historyAround(map, edit).mean).toBeCloseTo(outside, 5);
    const elsewhere = { x0: 40, y0: 155, x1: 200, y1: 315 };
    expect(compressionBreak(map, edit)).toBeGreaterThan(3 * Math.max(1, compressionBreak(map, elsewhere)));
    // Asked over a region three times the splice's width, the worst window sits inside the splice and carries the
    // same nats as the break.
    const wide = { x0: 40, y0: 100, x1: 520, y1: 380 };
    const window = compressionBreakWindow(map, wide, 0.2)!;
    expect(window.nats).toBeCloseTo(compressionBreak(map, wide, 0.2), 5);
    expect(window.x1 - window.x0).toBe(8 * Math.round((0.2 * 280) / 8));
    const [cx, cy] = [(window.x0 + window.x1) / 2, (window.y0 + window.y1) / 2];
    expect(cx > edit.x0 && cx < edit.x1 && cy > edit.y0 && cy < edit.y1).toBe(true);
    expect((window.x0 - map.offsetX) % 8).toBe(0);
    // The combined evidence says the same: edited where the history breaks, kept elsewhere.
    expect(historyFeatures(map, edit)).toHaveLength(12);
    expect(historyFeatures(map, edit)[MEAN_AROUND_FEATURE]).toBeCloseTo(historyAround(map, edit).mean, 5);
    // One reading gives both: the evidence and the features it weighed.
    expect(historyReading(map, edit)).toEqual({
      evidence: historyEvidence(map, edit),
      features: historyFeatures(map, edit),
    });
    expect(historyEvidence(map, edit)).toBeGreaterThan(1);
    expect(historyEvidence(map, elsewhere)).toBeLessThan(historyEvidence(map, edit) - 1);
    // Untouched, saved at q75 or at q95 and exported at q90: the box keeps the history, so the evidence leans
    // untouched (< 0). After the faint q95 history the breaks alone read positive; the fit's intercept, kept where a
    // history was found, brings that back below 0.
    for (const earlier of [75, 95]) {
      const untouched = mapOf(await decode(await encode(await decode(await encode(photo, earlier)), 90)), steps90);
      expect(untouched.frequencies.length).toBeGreaterThan(3);
      expect(historyEvidence(untouched, edit)).toBeLessThan(-1);
    }
  });

  it('finds the break after a colour edit between the saves (the earlier lattice, scaled)', async () => {
    const first = await decode(await encode(photo, 90));
    const edited = resampleBox(first, 200, 160, 160);
    // Brightness ×0.9, per channel: luma and its DCT scale by 0.9, so the q90 lattice no longer sits on whole steps.
    const data = edited.data.map((v) => Math.min(255, Math.round(v * 0.9)));
    const map = mapOf(await decode(await encode({ ...edited, data }, 95)), ijgTable(STD_LUMA, 95));
    expect(map.frequencies.length).toBeGreaterThan(3);
    expect(Math.abs(map.scale - 1)).toBeGreaterThan(0.03);
    const edit = { x0: 197, y0: 155, x1: 357, y1: 315 };
    const { inside, outside } = meanLlr(map, edit);
    expect(inside).toBeLessThan(0);
    expect(outside).toBeGreaterThan(0);
    expect(historyEvidence(map, edit)).toBeGreaterThan(1);
    expect(historyEvidence(map, { x0: 40, y0: 155, x1: 200, y1: 315 })).toBeLessThan(-1);
    // Untouched, the same colour edit and export: the history holds in the box.
    const untouched = await decode(await encode(first, 90));
    const plain = { ...untouched, data: untouched.data.map((v) => Math.min(255, Math.round(v * 0.9))) };
    expect(historyEvidence(mapOf(await decode(await encode(plain, 95)), ijgTable(STD_LUMA, 95)), edit)).toBeLessThan(
      -1,
    );
  });

  it('weighs a faint history with its own fit: below faintBelow, or below scaledFaintBelow after a colour scale', () => {
    const fits = {
      clear: { weights: [], intercept: 1 },
      faint: { weights: [], intercept: -1 },
      faintBelow: 0.03,
      scaledFaintBelow: 0.2,
    };
    const around = (mean: number) => Object.assign(new Array(12).fill(0), { [MEAN_AROUND_FEATURE]: mean });
    expect(historyFitFor(around(0.1), 1, fits)).toBe(fits.clear);
    expect(historyFitFor(around(0.01), 1, fits)).toBe(fits.faint);
    // A scaled lattice at q90 keeps up to ~0.12 and reads as noise; a q95 export after the colour edit keeps ~2.
    expect(historyFitFor(around(0.1), 0.9, fits)).toBe(fits.faint);
    expect(historyFitFor(around(2), 0.9, fits)).toBe(fits.clear);
  });

  it('historyAround: the photo around a face shows its earlier save, unless it was rescaled since', async () => {
    const first = await decode(await encode(photo, 75));
    const face = { x0: 200, y0: 160, x1: 360, y1: 320 };
    const steps = ijgTable(STD_LUMA, 90);
    const kept = historyAround(mapOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)), steps), face);
    const small = await decode(
      await sharp(first.data, { raw: { width: first.width, height: first.height, channels: 3 } })
        .resize(Math.round(first.width * 0.8))
        .png()
        .toBuffer(),
    );
    const erased = historyAround(mapOf(await decode(await encode(small, 90)), steps), face);
    expect(kept.blocks).toBeGreaterThan(1000);
    expect(kept.mean).toBeGreaterThan(0.2);
    expect(Math.abs(erased.mean)).toBeLessThan(0.2 * kept.mean);
  });

  it('has nothing to say about a photo saved once, or never', async () => {
    const once = mapOf(await decode(await encode(photo, 90)));
    const never = mapOf(photo);
    // No frequency shows the double-quantisation pattern, so no block carries evidence.
    for (const map of [once, never]) {
      expect(map.frequencies).toEqual([]);
      expect(compressionBreak(map, { x0: 0, y0: 0, x1: photo.width, y1: photo.height })).toBe(0);
      expect(compressionBreakWindow(map, { x0: 0, y0: 0, x1: photo.width, y1: photo.height })).toBeUndefined();
      // Without evidence the combined term is neutral, whatever the weights.
      expect(historyEvidence(map, { x0: 100, y0: 100, x1: 300, y1: 300 })).toBe(0);
      expect(historyReading(map, { x0: 100, y0: 100, x1: 300, y1: 300 })).toEqual({ evidence: 0 });
    }
    // Read from the pixels alone, the steps of a single save are the table's (low frequencies, where
    // coefficients are seldom zero).
    const table = ijgTable(STD_LUMA, 90);
    for (const f of [1, 8, 9, 2, 16]) expect(once.steps[f]).toBe(table[f]);
  });

  it('gridOffset reads the phase of a JPEG cut at every offset', async () => {
    const saved = await decode(await encode(photo, 85));
    for (const [dx, dy] of [
      [0, 0],
      [1, 6],
      [7, 2],
    ] as const) {
      const w = saved.width - dx;
      const h = saved.height - dy;
      const luma = lumaOf(saved.data, saved.width, saved.height);
      const cut = new Float32Array(w * h);
      for (let y = 0; y < h; y++)
        cut.set(luma.subarray((y + dy) * saved.width + dx, (y + dy) * saved.width + dx + w), y * w);
      expect(gridOffset(cut, w, h)).toEqual({ x: (8 - dx) % 8, y: (8 - dy) % 8 });
    }
  });
});
