import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Box, readPts } from '@unwarp/faces';
import { flowMagnitude } from '@unwarp/flow';
import { liquifyLandmarkedJpeg, liquifyPhoto } from '@unwarp/liquify';
import type { Calibration, FieldCalibration, ModelManifest } from '@unwarp/model';
import { getTf, initBackend } from '@unwarp/tf';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Expectation, makeHugeJpeg } from '../../../test/fixtures/make-bad-images.ts';
import { BAD_IMAGES_DIR, FIXTURE_MODEL_DIR, hasData, PHOTOS, photoPath } from './_internal/testing.ts';
import { type Analysis, type Analyzer, createAnalyzer, DEFAULT_MAX_PIXELS } from './analyze.ts';
import { renderArtifacts } from './artifacts.ts';
import { ReportSchema, UNVALIDATED_VERDICT } from './report.ts';

let analyzer: Analyzer;
beforeAll(async () => {
  analyzer = await createAnalyzer({ modelDir: FIXTURE_MODEL_DIR });
});
afterAll(() => analyzer?.dispose());

const inside = (b: Box, x: number, y: number) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

/** Every pixel outside all crops: zero W and the input's exact bytes in recovered. */
function expectUntouchedOutsideCrops(a: Analysis) {
  const { image, flow, recovered, crops } = a;
  expect([flow.width, flow.height]).toEqual([image.width, image.height]);
  expect([recovered.width, recovered.height]).toEqual([image.width, image.height]);
  let outside = 0;
  for (let y = 0; y < image.height; y++)
    for (let x = 0; x < image.width; x++) {
      if (crops.some((c) => inside(c, x, y))) continue;
      outside++;
      const i = y * image.width + x;
      if (flow.data[2 * i] !== 0 || flow.data[2 * i + 1] !== 0) throw new Error(`W(${x}, ${y}) is not zero`);
      for (let c = 0; c < 3; c++)
        if (recovered.data[3 * i + c] !== image.data[3 * i + c]) throw new Error(`recovered differs at (${x}, ${y})`);
    }
  return outside;
}

