import { accuracyAt, averagePrecision, endpointError, psnr, rocAuc, unwarp } from '@unwarp/flow';
import {
  createRng,
  FAMILIES,
  type Family,
  listLandmarkedPhotos,
  loadFacePhoto,
  makePair,
  type PhotoRef,
} from '@unwarp/liquify';
import { loadDetector } from './infer.ts';

export type EvalOptions = {
  modelDir: string;
  photoDirs: string[];
  count: number;
  seed: number;
  families?: Family[];
  threshold?: number;
  onProgress?: (done: number, total: number) => void;
};

export type EvalReport = {
  model: string;
  samples: number;
  positives: number;
  threshold: number;
  accuracy: number;
  ap: number;
  auc: number;
  fprUntouched: number;
  /** Scores from the "moved" map instead of the global head. */
  apMoved: number;
  epeMoved: { model: number; zeroFlow: number; ratio: number };
  epeFaceBox: { model: number; zeroFlow: number; ratio: number };
  psnr: { modified: number; recovered: number; gain: number };
  seconds: number;
};

/**
 * Whole face crops from held-out photos (by default the val pools), edited by the simulator with every family, half
 * untouched; each metric beside what a zero prediction scores.
 */
export async function evaluateModel(opts: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const model = await loadDetector(opts.modelDir);
  const refs: PhotoRef[] = await listLandmarkedPhotos(opts.photoDirs);
  if (refs.length === 0) throw new Error(`no photos with .pts landmarks in ${opts.photoDirs.join(', ')}`);
  const threshold = opts.threshold ?? 0.5;
  const scores: number[] = [];
  const moved: number[] = [];
  const labels: number[] = [];
  let epeSum = 0;
  let zeroSum = 0;
  let epeN = 0;
  let boxSum = 0;
  let boxZero = 0;
  let boxN = 0;
  let psnrMod = 0;
  let psnrRec = 0;
  let psnrN = 0;
  for (let i = 0; i < opts.count; i++) {
    const rng = createRng((opts.seed * 7_368_787 + i) >>> 0);
    const ref = refs[i % refs.length]!;
    const pair = await makePair(await loadFacePhoto(ref), rng, {
      patch: 0,
      cropShortSide: model.manifest.recipe.data.cropShortSide,
      families: opts.families ?? [...FAMILIES],
      positiveRate: 0.5,
      augment: true,
      keepOriginal: true,
    });
    const pred = await model.predict(pair.modified);
    scores.push(pred.probability);
    moved.push(pred.movedMax);
    labels.push(pair.label);
    const e = endpointError(pred.flow, pair.flow, { minGtMagnitude: 1 });
    if (e.count > 0) {
      const z = endpointError({ ...pair.flow, data: new Float32Array(pair.flow.data.length) }, pair.flow, {
        minGtMagnitude: 1,
      });
      epeSum += e.mean * e.count;
      zeroSum += z.mean * z.count;
      epeN += e.count;
    }
    // The face box (landmark extent) at output scale.
    const s = pair.meta.rescale;
    const xs = pair.meta.landmarks.map((p) => p[0] * s);
    const ys = pair.meta.landmarks.map((p) => p[1] * s);
    const x0 = Math.max(0, Math.floor(Math.min(...xs)));
    const y0 = Math.max(0, Math.floor(Math.min(...ys)));
    const x1 = Math.min(pair.flow.width, Math.ceil(Math.max(...xs)));
    const y1 = Math.min(pair.flow.height, Math.ceil(Math.max(...ys)));
    const mask = new Uint8Array(pair.flow.width * pair.flow.height);
    for (let y = y0; y < y1; y++) mask.fill(1, y * pair.flow.width + x0, y * pair.flow.width + x1);
    if (pair.label === 1) {
      const b = endpointError(pred.flow, pair.flow, { mask });
      const bz = endpointError({ ...pair.flow, data: new Float32Array(pair.flow.data.length) }, pair.flow, { mask });
      boxSum += b.mean;
      boxZero += bz.mean;
      boxN++;
      const recovered = unwarp(pair.modified, pred.flow, { interpolation: 'bicubic' }).image;
      psnrMod += psnr(pair.modified, pair.original!, { mask });
      psnrRec += psnr(recovered, pair.original!, { mask });
      psnrN++;
    }
    opts.onProgress?.(i + 1, opts.count);
  }
  model.dispose();
  const negatives = scores.filter((_, i) => labels[i] === 0);
  const round = (v: number) => Math.round(v * 1e4) / 1e4;
  return {
    model: `${model.manifest.name}@${model.manifest.version}`,
    samples: labels.length,
    positives: labels.filter((l) => l === 1).length,
    threshold,
    accuracy: round(accuracyAt(scores, labels, threshold)),
    ap: round(averagePrecision(scores, labels)),
    auc: round(rocAuc(scores, labels)),
    fprUntouched: round(negatives.filter((s) => s >= threshold).length / Math.max(1, negatives.length)),
    apMoved: round(averagePrecision(moved, labels)),
    epeMoved: { model: round(epeSum / epeN), zeroFlow: round(zeroSum / epeN), ratio: round(epeSum / zeroSum) },
    epeFaceBox: { model: round(boxSum / boxN), zeroFlow: round(boxZero / boxN), ratio: round(boxSum / boxZero) },
    psnr: {
      modified: round(psnrMod / psnrN),
      recovered: round(psnrRec / psnrN),
      gain: round((psnrRec - psnrMod) / psnrN),
    },
    seconds: Math.round((performance.now() - t0) / 1000),
  };
}
