import { existsSync } from 'node:fs';
import path from 'node:path';
import { applyWarp, psnr } from '@unwarp/flow';
import { describe, expect, it } from 'vitest';
import { bloat, pushStroke, twirl } from './brushes.ts';
import { FAMILIES, sampleEdits, warpFromEdits } from './edits.ts';
import { type FacePhoto, makePair } from './pairs.ts';
import { listLandmarkedPhotos, loadFacePhoto } from './photo-pool.ts';
import { createRng } from './random.ts';
import { compose, movePoint, rasterize } from './warp.ts';

const data = path.resolve(import.meta.dirname, '../../../../shared/data/val/helen');
const haveData = existsSync(data);

describe('brushes', () => {
  it('compose exactly: composing analytically equals sampling the first warp at the displaced points', () => {
    const a = bloat({ center: [50, 50], radius: 30 }, 0.3);
    const b = twirl({ center: [60, 55], radius: 25 }, 20);
    const ab = compose(a, b);
    const out = new Float64Array(2);
    const wa = new Float64Array(2);
    const wb = new Float64Array(2);
    for (const [x, y] of [
      [50, 50],
      [60, 40],
      [70, 60],
      [45, 65],
    ] as const) {
      ab.at(x, y, out);
      b.at(x, y, wb);
      a.at(x + wb[0]!, y + wb[1]!, wa);
      expect(out[0]).toBeCloseTo(wb[0]! + wa[0]!, 12);
      expect(out[1]).toBeCloseTo(wb[1]! + wa[1]!, 12);
    }
  });

  it('bloat magnifies and pucker shrinks around the centre', () => {
    const q: [number, number] = [60, 50];
    expect(movePoint(bloat({ center: [50, 50], radius: 40 }, 0.3), q)[0]).toBeGreaterThan(61);
    expect(movePoint(bloat({ center: [50, 50], radius: 40 }, -0.3), q)[0]).toBeLessThan(59);
  });

  it('a push stroke drags content along the stroke direction', () => {
    const w = pushStroke(
      [
        [40, 50],
        [70, 50],
      ],
      { radius: 20 },
      0.4,
    );
    const moved = movePoint(w, [45, 50]);
    expect(moved[0] - 45).toBeGreaterThan(2);
    expect(Math.abs(moved[1] - 50)).toBeLessThan(0.5);
  });

  it('is seeded: the same seed gives the same edits', () => {
    const lm = Array.from(
      { length: 68 },
      (_, i) => [100 + (i % 17) * 10, 100 + Math.floor(i / 17) * 30] as [number, number],
    );
    const a = sampleEdits(createRng(5), lm, { families: FAMILIES });
    const b = sampleEdits(createRng(5), lm, { families: FAMILIES });
    expect(a).toEqual(b);
    expect(sampleEdits(createRng(6), lm)).not.toEqual(a);
  });
});

describe.skipIf(!haveData)(`training pairs from real photos (${data})`, () => {
  it('modified equals applyWarp(original, W) at > 45 dB, and W is zero away from the edits', async () => {
    const refs = await listLandmarkedPhotos([data]);
    const photo: FacePhoto = await loadFacePhoto(refs[3]!);
    for (const seed of [1, 2, 3]) {
      const pair = await makePair(photo, createRng(seed), {
        patch: 0,
        cropShortSide: 400,
        positiveRate: 1,
        augment: false,
        keepOriginal: true,
        families: ['face-aware'],
      });
      expect(pair.modified.width).toBe(pair.flow.width);
      const again = applyWarp(pair.original!, pair.flow, { interpolation: pair.meta.interpolation });
      expect(psnr(again, pair.modified)).toBeGreaterThan(45);
      // Rebuilding the field from meta.json's edits gives the stored field.
      const rebuilt = rasterize(warpFromEdits(pair.meta.edits, pair.meta.landmarks), pair.flow.width, pair.flow.height);
      let maxDiff = 0;
      for (let i = 0; i < rebuilt.data.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(rebuilt.data[i]! - pair.flow.data[i]!));
      expect(maxDiff).toBeLessThan(1e-4);
      expect(pair.flow.data[0]).toBe(0);
      expect(pair.flow.data[pair.flow.data.length - 1]).toBe(0);
    }
  });

  it('unedited pairs have zero flow and label 0; patches have the asked size', async () => {
    const refs = await listLandmarkedPhotos([data]);
    const photo = await loadFacePhoto(refs[0]!);
    const pair = await makePair(photo, createRng(9), {
      patch: 96,
      cropShortSide: 400,
      positiveRate: 0,
      augment: true,
      keepOriginal: false,
    });
    expect(pair.label).toBe(0);
    expect(pair.modified.width).toBe(96);
    expect(pair.flow.data.every((v) => v === 0)).toBe(true);
  });
});