describe.skipIf(!hasData())('analyze on real photos (fixture model)', () => {
  it('a portrait: one face, a valid report, W on the upright grid and zero away from the face', async () => {
    const bytes = await readFile(photoPath(PHOTOS.portrait));
    const a = await analyzer.analyze(bytes, { fileName: 'portrait.jpg' });
    expect(() => ReportSchema.parse(a.report)).not.toThrow();
    const r = a.report;
    expect(r.faces).toHaveLength(1);
    expect(r.noFace).toBe(false);
    expect(r.imageScore).toBeUndefined();
    expect(r.probability).toBe(r.faces[0]!.probability);
    expect(r.image).toMatchObject({ file: 'portrait.jpg', format: 'jpeg', bytes: bytes.length, exifOrientation: 1 });
    expect(r.faces[0]!.landmarks).toHaveLength(68);
    expect(Object.keys(r.faces[0]!.regions).sort()).toEqual(
      ['jaw', 'leftBrow', 'leftEye', 'mouth', 'nose', 'outline', 'rightBrow', 'rightEye'].sort(),
    );
    for (const k of ['decode', 'faces', 'predict', 'recover', 'aids', 'total'])
      expect(r.timings[k]).toBeGreaterThanOrEqual(0);
    expect(r.caveat.length).toBeGreaterThan(20);
    // The forensic aids ran on the same bytes: a JPEG of known quality, maps no larger than 2048 px.
    expect(r.aids?.jpeg.quality).toBeGreaterThan(0);
    expect(r.aids?.analysis).toMatchObject({ width: r.image.width, height: r.image.height });
    for (const section of ['metadata', 'contentCredentials', 'ela', 'noise', 'jpeg'] as const)
      expect(r.aids?.[section].howToRead.length, section).toBeGreaterThan(40);
    expect(a.aidImages?.ela.width).toBe(r.aids?.analysis.mapWidth);
    expect(a.aidImages?.noise.height).toBe(r.aids?.analysis.mapHeight);
    // The crop holds the face box; the outside is untouched and makes up most of a Helen photo.
    const f = r.faces[0]!;
    expect(inside(f.cropBox, f.box.x + f.box.width / 2, f.box.y + f.box.height / 2)).toBe(true);
    expectUntouchedOutsideCrops(a);
    // Where the score comes from: window probabilities over the face only, the top window inside the crop and at
    // least as suspicious as the face's combined score.
    const { evidence } = a;
    expect([evidence.width, evidence.height]).toEqual([r.image.width, r.image.height]);
    let painted = 0;
    for (let y = 0; y < evidence.height; y++)
      for (let x = 0; x < evidence.width; x++) {
        const p = evidence.data[y * evidence.width + x]!;
        if (Number.isNaN(p)) continue;
        painted++;
        if (!inside(f.cropBox, x, y) || p < 0 || p > 1) throw new Error(`evidence ${p} at (${x}, ${y})`);
      }
    expect(painted).toBeGreaterThan(0.3 * f.box.width * f.box.height);
    const hot = f.hotspot!;
    expect(inside(f.cropBox, hot.box.x, hot.box.y)).toBe(true);
    expect(hot.box.x + hot.box.width).toBeLessThanOrEqual(f.cropBox.x + f.cropBox.width);
    expect(hot.probability).toBeGreaterThanOrEqual(f.probability - 1e-4);
  });

  it('aids: false skips the forensic aids', async () => {
    const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.portrait)), { aids: false });
    expect(a.report.aids).toBeUndefined();
    expect(a.aidImages).toBeUndefined();
    expect(a.report.timings.aids).toBeUndefined();
    expect(a.report.warnings.join(' ')).not.toMatch(/forensic aids/);
  });

  it('compressionBreak: a face liquified before its re-save breaks the photo’s JPEG history; PNGs have none', async () => {
    // The portrait (a JPEG) saved again at q85, untouched and with Face-Aware sliders applied before the save.
    const file = photoPath(PHOTOS.portrait);
    const sliders = [
      { slider: 'faceWidth', value: -60 },
      { slider: 'eyeSize', value: 60 },
    ] as const;
    const { edited } = await liquifyLandmarkedJpeg(file, sliders, { quality: 85 });
    const resaved = await sharp(file).jpeg({ quality: 85 }).toBuffer();
    const [untouched, liquified] = [
      await analyzer.analyze(resaved, { aids: false }),
      await analyzer.analyze(edited, { aids: false }),
    ];
    const breakOf = (a: Analysis) => a.report.faces[0]!.compressionBreak!;
    expect(breakOf(liquified)).toBeGreaterThan(15);
    expect(breakOf(liquified)).toBeGreaterThan(2 * breakOf(untouched));
    // The signed evidence from the same map: at q85 (finer than the photo's earlier save, so the model does not count
    // it) the liquified face still reads well above the untouched one (+3.22 / +0.91: the clear-history fit reads the
    // weak history's breaks, session 18's single fit −0.97 / +0.22); after a q95 export it separates them clearly.
    const evidenceOf = (a: Analysis) => a.report.faces[0]!.historyEvidence!;
    expect(evidenceOf(liquified)).toBeGreaterThan(evidenceOf(untouched) + 1);
    const edited95 = (await liquifyLandmarkedJpeg(file, sliders, { quality: 95 })).edited;
    const at95 = [
      await analyzer.analyze(await sharp(file).jpeg({ quality: 95 }).toBuffer(), { aids: false }),
      await analyzer.analyze(edited95, { aids: false }),
    ];
    expect(evidenceOf(at95[0]!)).toBeLessThan(-1);
    expect(evidenceOf(at95[1]!)).toBeGreaterThan(1);
    // The fixture model does not weigh the break: the report says nothing about it entering the score.
    for (const a of [untouched, liquified]) expect(a.report.faces[0]!.compressionBreakInScore).toBeUndefined();
    // One that weighs it from q90 up leaves these q85 files out and counts a q95 save.
    await withFixtureVariant(
      (manifest) => {
        manifest.inference = { ...manifest.inference, compressionBreakWeight: 0.5, compressionBreakMinQuality: 90 };
      },
      async (dir) => {
        const weighing = await createAnalyzer({ modelDir: dir });
        try {
          const low = await weighing.analyze(edited, { aids: false });
          expect(low.report.faces[0]!.compressionBreakInScore).toBe(false);
          // Below the quality the model trusts the history at, no break is outlined, however the evidence leans.
          expect(low.report.faces[0]!.historyEvidence).toBeGreaterThan(0);
          expect(low.report.faces[0]!.historyHotspot).toBeUndefined();
          expect(low.report.jpegHistory?.countedInScore).toBe(false);
          const high = await weighing.analyze(await sharp(edited).jpeg({ quality: 95 }).toBuffer(), { aids: false });
          expect(high.report.faces[0]!.compressionBreakInScore).toBe(true);
          expect(high.report.jpegHistory?.countedInScore).toBe(true);
          const clear = await weighing.analyze(edited95, { aids: false });
          expect(clear.report.faces[0]!.historyHotspot).toBeDefined();
        } finally {
          weighing.dispose();
        }
      },
    );
    const png = await analyzer.analyze(await sharp(edited).png().toBuffer(), { aids: false });
    expect(png.report.faces[0]!.compressionBreak).toBeUndefined();
    expect(png.report.faces[0]!.historyEvidence).toBeUndefined();
    expect(() => ReportSchema.parse(liquified.report)).not.toThrow();
  });

  it('jpegHistory: outlines where an edited face breaks the history, draws history.png, and nothing for PNGs', async () => {
    const file = photoPath(PHOTOS.portrait);
    const sliders = [{ slider: 'eyeSize', value: 80 }] as const;
    const { edited, W } = await liquifyLandmarkedJpeg(file, sliders, { quality: 95 });
    const liquified = await analyzer.analyze(edited, { aids: false });
    const untouched = await analyzer.analyze(await sharp(file).jpeg({ quality: 95 }).toBuffer(), { aids: false });
    for (const a of [liquified, untouched])
      expect(a.report.jpegHistory).toMatchObject({
        lastQuality: 95,
        earlierSaveFound: true,
        colourScale: 1,
        // The fixture model never weighs the history.
        countedInScore: null,
      });
    // The untouched face keeps its history: nothing to outline.
    expect(untouched.report.faces[0]!.historyHotspot).toBeUndefined();
    const hotspot = liquified.report.faces[0]!.historyHotspot!;
    expect(hotspot.nats).toBeGreaterThan(10);
    // Said in words: the eyes were enlarged, and the box lies by one of them.
    expect(['leftEye', 'rightEye', 'leftBrow', 'rightBrow']).toContain(hotspot.near?.[0]);
    // On the edit: at least a tenth of the box's pixels moved by more than 1 px.
    const { box } = hotspot;
    let moved = 0;
    for (let y = box.y; y < box.y + box.height; y++)
      for (let x = box.x; x < box.x + box.width; x++) {
        const i = 2 * (y * W.width + x);
        if (Math.hypot(W.data[i]!, W.data[i + 1]!) > 1) moved++;
      }
    expect(moved / (box.width * box.height)).toBeGreaterThan(0.1);
    // The photo and a legend row under it; the box's blocks are tinted towards magenta (red over green), where the
    // untouched photo's are teal.
    const redness = async (a: Analysis) => {
      const { data, info } = await sharp((await renderArtifacts(a))['history.png']!)
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(info.width).toBe(a.image.width);
      expect(info.height).toBeGreaterThan(a.image.height);
      const at = (x: number, y: number) => info.channels * (y * info.width + x);
      let sum = 0;
      for (let y = box.y; y < box.y + box.height; y++)
        for (let x = box.x; x < box.x + box.width; x++) sum += data[at(x, y)]! - data[at(x, y) + 1]!;
      return sum / (box.width * box.height);
    };
    expect(await redness(liquified)).toBeGreaterThan((await redness(untouched)) + 20);
    const png = await analyzer.analyze(await sharp(edited).png().toBuffer(), { aids: false });
    expect(png.report.jpegHistory).toBeUndefined();
    expect(png.history).toBeUndefined();
    expect(png.report.faces[0]!.historyHotspot).toBeUndefined();
    expect((await renderArtifacts(png))['history.png']).toBeUndefined();
    expect(() => ReportSchema.parse(liquified.report)).not.toThrow();
  });

  it('jpegHistory after a crop between the saves: that save found on its own grid, read and outlined there, mapped in history.png', async () => {
    const file = photoPath(PHOTOS.portrait);
    // Saved at q75 (as a photo site might), cropped 3 px from the left and 5 from the top, eyes enlarged, saved at q90.
    const q75 = await sharp(file).jpeg({ quality: 75 }).toBuffer();
    const { width, height } = await sharp(q75).metadata();
    const { data, info } = await sharp(q75)
      .extract({ left: 3, top: 5, width: width! - 3, height: height! - 5 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image = { width: info.width, height: info.height, channels: 3 as const, data: new Uint8Array(data) };
    const landmarks = readPts(await readFile(file.replace(/\.jpg$/, '.pts'), 'utf8')).map(
      ([x, y]) => [x - 3, y - 5] as [number, number],
    );
    const { modified, W } = liquifyPhoto(image, landmarks, [{ slider: 'eyeSize', value: 80 }]);
    const raw = { raw: { width: info.width, height: info.height, channels: 3 as const } };
    const edited = await sharp(modified.data, raw).jpeg({ quality: 90 }).toBuffer();
    const untouched = await sharp(image.data, raw).jpeg({ quality: 90 }).toBuffer();
    const [liquified, kept] = [
      await analyzer.analyze(edited, { aids: false }),
      await analyzer.analyze(untouched, { aids: false }),
    ];
    for (const a of [liquified, kept]) {
      // The earlier save's blocks started at 0, 0 before the crop: at 5, 3 after it.
      expect(a.report.jpegHistory).toMatchObject({
        lastQuality: 90,
        earlierSaveFound: true,
        earlierSaveShift: { x: 5, y: 3 },
      });
      expect(a.report.faces[0]!.historyGrid).toBe('shifted');
      expect(() => ReportSchema.parse(a.report)).not.toThrow();
    }
    // Read from that save, the enlarged eyes lean clearly edited and are outlined by an eye; the untouched face not.
    const hotspot = liquified.report.faces[0]!.historyHotspot!;
    expect(liquified.report.faces[0]!.historyEvidence).toBeGreaterThan(1);
    expect(['leftEye', 'rightEye', 'leftBrow', 'rightBrow']).toContain(hotspot.near?.[0]);
    expect(kept.report.faces[0]!.historyEvidence).toBeLessThan(0);
    expect(kept.report.faces[0]!.historyHotspot).toBeUndefined();
    // history.png: redder (magenta over teal) where the edit moved pixels by more than 1 px than on the rest of the face.
    const a = liquified;
    const { data: png, info: pngInfo } = await sharp((await renderArtifacts(a))['history.png']!)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const face = a.report.faces[0]!.box;
    const sums = { moved: 0, nMoved: 0, still: 0, nStill: 0 };
    for (let y = Math.round(face.y); y < face.y + face.height; y++)
      for (let x = Math.round(face.x); x < face.x + face.width; x++) {
        const i = pngInfo.channels * (y * pngInfo.width + x);
        const j = 2 * (y * W.width + x);
        const m = Math.hypot(W.data[j]!, W.data[j + 1]!);
        const redness = png[i]! - png[i + 1]!;
        if (m > 1) {
          sums.moved += redness;
          sums.nMoved++;
        } else if (m === 0) {
          sums.still += redness;
          sums.nStill++;
        }
      }
    expect(sums.moved / sums.nMoved).toBeGreaterThan(sums.still / sums.nStill + 10);
  });

  it('jpegHistory of a photo upscaled and then saved twice on one grid: the last grid read, not the lattice half a block over', async () => {
    // An untouched Helen portrait upscaled x1.5 (its own JPEG blocks now 12 px apart), saved at q75, then at q90: the
    // search finds a weak lattice 4 px over beside the strong history on the last grid. Read from that lattice this
    // face scored "edited" (0.98) under session 24's rule; it reads the last grid and keeps its history.
    const file = photoPath('val/helen/2968560214_1.jpg');
    const { width, height } = await sharp(file).metadata();
    const upscaled = await sharp(file)
      .resize(Math.round(width! * 1.5), Math.round(height! * 1.5), { kernel: 'lanczos3' })
      .png()
      .toBuffer();
    const bytes = await sharp(await sharp(upscaled).jpeg({ quality: 75 }).toBuffer())
      .jpeg({ quality: 90 })
      .toBuffer();
    const a = await analyzer.analyze(bytes, { aids: false });
    expect(a.report.jpegHistory).toMatchObject({ lastQuality: 90, earlierSaveFound: true, earlierSaveShift: null });
    const face = a.report.faces[0]!;
    expect(face.historyGrid).toBe('aligned');
    expect(face.historyEvidence).toBeLessThan(0);
    expect(face.historyHotspot).toBeUndefined();
    // history.png draws the last grid's map (blocks from 0, 0), not the lattice 4 px over.
    expect([a.history?.map.offsetX, a.history?.map.offsetY]).toEqual([0, 0]);
    expect(() => ReportSchema.parse(a.report)).not.toThrow();
  });

  it('jpegHistory over 16 megapixels: read on the faces crops only, history.png tinted there and nowhere else', async () => {
    const file = photoPath(PHOTOS.portrait);
    const { edited } = await liquifyLandmarkedJpeg(file, [{ slider: 'eyeSize', value: 80 }], { quality: 95 });
    const meta = await sharp(edited).metadata();
    // The edited portrait pasted on the earlier save's 8x8 grid into a 4200 x 4100 canvas (17.2 MP), saved at q95.
    const [left, top] = [1600, 1504];
    const big = await sharp({ create: { width: 4200, height: 4100, channels: 3, background: '#6d7f8a' } })
      .composite([{ input: await sharp(edited).png().toBuffer(), left, top }])
      .jpeg({ quality: 95 })
      .toBuffer();
    const a = await analyzer.analyze(big, { aids: false });
    expect(a.report.faces).toHaveLength(1);
    expect(a.report.jpegHistory).toMatchObject({ lastQuality: 95, earlierSaveFound: true });
    const area = a.history!.area;
    expect(area.width * area.height).toBeLessThan(4200 * 4100);
    const hotspot = a.report.faces[0]!.historyHotspot!.box;
    expect(hotspot.x).toBeGreaterThanOrEqual(left);
    expect(hotspot.y).toBeGreaterThanOrEqual(top);
    expect(hotspot.x + hotspot.width).toBeLessThanOrEqual(left + meta.width!);
    expect(hotspot.y + hotspot.height).toBeLessThanOrEqual(top + meta.height!);
    const { data, info } = await sharp((await renderArtifacts(a))['history.png']!)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(4200);
    // Tinted (not grey) pixels only inside the area the history was read on; some inside it.
    let tintedInside = 0;
    let tintedOutside = 0;
    for (let y = 0; y < 4100; y += 4)
      for (let x = 0; x < 4200; x += 4) {
        const i = info.channels * (y * info.width + x);
        if (Math.max(Math.abs(data[i]! - data[i + 1]!), Math.abs(data[i + 1]! - data[i + 2]!)) <= 2) continue;
        if (inside(area, x, y)) tintedInside++;
        else if (!inside(hotspot, x, y)) tintedOutside++;
      }
    expect(tintedInside).toBeGreaterThan(1000);
    expect(tintedOutside).toBe(0);
    // An earlier q75 save pasted off the grid (its blocks start at x ≡ 3, y ≡ 5): found on the crops, said in the
    // photo's pixels.
    const offGrid = await sharp({ create: { width: 4200, height: 4100, channels: 3, background: '#6d7f8a' } })
      .composite([{ input: await sharp(file).jpeg({ quality: 75 }).toBuffer(), left: left + 3, top: top + 5 }])
      .jpeg({ quality: 95 })
      .toBuffer();
    const shifted = await analyzer.analyze(offGrid, { aids: false });
    expect(shifted.report.jpegHistory).toMatchObject({ earlierSaveFound: true, earlierSaveShift: { x: 3, y: 5 } });
  });

  it('does not leak tensors', async () => {
    const { tf } = await initBackend();
    const bytes = await readFile(photoPath(PHOTOS.portrait));
    await analyzer.analyze(bytes);
    const before = tf.memory().numTensors;
    await analyzer.analyze(bytes);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('applies EXIF orientation: a portrait stored sideways is analysed upright', async () => {
    const upright = await sharp(photoPath(PHOTOS.portrait)).raw().toBuffer({ resolveWithObject: true });
    // Orientation 6 = "rotate 90 degrees clockwise to display": store the picture turned 90 degrees anticlockwise.
    const sideways = await sharp(photoPath(PHOTOS.portrait))
      .rotate(270)
      .jpeg({ quality: 92 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const meta = await sharp(sideways).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([upright.info.height, upright.info.width, 6]);
    const a = await analyzer.analyze(sideways);
    expect(a.report.image).toMatchObject({
      width: upright.info.width,
      height: upright.info.height,
      exifOrientation: 6,
      orientationApplied: true,
    });
    expect([a.flow.width, a.flow.height]).toEqual([upright.info.width, upright.info.height]);
    expect(a.report.faces.length).toBe(1);
    expectUntouchedOutsideCrops(a);
  });

  it('a crowd: several faces, each with its own crop and statistics', async () => {
    const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.crowd)));
    const faces = a.report.faces;
    expect(faces.length).toBeGreaterThanOrEqual(4);
    expect(new Set(faces.map((f) => `${f.box.x},${f.box.y}`)).size).toBe(faces.length);
    expect(faces.map((f) => f.index)).toEqual(faces.map((_, i) => i));
    expect(a.report.probability).toBe(Math.max(...faces.map((f) => f.probability)));
    for (const f of faces) {
      expect(f.displacement.max).toBeGreaterThanOrEqual(f.displacement.p95);
      expect(f.displacement.p95).toBeGreaterThanOrEqual(0);
    }
    expect(a.crops).toHaveLength(faces.length);
    expectUntouchedOutsideCrops(a);
  });

  it('no face: says so, still scores the image, and leaves the photo alone', async () => {
    const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.noFace)));
    const r = a.report;
    expect(r.noFace).toBe(true);
    expect(r.faces).toEqual([]);
    expect(r.imageScore?.probability).toBeGreaterThanOrEqual(0);
    expect(r.probability).toBe(r.imageScore!.probability);
    expect(r.verdict).toMatch(/^No face found/);
    expect(r.warnings.join(' ')).toMatch(/no face was found/);
    expect(flowMagnitude(a.flow).every((m) => m === 0)).toBe(true);
    expect(Buffer.compare(Buffer.from(a.recovered.data), Buffer.from(a.image.data))).toBe(0);
    // The whole-image score is not a face's: nothing is painted as evidence.
    expect(a.evidence.data.every((p) => Number.isNaN(p))).toBe(true);
  });

  it('--no-crop scores the whole image as one face and predicts W everywhere', async () => {
    const a = await analyzer.analyze(await readFile(photoPath(PHOTOS.portrait)), { noCrop: true });
    expect(a.report.faces).toEqual([]);
    expect(a.report.imageScore?.method).toMatch(/one face crop/);
    expect(a.report.imageScore?.displacement?.max).toBeGreaterThan(0);
    expect(a.report.verdict).not.toMatch(/No face/);
    expect(a.crops).toEqual([{ x: 0, y: 0, width: a.image.width, height: a.image.height }]);
  });

  it('a 12-megapixel photo never becomes a 12-megapixel tensor', async () => {
    // The portrait in the middle of a 4000 x 3000 canvas.
    const face = await sharp(photoPath(PHOTOS.portrait)).resize({ height: 1400 }).toBuffer();
    const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#7a8a70' } })
      .composite([{ input: face, left: 1500, top: 800 }])
      .jpeg({ quality: 90 })
      .toBuffer();
    const tf = getTf();
    let largest = 0;
    const info = await tf.profile(async () => {
      const a = await analyzer.analyze(big);
      expect(a.report.faces.length).toBe(1);
      expect([a.flow.width, a.flow.height]).toEqual([4000, 3000]);
    });
    for (const k of info.kernels)
      for (const shape of k.outputShapes)
        largest = Math.max(
          largest,
          (shape ?? []).reduce((p, d) => p * d, 1),
        );
    // Detection runs on a 1600 x 1200 copy (5.8 M values); a full-size RGB tensor would hold 36 M.
    expect(largest).toBeLessThanOrEqual(1600 * 1200 * 3);
  });
});

