/**
 * End to end on a real photo edited with @unwarp/liquify: analyse, render the artifacts, read them back.
 * With the fixture model (random weights) only the geometry of the outputs is checked; the accuracy claims (the
 * edited face scores higher, recovered.png is closer to the original) need the trained model in models/unwarp-base.
 */
import { decodeFlo, flowMagnitude } from '@unwarp/flow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editedPhoto,
  encodePng,
  FIXTURE_MODEL_DIR,
  hasData,
  hasTrainedModel,
  PHOTOS,
  psnrIn,
  readRgb,
  TRAINED_MODEL_DIR,
} from './_internal/testing.ts';
import { type Analyzer, createAnalyzer } from './analyze.ts';
import { renderArtifacts } from './artifacts.ts';
import { ReportSchema } from './report.ts';

describe.skipIf(!hasData())('an edited photo, end to end (fixture model)', () => {
  let analyzer: Analyzer;
  beforeAll(async () => {
    analyzer = await createAnalyzer({ modelDir: FIXTURE_MODEL_DIR });
  });
  afterAll(() => analyzer?.dispose());

  it('flow.flo has the input size and is zero away from the face; recovered.png is the input there', async () => {
    const { modified } = await editedPhoto(PHOTOS.portrait);
    const input = await encodePng(modified);
    const a = await analyzer.analyze(input);
    const files = await renderArtifacts(a);
    const report = ReportSchema.parse(JSON.parse(new TextDecoder().decode(files['report.json'])));
    expect(report.faces.length).toBe(1);

    const W = decodeFlo(files['flow.flo']);
    expect([W.width, W.height]).toEqual([modified.width, modified.height]);
    const recovered = await readRgb(Buffer.from(files['recovered.png']));
    expect([recovered.width, recovered.height]).toEqual([modified.width, modified.height]);

    const crop = report.faces[0]!.cropBox;
    const mag = flowMagnitude(W);
    let away = 0;
    let moved = 0;
    let changed = 0;
    for (let y = 0; y < W.height; y++)
      for (let x = 0; x < W.width; x++) {
        if (x >= crop.x && x < crop.x + crop.width && y >= crop.y && y < crop.y + crop.height) continue;
        away++;
        const i = y * W.width + x;
        if (mag[i] !== 0) moved++;
        for (let c = 0; c < 3; c++) if (recovered.data[3 * i + c] !== modified.data[3 * i + c]) changed++;
      }
    // The Helen portrait's face crop does not cover the whole photo.
    expect(away).toBeGreaterThan(100_000);
    expect({ moved, changed }).toEqual({ moved: 0, changed: 0 });
    for (const name of ['heatmap.png', 'flow.png', 'compare.png'] as const)
      expect(files[name].byteLength).toBeGreaterThan(1000);
    // The aids' maps: PNGs at the size the report gives.
    for (const name of ['ela.png', 'noise.png'] as const) {
      const map = await readRgb(Buffer.from(files[name]!));
      expect([map.width, map.height], name).toEqual([report.aids!.analysis.mapWidth, report.aids!.analysis.mapHeight]);
    }
  });
});

const SKIP_TRAINED = `needs a validated model: ${TRAINED_MODEL_DIR}/model.json is missing or marked experimental (train with \`npx unwarp train\`, or set UNWARP_E2E_MODEL_DIR)`;

describe.skipIf(!hasData() || !hasTrainedModel())(
  `accuracy on liquify edits (trained model) ${hasTrainedModel() ? '' : `- SKIPPED, ${SKIP_TRAINED}`}`,
  () => {
    let analyzer: Analyzer;
    beforeAll(async () => {
      analyzer = await createAnalyzer({ modelDir: TRAINED_MODEL_DIR });
    });
    afterAll(() => analyzer?.dispose());

    for (const rel of ['val/helen/299527853_1.jpg', 'val/helen/3039319098_1.jpg']) {
      it(`${rel}: the edited face scores higher and recovered.png is closer to the original than the input`, async () => {
        const { original, modified } = await editedPhoto(rel);
        const before = await analyzer.analyze(await encodePng(original));
        const after = await analyzer.analyze(await encodePng(modified));
        expect(after.report.faces.length).toBe(1);
        expect(after.report.probability).toBeGreaterThan(before.report.probability);

        const f = after.report.faces[0]!.box;
        const box = {
          x: f.x,
          y: f.y,
          width: Math.min(f.width, original.width - f.x),
          height: Math.min(f.height, original.height - f.y),
        };
        const psnrInput = psnrIn(original, modified, box);
        const psnrRecovered = psnrIn(original, after.recovered, box);
        expect(psnrRecovered).toBeGreaterThan(psnrInput);

        // Near zero away from the face: nothing outside the crop, and small in the crop's outer band.
        const mag = flowMagnitude(after.flow);
        const crop = after.report.faces[0]!.cropBox;
        for (let y = 0; y < after.flow.height; y += 4)
          for (let x = 0; x < after.flow.width; x += 4)
            if (!(x >= crop.x && x < crop.x + crop.width && y >= crop.y && y < crop.y + crop.height))
              expect(mag[y * after.flow.width + x]).toBe(0);
      });
    }
  },
);
