import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, photoPng, type Rgb, resampleBox } from './_internal/fixtures.ts';
import { lumaOf } from './dq-map.ts';
import { ijgTable, STD_LUMA } from './jpeg.ts';
import { readJpegHistory, SHIFTED_SEARCH_BELOW } from './jpeg-history.ts';

const raw = (img: Rgb) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
const encode = (img: Rgb, quality: number) => raw(img).jpeg({ quality }).toBuffer();
const historyOf = (img: Rgb) =>
  readJpegHistory(lumaOf(img.data, img.width, img.height), img.width, img.height, { steps: ijgTable(STD_LUMA, 90) });

let first: Rgb;
beforeAll(async () => {
  first = await decode(await encode(await decode(await photoPng(2, 640)), 75));
});

describe('readJpegHistory', () => {
  it('on the same grid: the aligned map, and no search of the other grids', async () => {
    const history = historyOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)));
    expect(history.map.frequencies.length).toBeGreaterThanOrEqual(SHIFTED_SEARCH_BELOW);
    expect(history.shifted).toBeUndefined();
  });

  it('cropped off the grid between the saves: the aligned map next to empty, the earlier save found on its grid', async () => {
    const { data, info } = await raw(first)
      .extract({ left: 3, top: 5, width: first.width - 3, height: first.height - 5 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const cropped = { width: info.width, height: info.height, data: new Uint8Array(data) };
    const history = historyOf(await decode(await encode(resampleBox(cropped, 200, 160, 160), 90)));
    expect(history.map.frequencies.length).toBeLessThan(SHIFTED_SEARCH_BELOW);
    expect(history.shifted?.offset).toEqual({ x: 5, y: 3 });
  });

  it('searchAlways: the other grids searched beside a history on the last grid, and nothing found there', async () => {
    const img = await decode(await encode(resampleBox(first, 200, 160, 160), 90));
    const history = readJpegHistory(lumaOf(img.data, img.width, img.height), img.width, img.height, {
      steps: ijgTable(STD_LUMA, 90),
      searchAlways: true,
    });
    expect(history.map.frequencies.length).toBeGreaterThanOrEqual(SHIFTED_SEARCH_BELOW);
    expect(history.shifted).toBeUndefined();
    // The same earlier save cropped off the grid first: found, as without the option.
    const { data, info } = await raw(first)
      .extract({ left: 3, top: 5, width: first.width - 3, height: first.height - 5 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const cropped = await decode(
      await encode({ width: info.width, height: info.height, data: new Uint8Array(data) }, 90),
    );
    const found = readJpegHistory(lumaOf(cropped.data, cropped.width, cropped.height), cropped.width, cropped.height, {
      searchAlways: true,
    });
    expect(found.shifted?.offset).toEqual({ x: 5, y: 3 });
  });

  it('never saved as JPEG: neither map finds a save', async () => {
    const history = historyOf(await decode(await photoPng(2, 640)));
    expect(history.map.frequencies).toHaveLength(0);
    expect(history.shifted).toBeUndefined();
  });
});