const manifest: Record<string, Expectation> = JSON.parse(
  await readFile(path.join(BAD_IMAGES_DIR, 'manifest.json'), 'utf8'),
);

/** The fixture model with its manifest edited, in a temporary folder that is removed afterwards. */
async function withFixtureVariant(
  edit: (manifest: ModelManifest) => void,
  use: (dir: string, manifest: ModelManifest) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'unwarp-variant-'));
  try {
    const manifest = JSON.parse(await readFile(path.join(FIXTURE_MODEL_DIR, 'model.json'), 'utf8')) as ModelManifest;
    edit(manifest);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(manifest));
    await copyFile(path.join(FIXTURE_MODEL_DIR, 'weights.bin'), path.join(dir, 'weights.bin'));
    await use(dir, manifest);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasData())('an experimental model (manifest training.experimental)', () => {
  it('warns in every report and gives no warped/not-warped verdict, whatever the score; a detection-only one gives W = 0', async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.training = { ...manifest.training, experimental: 'fails its validation targets' };
        // And trained for detection only: no flow terms, so no field.
        manifest.recipe.loss.epe = 0;
      },
      async (dir) => {
        const experimental = await createAnalyzer({ modelDir: dir });
        try {
          expect(experimental.experimental).toBe('fails its validation targets');
          // Threshold 0 puts every score over the line: an unvalidated model must still not say "warped".
          const a = await experimental.analyze(await readFile(photoPath(PHOTOS.portrait)), {
            threshold: 0,
            aids: false,
          });
          expect(a.report.verdict).toBe(UNVALIDATED_VERDICT);
          expect(a.report.faces[0]!.verdict).toBe(UNVALIDATED_VERDICT);
          expect(a.report.warnings.join(' ')).toMatch(/experimental: fails its validation targets/);
          expect(a.report.probability).toBeGreaterThan(0);
          expect(a.report.warnings.join(' ')).toMatch(/not trained to predict the warp field/);
          expect(a.report.model.predictsFlow).toBe(false);
          expect(a.flow.data.every((v) => v === 0)).toBe(true);
        } finally {
          experimental.dispose();
        }
      },
    );
  });

  it("inference.scale native: the network sees the face crop at the photo's own pixels, and the report says so", async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.inference = { scale: 'native' };
      },
      async (dir, manifest) => {
        const native = await createAnalyzer({ modelDir: dir });
        try {
          const photo = await readFile(photoPath(PHOTOS.portrait));
          const [a, b] = [await analyzer.analyze(photo, { aids: false }), await native.analyze(photo, { aids: false })];
          const [fa, fb] = [a.report.faces[0]!, b.report.faces[0]!];
          expect(fb.cropBox).toEqual(fa.cropBox);
          const short = Math.min(fa.cropBox.width, fa.cropBox.height);
          expect(short).toBeGreaterThan(manifest.recipe.data.patch);
          expect(fa.networkScale).toBeCloseTo(manifest.recipe.data.cropShortSide / short, 2);
          expect(fb.networkScale).toBe(1);
          expect(fb.probability).not.toBe(fa.probability);
          expect(b.flow.width).toBe(a.flow.width);
        } finally {
          native.dispose();
        }
      },
    );
  });

  it('a field switched off in the manifest: W = 0, the report says why and that the model gives no field', async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.inference = { useFlow: false, reason: 'measured worse than none' };
      },
      async (dir) => {
        const [off, plain] = await Promise.all([
          createAnalyzer({ modelDir: dir }),
          createAnalyzer({ modelDir: FIXTURE_MODEL_DIR }),
        ]);
        try {
          const bytes = await readFile(photoPath(PHOTOS.portrait));
          const [a, b] = [await off.analyze(bytes, { aids: false }), await plain.analyze(bytes, { aids: false })];
          expect(a.report.model.predictsFlow).toBe(false);
          expect(b.report.model.predictsFlow).toBe(true);
          expect(a.report.warnings.join(' ')).toMatch(/warp field is switched off \(measured worse than none\)/);
          expect(a.flow.data.every((v) => v === 0)).toBe(true);
          expect(b.flow.data.some((v) => v !== 0)).toBe(true);
          expect(a.report.probability).toBe(b.report.probability);
        } finally {
          off.dispose();
          plain.dispose();
        }
      },
    );
  });
});

