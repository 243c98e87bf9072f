import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decode, photoPng, type Rgb, resampleBox } from './_internal/fixtures.ts';
import {
  combineHistoryFeatures,
  type DoubleJpegMap,
  historyEvidence,
  historyFeatures,
  lumaOf,
  MEAN_AROUND_FEATURE,
} from './dq-map.ts';
import { ijgTable, STD_LUMA } from './jpeg.ts';
import { faceHistoryReading, MIN_HISTORY_FREQUENCIES, readJpegHistory, SHIFTED_HISTORY_FIT } from './jpeg-history.ts';

const raw = (img: Rgb) => sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
const encode = (img: Rgb, quality: number) => raw(img).jpeg({ quality }).toBuffer();
const historyOf = (img: Rgb) =>
  readJpegHistory(lumaOf(img.data, img.width, img.height), img.width, img.height, { steps: ijgTable(STD_LUMA, 90) });

/** The edit resampleBox(…, 200, 160, 160) makes, and a box of the same size the edit leaves alone. */
const EDITED = { x0: 200, y0: 160, x1: 360, y1: 320 };
const UNTOUCHED = { x0: 440, y0: 160, x1: 600, y1: 320 };

let first: Rgb;
let croppedOffGrid: Rgb;
beforeAll(async () => {
  first = await decode(await encode(await decode(await photoPng(2, 640)), 75));
  const { data, info } = await raw(first)
    .extract({ left: 3, top: 5, width: first.width - 3, height: first.height - 5 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  croppedOffGrid = { width: info.width, height: info.height, data: new Uint8Array(data) };
});

describe('readJpegHistory', () => {
  it('on the same grid: the aligned map, and no save found on the other grids', async () => {
    const history = historyOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)));
    expect(history.map.frequencies.length).toBeGreaterThanOrEqual(MIN_HISTORY_FREQUENCIES);
    expect(history.shifted).toBeUndefined();
  });

  it('cropped off the grid between the saves: the aligned map next to empty, the earlier save found on its grid', async () => {
    const history = historyOf(await decode(await encode(resampleBox(croppedOffGrid, 200, 160, 160), 90)));
    expect(history.map.frequencies.length).toBeLessThan(MIN_HISTORY_FREQUENCIES);
    expect(history.shifted?.offset).toEqual({ x: 5, y: 3 });
  });

  it('never saved as JPEG: neither map finds a save', async () => {
    const history = historyOf(await decode(await photoPng(2, 640)));
    expect(history.map.frequencies).toHaveLength(0);
    expect(history.shifted).toBeUndefined();
  });
});

describe('faceHistoryReading', () => {
  it('on the same grid: the aligned map and its historyEvidence', async () => {
    const history = historyOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)));
    const reading = faceHistoryReading(history, EDITED);
    expect(reading?.grid).toBe('aligned');
    expect(reading?.map).toBe(history.map);
    expect(reading?.evidence).toBe(historyEvidence(history.map, EDITED));
  });

  it('cropped off the grid between the saves: the shifted save, weighed by its own fit, leans edited on the edit', async () => {
    const history = historyOf(await decode(await encode(resampleBox(croppedOffGrid, 200, 160, 160), 90)));
    const edited = faceHistoryReading(history, EDITED);
    const untouched = faceHistoryReading(history, UNTOUCHED);
    expect(edited?.grid).toBe('shifted');
    expect(edited?.map).toBe(history.shifted?.map);
    expect(edited?.evidence).toBe(
      combineHistoryFeatures(historyFeatures(history.shifted!.map, EDITED), SHIFTED_HISTORY_FIT),
    );
    expect(edited!.evidence).toBeGreaterThan(1);
    expect(untouched!.evidence).toBeLessThan(0);
  });

  it('beside a history on the last grid: the map that keeps the earlier save more clearly around the face is read', async () => {
    const onGrid = historyOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)));
    const offGrid = historyOf(await decode(await encode(resampleBox(croppedOffGrid, 200, 160, 160), 90)));
    expect(onGrid.map.frequencies.length).toBeGreaterThanOrEqual(MIN_HISTORY_FREQUENCIES);
    /** The map with its blocks' evidence faded to a thousandth: a lattice that barely shows the save around the face. */
    const faded = <M extends { llr: Float32Array }>(map: M): M => ({ ...map, llr: map.llr.map((v) => v / 1000) });
    // A weak history on the last grid (as a crop between the saves can leave) beside the save found on its own grid.
    const weakLast = faceHistoryReading({ map: faded(onGrid.map), shifted: offGrid.shifted! }, EDITED);
    expect(weakLast?.grid).toBe('shifted');
    expect(weakLast?.map).toBe(offGrid.shifted?.map);
    // A strong history on the last grid beside a clear but weaker save elsewhere (around the face 6.9 against 0.54
    // nats a block; session 24's rule read the other grid's here): the last grid's history is read.
    const around = (map: DoubleJpegMap) => historyFeatures(map, EDITED)[MEAN_AROUND_FEATURE]!;
    expect(around(offGrid.shifted!.map)).toBeGreaterThan(0.1);
    expect(around(offGrid.shifted!.map)).toBeLessThan(around(onGrid.map));
    expect(faceHistoryReading({ map: onGrid.map, shifted: offGrid.shifted! }, EDITED)?.grid).toBe('aligned');
    // And beside a weak lattice elsewhere (as a photo resized, then saved twice on one grid shows, half a block over).
    const weakShifted = { ...offGrid.shifted!, map: faded(offGrid.shifted!.map) };
    expect(faceHistoryReading({ map: onGrid.map, shifted: weakShifted }, EDITED)).toMatchObject({
      grid: 'aligned',
      evidence: historyEvidence(onGrid.map, EDITED),
    });
    // With no history on the last grid the weak save is still all there is to read.
    expect(faceHistoryReading({ map: offGrid.map, shifted: weakShifted }, EDITED)?.grid).toBe('shifted');
  });

  it('a stray frequency or two on the last grid and no save elsewhere: read as the aligned map weighs it', async () => {
    const history = historyOf(await decode(await encode(resampleBox(first, 200, 160, 160), 90)));
    const stray = {
      map: { ...history.map, frequencies: history.map.frequencies.slice(0, MIN_HISTORY_FREQUENCIES - 1) },
    };
    expect(faceHistoryReading(stray, EDITED)).toMatchObject({
      grid: 'aligned',
      evidence: historyEvidence(stray.map, EDITED),
    });
    expect(faceHistoryReading(historyOf(await decode(await photoPng(2, 640))), EDITED)).toBeUndefined();
  });
});
