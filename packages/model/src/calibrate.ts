import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { psnr, unwarp } from '@unwarp/flow';
import {
  type Calibration,
  calibratedProbability,
  type FieldCalibration,
  FLAG_THRESHOLD,
  fitCalibration,
  fitFieldGain,
} from './calibration.ts';
import { faceBoxMask, simulatedSamples } from './evaluate.ts';
import { loadDetector, type WarpDetector } from './infer.ts';
import type { ModelManifest } from './weights-io.ts';

export type CalibrateOptions = {
  modelDir: string;
  /**
   * Photo pools with .pts landmarks, other than the ones `unwarp eval` reports on. Each is scored on its own: scores
   * of untouched faces shift with the photos' source and size, and the threshold must hold for every pool.
   */
  photoDirs: string[];
  /**
   * Faces per pool and condition: re-saved after the edit (the simulator's post-processing), saved once as JPEG q90
   * on the photo's grid, and exported losslessly.
   */
  count: number;
  seed: number;
  targetFpr: number;
  onProgress?: (done: number, total: number) => void;
  /** Fit the score alone, leaving a field model's field unscaled (its `field` part dropped). */
  scoreOnly?: boolean;
  /** Called as the field's gain is fitted (models that predict a field): edited faces re-scored, of how many. */
  onFieldProgress?: (done: number, total: number) => void;
};

/** Gains of the field tried by the field calibration; 0 (no field: nothing undone, PSNR gain 0) wins if none helps. */
export const FIELD_GAINS = [0, 0.15, 0.25, 0.35, 0.5, 0.7, 1, 1.4, 2];

/**
 * Scores simulator-edited and untouched whole faces from each of `photoDirs` under each of CALIBRATION_CONDITIONS (the
 * simulator's post-processing after the edit, one JPEG q90 export, none, a colour edit then a q90 export), and writes the fitted calibration into
 * the model's `model.json` (atomically). The threshold holds the false-positive target for every pool under both
 * conditions: a detector that reads resampling traces scores clean untouched faces higher than re-saved ones, and
 * big, sharp portraits higher than small faces in crowds. Returns it.
 */
export async function calibrateModel(opts: CalibrateOptions): Promise<Calibration> {
  const model = await loadDetector(opts.modelDir);
  const logits: number[] = [];
  const labels: number[] = [];
  const conditions: string[] = [];
  const sources = new Set<string>();
  const total = CALIBRATION_CONDITIONS.length * opts.count * opts.photoDirs.length;
  try {
    for (const dir of opts.photoDirs)
      for (const [name, condition] of CALIBRATION_CONDITIONS) {
        const { samples, source } = await simulatedSamples(
          { photoDirs: [dir], count: opts.count, seed: opts.seed, ...condition },
          model.manifest,
        );
        sources.add(source);
        for await (const s of samples) {
          const pred = await model.predict(s.modified, {
            region: s.faceBox,
            compressionBreak: s.compressionBreak,
            historyEvidence: s.historyEvidence,
            jpegQuality: s.jpegQuality,
            scoreOnly: true,
          });
          logits.push(pred.logit);
          labels.push(s.label);
          conditions.push(`${poolName(dir)} ${name}`);
          opts.onProgress?.(logits.length, total);
        }
      }
    const fit = fitCalibration(logits, labels, opts.targetFpr, conditions);
    let calibration: Calibration = {
      ...fit,
      targetFpr: opts.targetFpr,
      faces: labels.length,
      edited: labels.filter((l) => l === 1).length,
      pools: opts.photoDirs.map(poolName),
      source: [...sources].join(' + '),
      seed: opts.seed,
      createdAt: new Date().toISOString(),
    };
    if (model.fieldAvailable && !opts.scoreOnly) {
      const edited = labels.filter((l) => l === 1).length;
      calibration = { ...calibration, field: await fitField(model, opts, calibration, edited) };
    }
    const file = path.join(opts.modelDir, 'model.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as ModelManifest;
    manifest.calibration = calibration;
    await writeFile(`${file}.tmp`, `${JSON.stringify(manifest, null, 1)}\n`);
    await rename(`${file}.tmp`, file);
    return calibration;
  } finally {
    model.dispose();
  }
}

/**
 * The same edited faces again, each unwarped with its field at every gain of FIELD_GAINS times its probability under
 * the new calibration, against its true original: the gain with the best mean PSNR gain over the face boxes, over
 * all faces, per band of face width, and per band within files last saved as JPEG and within lossless ones.
 */
async function fitField(
  model: WarpDetector,
  opts: CalibrateOptions,
  calibration: Calibration,
  edited: number,
): Promise<FieldCalibration> {
  const onlyFlagged = model.manifest.inference?.fieldOnlyFlagged ?? false;
  const rows: number[][] = [];
  const names: string[] = [];
  const widths: number[] = [];
  const lastSaveJpeg: boolean[] = [];
  for (const dir of opts.photoDirs)
    for (const [name, condition] of CALIBRATION_CONDITIONS) {
      const { samples } = await simulatedSamples(
        { photoDirs: [dir], count: opts.count, seed: opts.seed, ...condition },
        model.manifest,
      );
      for await (const s of samples) {
        if (s.label !== 1) continue;
        // Scored as `predict` scores it in use (its JPEG history counted), so p is the probability the field meets.
        const pred = await model.predict(s.modified, {
          region: s.faceBox,
          compressionBreak: s.compressionBreak,
          historyEvidence: s.historyEvidence,
          jpegQuality: s.jpegQuality,
          rawField: true,
        });
        const p = calibratedProbability(pred.logit, calibration);
        const mask = faceBoxMask(s.flow.width, s.flow.height, s.faceBox);
        const before = psnr(s.modified, s.original, { mask });
        rows.push(
          FIELD_GAINS.map((g) => {
            // Fitted as the product shows it: a model that shows its field only on flagged faces undoes nothing here.
            if (g === 0 || (onlyFlagged && p < FLAG_THRESHOLD)) return 0;
            const field = { ...pred.flow, data: pred.flow.data.map((v) => v * g * p) };
            return psnr(unwarp(s.modified, field, { interpolation: 'bicubic' }).image, s.original, { mask }) - before;
          }),
        );
        names.push(`${poolName(dir)} ${name}`);
        widths.push(s.faceBox.x1 - s.faceBox.x0);
        lastSaveJpeg.push(s.jpegQuality !== undefined);
        opts.onFieldProgress?.(rows.length, edited);
      }
    }
  return fitFieldGain(FIELD_GAINS, rows, names, widths, lastSaveJpeg);
}

/**
 * What happens to a photo after the edit. The JPEG-q90 exports are where the JPEG-history term (when the manifest
 * weighs it) moves untouched faces' scores most; a colour edit before the export leaves that history faint, where
 * untouched faces may read as broken.
 */
export const CALIBRATION_CONDITIONS = [
  ['re-saved', { postprocess: true }],
  ['jpeg q90', { jpegQuality: 90 }],
  ['clean', { postprocess: false }],
  ['jpeg q90 colour', { jpegQuality: 90, colour: true }],
] as const;

/** `val/afw` for …/shared/data/val/afw: how pools are named in reports. */
function poolName(dir: string): string {
  const abs = path.resolve(dir);
  return `${path.basename(path.dirname(abs))}/${path.basename(abs)}`;
}