describe.skipIf(!hasData())('a refined field (inference.refine)', () => {
  it('adds the residual read on the unwarped face, and the report says how many passes', async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.inference = { ...manifest.inference, refine: { passes: 1, support: 0 } };
      },
      async (dir) => {
        const [refined, plain] = await Promise.all([
          createAnalyzer({ modelDir: dir }),
          createAnalyzer({ modelDir: FIXTURE_MODEL_DIR }),
        ]);
        try {
          const bytes = await readFile(photoPath(PHOTOS.portrait));
          const [a, b] = [await refined.analyze(bytes, { aids: false }), await plain.analyze(bytes, { aids: false })];
          expect(a.report.model.refinePasses).toBe(1);
          expect(b.report.model.refinePasses).toBeUndefined();
          expect(a.report.faces[0]!.probability).toBe(b.report.faces[0]!.probability);
          expect(a.report.faces[0]!.displacement.mean).not.toBeCloseTo(b.report.faces[0]!.displacement.mean, 3);
        } finally {
          refined.dispose();
          plain.dispose();
        }
      },
    );
  });
});

/** A calibration at logit 0, slope 1, with this field part. */
function withField(field: FieldCalibration): Calibration {
  return {
    ...{ logitThreshold: 0, slope: 1, targetFpr: 0.05, fpr: 0.05, tpr: 0.5, faces: 40, edited: 20 },
    ...{ pools: ['val/afw'], source: 'test', seed: 1, createdAt: '2026-11-25T00:00:00.000Z' },
    field,
  };
}

