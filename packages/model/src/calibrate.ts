import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Calibration, fitCalibration } from './calibration.ts';
import { simulatedSamples } from './evaluate.ts';
import { loadDetector } from './infer.ts';
import type { ModelManifest } from './weights-io.ts';

export type CalibrateOptions = {
  modelDir: string;
  /** Held-out photo pools with .pts landmarks, other than the ones `unwarp eval` reports on. */
  photoDirs: string[];
  count: number;
  seed: number;
  targetFpr: number;
  onProgress?: (done: number, total: number) => void;
};

/**
 * Scores simulator-edited and untouched whole faces from `photoDirs` and writes the fitted calibration into the
 * model's `model.json` (atomically). Returns it.
 */
export async function calibrateModel(opts: CalibrateOptions): Promise<Calibration> {
  const model = await loadDetector(opts.modelDir);
  const logits: number[] = [];
  const labels: number[] = [];
  try {
    const { total, samples, source } = await simulatedSamples(
      { photoDirs: opts.photoDirs, count: opts.count, seed: opts.seed },
      model.manifest.recipe.data.cropShortSide,
    );
    for await (const s of samples) {
      logits.push((await model.predict(s.modified, { region: s.faceBox })).logit);
      labels.push(s.label);
      opts.onProgress?.(logits.length, total);
    }
    const fit = fitCalibration(logits, labels, opts.targetFpr);
    const calibration: Calibration = {
      ...fit,
      targetFpr: opts.targetFpr,
      faces: labels.length,
      edited: labels.filter((l) => l === 1).length,
      pools: opts.photoDirs.map((d) => `${path.basename(path.dirname(path.resolve(d)))}/${path.basename(d)}`),
      source,
      seed: opts.seed,
      createdAt: new Date().toISOString(),
    };
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
