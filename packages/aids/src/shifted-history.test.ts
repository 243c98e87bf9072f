import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, meanLlr, photoPng, type Rgb, resampleBox } from './_internal/fixtures.ts';
import { compressionBreakWindow, doubleJpegMap, gridOffset, lumaOf } from './dq-map.ts';
import { ijgTable, STD_LUMA } from './jpeg.ts';
import { shiftedJpegHistory } from './shifted-history.ts';

const raw = (img: Rgb) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
const encode = (img: Rgb, quality: number) => raw(img).jpeg({ quality }).toBuffer();
const cropBy = async (img: Rgb, x: number, y: number) =>
  decode(
    await raw(img)
      .extract({ left: x, top: y, width: img.width - x, height: img.height - y })
      .png()
      .toBuffer(),
  );
const shiftedOf = (img: Rgb) => {
  const luma = lumaOf(img.data, img.width, img.height);
  return shiftedJpegHistory(luma, img.width, img.height, gridOffset(luma, img.width, img.height));
};

let photo: Rgb;
beforeAll(async () => {
  photo = await decode(await photoPng(2, 640));
});

describe('shiftedJpegHistory', () => {
  it('finds an earlier save on another grid (a crop between the saves) and where the photo changed after it', async () => {
    // Saved at q75, cropped 3 px from the left and 5 from the top, a box resampled, saved at q90: the earlier
    // save's blocks now start at x = 5, y = 3, the last save's at 0, 0.
    const cropped = await cropBy(await decode(await encode(photo, 75)), 3, 5);
    const edited = await decode(await encode(resampleBox(cropped, 200, 160, 160), 90));
    // The last save's grid holds no earlier save: the aligned map finds next to nothing (a stray frequency at most).
    const aligned = doubleJpegMap(lumaOf(edited.data, edited.width, edited.height), edited.width, edited.height, {
      steps: ijgTable(STD_LUMA, 90),
    });
    expect(aligned.frequencies.length).toBeLessThan(3);
    const shifted = shiftedOf(edited)!;
    expect(shifted.offset).toEqual({ x: 5, y: 3 });
    expect(shifted.map.frequencies.length).toBeGreaterThanOrEqual(3);
    // The earlier steps are q75's at those frequencies (the luma table's natural order).
    const q75 = ijgTable(STD_LUMA, 75);
    shifted.map.frequencies.forEach((f, i) => {
      expect(shifted.map.firstSteps[i]).toBe(q75[f]);
    });
    const edit = { x0: 200, y0: 160, x1: 360, y1: 320 };
    expect(meanLlr(shifted.map, edit).inside).toBeLessThan(0);
    expect(meanLlr(shifted.map, edit).outside).toBeGreaterThan(0);
    // The worst window over a region three times the edit's width lies inside the edit.
    const window = compressionBreakWindow(shifted.map, { x0: 40, y0: 100, x1: 520, y1: 380 }, 0.2)!;
    const [cx, cy] = [(window.x0 + window.x1) / 2, (window.y0 + window.y1) / 2];
    expect(cx > edit.x0 && cx < edit.x1 && cy > edit.y0 && cy < edit.y1).toBe(true);
    expect((window.x0 - 5) % 8).toBe(0);
  });

  it('a contrast edit between the saves: the earlier steps read scaled, between whole numbers, and the edit still stands out', async () => {
    // Contrast × 1.2 about mid-grey after the q75 save scales its lattice by 1.2 (q75's step 6 becomes 7.2).
    const first = await decode(await encode(photo, 75));
    const contrast = {
      ...first,
      data: first.data.map((v) => Math.max(0, Math.min(255, Math.round((v - 128) * 1.2 + 128)))),
    };
    const cropped = await cropBy(contrast, 3, 5);
    const edited = await decode(await encode(resampleBox(cropped, 200, 160, 160), 90));
    const shifted = shiftedOf(edited)!;
    expect(shifted.offset).toEqual({ x: 5, y: 3 });
    const q75 = ijgTable(STD_LUMA, 75);
    expect(shifted.map.frequencies.length).toBeGreaterThanOrEqual(3);
    shifted.map.frequencies.forEach((f, i) => {
      expect(Math.abs(shifted.map.firstSteps[i]! - 1.2 * q75[f]!)).toBeLessThan(0.15);
    });
    const edit = { x0: 200, y0: 160, x1: 360, y1: 320 };
    expect(meanLlr(shifted.map, edit).inside).toBeLessThan(0);
    expect(meanLlr(shifted.map, edit).outside).toBeGreaterThan(0);
  });

  it('reads no block near black or white: clipping erases the earlier lattice whatever happened to the face', async () => {
    const cropped = await cropBy(await decode(await encode(photo, 75)), 3, 5);
    // A white square (clipped highlights) painted after the earlier save.
    const data = cropped.data.slice();
    for (let y = 300; y < 340; y++)
      for (let x = 100; x < 140; x++) data.fill(255, 3 * (y * cropped.width + x), 3 * (y * cropped.width + x) + 3);
    const img = await decode(await encode({ ...cropped, data }, 90));
    const shifted = shiftedOf(img)!;
    const { map } = shifted;
    const luma = lumaOf(img.data, img.width, img.height);
    let clipped = 0;
    for (let r = 0; r < map.rows; r++)
      for (let c = 0; c < map.cols; c++) {
        let extreme = false;
        for (let y = 0; y < 8; y++)
          for (let x = 0; x < 8; x++) {
            const v = luma[(map.offsetY + 8 * r + y) * img.width + map.offsetX + 8 * c + x]!;
            if (v <= 12 || v >= 243) extreme = true;
          }
        if (!extreme) continue;
        clipped++;
        expect(map.llr[r * map.cols + c]).toBe(0);
      }
    // The square's 25 blocks at least; the rest of the photo is still read.
    expect(clipped).toBeGreaterThanOrEqual(25);
    expect(meanLlr(map, { x0: 0, y0: 0, x1: 96, y1: 96 }).inside).toBeGreaterThan(0);
  });

  it('reads no block with a clipped channel it is told of: saturation clips red skin without clipping luma', async () => {
    const cropped = await cropBy(await decode(await encode(photo, 75)), 3, 5);
    // Red pushed to 255 over a square after the earlier save: luma stays mid-grey, one channel is clipped.
    const data = cropped.data.slice();
    for (let y = 300; y < 340; y++) for (let x = 100; x < 140; x++) data[3 * (y * cropped.width + x)] = 255;
    const img = await decode(await encode({ ...cropped, data }, 90));
    const luma = lumaOf(img.data, img.width, img.height);
    const blind = shiftedJpegHistory(luma, img.width, img.height, gridOffset(luma, img.width, img.height))!;
    const told = shiftedJpegHistory(luma, img.width, img.height, gridOffset(luma, img.width, img.height), {
      rgb: img.data,
    })!;
    const square = { x0: 104, y0: 304, x1: 136, y1: 336 };
    // Without the mask the square reads as changed after the save; with it, its blocks read nothing.
    expect(meanLlr(blind.map, square).inside).toBeLessThan(0);
    expect(meanLlr(told.map, square).inside).toBe(0);
    // Elsewhere the two maps agree.
    expect(meanLlr(told.map, { x0: 0, y0: 0, x1: 96, y1: 96 }).inside).toBeCloseTo(
      meanLlr(blind.map, { x0: 0, y0: 0, x1: 96, y1: 96 }).inside,
      6,
    );
  });

  it('finds none where the saves share a grid, where the photo was resized between them, or never saved', async () => {
    const first = await decode(await encode(photo, 75));
    expect(shiftedOf(await decode(await encode(first, 90)))).toBeUndefined();
    // A crop by whole blocks keeps the grids aligned: that is doubleJpegMap's case.
    expect(shiftedOf(await decode(await encode(await cropBy(first, 8, 16), 90)))).toBeUndefined();
    const resized = await decode(
      await raw(first)
        .resize(Math.round(first.width * 0.8))
        .jpeg({ quality: 90 })
        .toBuffer(),
    );
    expect(shiftedOf(resized)).toBeUndefined();
    expect(shiftedOf(photo)).toBeUndefined();
    expect(shiftedOf({ width: 40, height: 40, data: photo.data.subarray(0, 40 * 40 * 3) })).toBeUndefined();
  });
});