describe.skipIf(!hasData())('a calibrated field (calibration.field)', () => {
  it("scales W by the gain times the face's probability, and the report names the gain", async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.calibration = withField({ gain: 0.5, psnrGain: 0.4, candidates: [], conditions: [] });
      },
      async (dir) => {
        const [scaled, plain] = await Promise.all([
          createAnalyzer({ modelDir: dir }),
          createAnalyzer({ modelDir: FIXTURE_MODEL_DIR }),
        ]);
        try {
          const bytes = await readFile(photoPath(PHOTOS.portrait));
          const [a, b] = [await scaled.analyze(bytes, { aids: false }), await plain.analyze(bytes, { aids: false })];
          expect(a.report.model.calibration?.fieldGains).toEqual([{ minFaceWidth: 0, gain: 0.5 }]);
          expect(b.report.model.calibration).toBeUndefined();
          const k = 0.5 * a.report.faces[0]!.probability;
          const [ma, mb] = [a.report.faces[0]!.displacement.mean, b.report.faces[0]!.displacement.mean];
          expect(mb).toBeGreaterThan(0);
          expect(ma / mb).toBeCloseTo(k, 2);
          expect(a.report.warnings.join(' ')).not.toMatch(/no warp field is shown/);
        } finally {
          scaled.dispose();
          plain.dispose();
        }
      },
    );
  });
});

