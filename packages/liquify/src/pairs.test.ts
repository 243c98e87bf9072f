import { existsSync } from 'node:fs';
import path from 'node:path';
import { applyWarp, cropImage, type Image, psnr } from '@unwarp/flow';
import { describe, expect, it } from 'vitest';
import { bloat, pushStroke, twirl } from './brushes.ts';
import { FAMILIES, sampleEdits, warpFromEdits } from './edits.ts';
import { type FacePhoto, jpegRoundTrip, landmarkBox, makePair, recolour } from './pairs.ts';
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

describe('recolour', () => {
  it("keeps each pixel's luma but for contrast and brightness, which scale it about mid-grey; grey drops chroma", () => {
    const data = new Uint8Array([170, 90, 110, 60, 140, 120, 128, 128, 128, 40, 50, 60]);
    const img = { width: 4, height: 1, channels: 3, data };
    const luma = (d: Uint8Array, i: number) => 0.299 * d[3 * i]! + 0.587 * d[3 * i + 1]! + 0.114 * d[3 * i + 2]!;
    const out = recolour(img, { brightness: 0.9, contrast: 1.1, saturation: 1.3 }).data;
    for (let i = 0; i < 4; i++) expect(luma(out, i)).toBeCloseTo(((luma(data, i) - 128) * 1.1 + 128) * 0.9, 0);
    // Saturation stretches chroma about the luma: the first pixel's red moves further from its luma.
    expect(out[0]! - luma(out, 0)).toBeGreaterThan(170 - luma(data, 0));
    const grey = recolour(img, { brightness: 1, contrast: 1, saturation: 1, grey: true }).data;
    expect([grey[0], grey[1], grey[2]]).toEqual([
      Math.round(luma(data, 0)),
      Math.round(luma(data, 0)),
      Math.round(luma(data, 0)),
    ]);
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

  it("puts a re-save on the photo's JPEG grid only where the pixels are still the photo's own", async () => {
    const refs = await listLandmarkedPhotos([data]);
    const photo = await loadFacePhoto(refs[1]!);
    const options = { patch: 96, positiveRate: 1, augment: true, augmentLevel: 0, keepOriginal: false } as const;
    const native = await makePair(photo, createRng(4), { ...options, cropShortSide: 0, jpegGrid: 'photo' });
    const resized = await makePair(photo, createRng(4), { ...options, cropShortSide: 400, jpegGrid: 'photo' });
    const historic = await makePair(photo, createRng(4), { ...options, cropShortSide: 0 });
    expect(native.meta.rescale).toBe(1);
    expect(native.meta.jpegGrid).toBe('photo');
    expect(resized.meta.jpegGrid).toBe('patch');
    expect(historic.meta.jpegGrid).toBe('patch');
  });

  it('shrinkFace edits a smaller copy of the photo, and never cuts a patch larger than the shrunk photo allows', async () => {
    const refs = await listLandmarkedPhotos([data]);
    const photo = await loadFacePhoto(refs[2]!);
    const nativeWidth = landmarkBox(photo.landmarks).width;
    const options = { cropShortSide: 0, positiveRate: 1, augment: false, keepOriginal: true } as const;
    const whole = await makePair(photo, createRng(9), {
      ...options,
      patch: 0,
      shrinkFace: { share: 1, widths: [60, 80] },
    });
    const width = landmarkBox(whole.meta.landmarks).width;
    expect(width).toBeGreaterThan(55);
    expect(width).toBeLessThan(85);
    expect(nativeWidth).toBeGreaterThan(150);
    // The crop follows the face: about its width x 1.8, not the native crop's.
    expect(whole.modified.width).toBeLessThan(width * 2);
    expect(whole.label).toBe(1);
    expect(psnr(whole.modified, whole.original!)).toBeLessThan(60);
    // A 160 px patch from a face asked to be 20 px wide: the photo stops shrinking where a patch still fits.
    const patch = await makePair(photo, createRng(9), {
      ...options,
      patch: 160,
      shrinkFace: { share: 1, widths: [20, 20] },
    });
    expect(patch.modified.width).toBe(160);
    expect(patch.meta.region.size).toBe(160);
    const unshrunk = await makePair(photo, createRng(9), {
      ...options,
      patch: 0,
      shrinkFace: { share: 0, widths: [60, 80] },
    });
    expect(landmarkBox(unshrunk.meta.landmarks).width).toBeCloseTo(nativeWidth, 6);
  });

  it('resampleFirst edits a resized, never re-saved copy; unedited, its pair is the resized photo itself with W = 0', async () => {
    const refs = await listLandmarkedPhotos([data]);
    const photo = await loadFacePhoto(refs[2]!);
    const nativeWidth = landmarkBox(photo.landmarks).width;
    const options = { cropShortSide: 0, augment: false, keepOriginal: true, patch: 0 } as const;
    const resampleFirst = { share: 1, factors: [0.7, 0.7] as [number, number] };
    const untouched = await makePair(photo, createRng(4), { ...options, positiveRate: 0, resampleFirst });
    expect(landmarkBox(untouched.meta.landmarks).width).toBeCloseTo(nativeWidth * 0.7, 0);
    expect(untouched.label).toBe(0);
    expect(untouched.flow.data.every((v) => v === 0)).toBe(true);
    expect(Buffer.from(untouched.modified.data).equals(Buffer.from(untouched.original!.data))).toBe(true);
    // Edited at the resized size.
    const edited = await makePair(photo, createRng(4), { ...options, positiveRate: 1, resampleFirst });
    expect(edited.label).toBe(1);
    expect(landmarkBox(edited.meta.landmarks).width).toBeCloseTo(nativeWidth * 0.7, 0);
    // Not drawn: the photo's own pixels.
    const plain = await makePair(photo, createRng(4), {
      ...options,
      positiveRate: 0,
      resampleFirst: { share: 0, factors: [0.7, 0.7] },
    });
    expect(landmarkBox(plain.meta.landmarks).width).toBeCloseTo(nativeWidth, 6);
  });
});

describe('jpegRoundTrip', () => {
  // A textured photo whose JPEG blocks matter: a smooth gradient plus a deterministic pattern.
  const photo = (width: number, height: number): Image<Uint8Array> => {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++)
          data[(y * width + x) * 3 + c] = (x * 2 + y + c * 40 + ((x * 7919 + y * 104729 + c * 31) % 23) * 3) % 256;
    return { width, height, channels: 3, data };
  };
  const crop = (img: Image<Uint8Array>, x: number, y: number, w: number, h: number) =>
    cropImage(img, { x, y, width: w, height: h });
  const diffInside = (a: Image<Uint8Array>, b: Image<Uint8Array>, x0: number, y0: number, x1: number, y1: number) => {
    let d = 0;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++)
        for (let c = 0; c < 3; c++)
          d += Math.abs(a.data[(y * a.width + x) * 3 + c]! - b.data[(y * b.width + x) * 3 + c]!);
    return d;
  };

  it("on the photo's grid, a crop's re-save equals the crop of the whole photo's re-save (blocks away from its edges)", async () => {
    const whole = photo(96, 80);
    const [x, y, w, h] = [21, 37, 48, 32];
    const resavedWhole = crop(await jpegRoundTrip(whole, 92), x, y, w, h);
    const aligned = await jpegRoundTrip(crop(whole, x, y, w, h), 92, { x, y });
    const unaligned = await jpegRoundTrip(crop(whole, x, y, w, h), 92);
    expect(aligned.width).toBe(w);
    expect(aligned.height).toBe(h);
    // The 8 px blocks made only of real pixels: photo x 24..64, y 40..64, i.e. crop x 3..43, y 3..27.
    expect(diffInside(aligned, resavedWhole, 3, 3, 43, 27)).toBe(0);
    expect(diffInside(unaligned, resavedWhole, 3, 3, 43, 27)).toBeGreaterThan(0);
  });
});