describe.skipIf(!hasData())('a model that shows its field only on flagged faces (inference.fieldOnlyFlagged)', () => {
  it("shows W for a face at or above the user's threshold and none under it, saying which in the face's report", async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.inference = { ...manifest.inference, fieldOnlyFlagged: true };
      },
      async (dir) => {
        const gated = await createAnalyzer({ modelDir: dir });
        try {
          const bytes = await readFile(photoPath(PHOTOS.portrait));
          const first = await gated.analyze(bytes, { aids: false });
          const p = first.report.faces[0]!.probability;
          const under = await gated.analyze(bytes, { aids: false, threshold: Math.min(1, p + 0.01) });
          const over = await gated.analyze(bytes, { aids: false, threshold: Math.max(0, p - 0.01) });
          expect(under.report.faces[0]).toMatchObject({ probability: p, fieldShown: false });
          expect(under.flow.data.every((v) => v === 0)).toBe(true);
          expect(Buffer.from(under.recovered.data).equals(Buffer.from(under.image.data))).toBe(true);
          expect(over.report.faces[0]).toMatchObject({ probability: p, fieldShown: true });
          expect(over.report.faces[0]!.displacement.mean).toBeGreaterThan(0);
          expect(() => ReportSchema.parse(under.report)).not.toThrow();
        } finally {
          gated.dispose();
        }
      },
    );
  });
});

describe.skipIf(!hasData())('a field calibrated per face width', () => {
  it('shows no field on a face narrower than every band that kept a gain, and says so', async () => {
    await withFixtureVariant(
      (manifest) => {
        manifest.calibration = withField({
          ...{ gain: 0, psnrGain: 0, candidates: [], conditions: [] },
          bySize: [
            { minFaceWidth: 0, faces: 20, gain: 0, psnrGain: 0 },
            { minFaceWidth: 5000, faces: 20, gain: 1, psnrGain: 1 },
          ],
        });
      },
      async (dir) => {
        const banded = await createAnalyzer({ modelDir: dir });
        try {
          const a = await banded.analyze(await readFile(photoPath(PHOTOS.portrait)), { aids: false });
          expect(a.report.model.predictsFlow).toBe(true);
          expect(a.flow.data.every((v) => v === 0)).toBe(true);
          expect(a.report.warnings.join(' ')).toMatch(
            /no warp field is shown for face 0 \(\d+ px wide\).*5000 px wide or more/,
          );
        } finally {
          banded.dispose();
        }
      },
    );
  });
});

describe.skipIf(!hasData())('a field calibrated per last save', () => {
  it('shows the field on a lossless copy of a photo and none on the JPEG, saying why for the JPEG', async () => {
    const band = (gain: number) => [{ minFaceWidth: 0, faces: 20, gain, psnrGain: gain }];
    await withFixtureVariant(
      (manifest) => {
        manifest.calibration = withField({
          ...{ gain: 0.5, psnrGain: 0, candidates: [], conditions: [] },
          bySize: band(0.5),
          byLastSave: { jpeg: band(0), lossless: band(1) },
        });
      },
      async (dir) => {
        const bySave = await createAnalyzer({ modelDir: dir });
        try {
          const jpegBytes = await readFile(photoPath(PHOTOS.portrait));
          const pngBytes = await sharp(jpegBytes).png().toBuffer();
          const [jpeg, png] = [
            await bySave.analyze(jpegBytes, { aids: false }),
            await bySave.analyze(pngBytes, { aids: false }),
          ];
          expect(jpeg.flow.data.every((v) => v === 0)).toBe(true);
          expect(png.flow.data.some((v) => v !== 0)).toBe(true);
          expect(jpeg.report.warnings.join(' ')).toMatch(
            /no warp field is shown for face 0 .*does not help on photos last saved as JPEG at any face size/,
          );
          expect(png.report.warnings.join(' ')).not.toMatch(/no warp field is shown/);
          expect(jpeg.report.model.calibration?.fieldGains).toEqual([{ minFaceWidth: 0, gain: 0 }]);
          expect(png.report.model.calibration?.fieldGains).toEqual([{ minFaceWidth: 0, gain: 1 }]);
        } finally {
          bySave.dispose();
        }
      },
    );
  });
});

describe('hostile and odd inputs (test/fixtures/bad-images)', () => {
  it.each(Object.entries(manifest))('%s', async (name, e) => {
    const bytes = await readFile(path.join(BAD_IMAGES_DIR, name));
    if (e.expect !== 'ok') {
      const err = await analyzer.analyze(bytes).then(
        () => undefined,
        (x: unknown) => x as Error & { code?: string; retry?: boolean },
      );
      expect(err, `${name} should fail`).toBeDefined();
      expect(err!.name).toBe('ImageDecodeError');
      expect(err!.code).toBe(e.expect);
      expect(err!.retry).toBe(false);
      expect(err!.message.length).toBeGreaterThan(10);
      return;
    }
    const a = await analyzer.analyze(bytes);
    expect(() => ReportSchema.parse(a.report)).not.toThrow();
    // Aids that cannot read a file never fail the analysis: they are absent and a warning says why.
    if (a.report.aids) expect(a.aidImages).toBeDefined();
    else expect(a.report.warnings.join('\n')).toMatch(/forensic aids .* could not run/);
    if (e.warning) expect(a.report.warnings.join('\n').toLowerCase()).toContain(e.warning.toLowerCase());
    if (e.upright) expect([a.report.image.width, a.report.image.height]).toEqual(e.upright);
    expect([a.flow.width, a.flow.height]).toEqual([a.image.width, a.image.height]);
  });

  it('a 100-megapixel photo is refused from its header, before decoding', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'unwarp-huge-'));
    try {
      const file = path.join(dir, 'huge.jpg');
      await makeHugeJpeg(file);
      const t0 = performance.now();
      const err = await analyzer.analyze(await readFile(file)).catch((x: Error & { code?: string }) => x);
      expect((err as { code?: string }).code).toBe('too-large');
      expect((err as Error).message).toMatch(/10000 x 10000 px \(100 megapixels\), over the limit of 64 megapixels/);
      expect(DEFAULT_MAX_PIXELS).toBeLessThan(100e6);
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
