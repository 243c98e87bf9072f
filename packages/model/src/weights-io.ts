import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Calibration } from './calibration.ts';
import type { WindowAggregate } from './infer.ts';
import type { Weight } from './network.ts';
import type { Recipe } from './recipe.ts';
import type { ViewName } from './views.ts';

/** `model.json` beside `weights.bin`: our own small format (tfjs's layers format cannot express the functional net). */
export type ModelManifest = {
  format: 'unwarp-model';
  formatVersion: 1;
  name: string;
  version: string;
  recipe: Recipe;
  createdAt: string;
  training?: Record<string, unknown>;
  /** Written by `unwarp calibrate`: maps the face logit to the probability the product shows. */
  calibration?: Calibration;
  /** How the shipped model's outputs are used, when measurements said to differ from the defaults. */
  inference?: {
    /** False: W is always zero (e.g. its field measured worse than none); `reason` says why. */
    useFlow?: boolean;
    /** W counts only where the "moved" probability reaches this (default 0: W × P(moved) everywhere). */
    movedGate?: number;
    /**
     * Test-time views: the network also sees the crop mirrored, flipped or transposed, and each view's outputs,
     * mapped back (W's components turned with them), are averaged: estimates of one edit whose errors are partly
     * independent. Each view costs one more forward pass. `score: false` averages W and P(moved) only, leaving the
     * window logits (and so the calibration) as the plain view's. Default: the plain view alone.
     */
    views?: {
      views: ViewName[];
      score: boolean;
      /**
       * `vertical`: from each view keep only what the network's dy channel read, so each of the crop's axes is the
       * mean of the views that saw it vertically (the rotations by 90° and 270° for x). Default `both`.
       */
      channels?: 'both' | 'vertical';
    };
    /**
     * True: W is shown only for faces whose probability reaches the caller's flag threshold (`PredictOptions.threshold`,
     * default 0.5), zero elsewhere. An unflagged face's field is the network reading traces it does not believe are an
     * edit (on photos resized before the edit, the resize itself: foreign-edits.ts), and its extra views are not run.
     */
    fieldOnlyFlagged?: boolean;
    /**
     * Residual passes over a shown field: the face is unwarped by the field so far, read again (same views, same
     * calibration), and what is still displaced is composed onto the field, `W = W₁ + R∘(id + W₁)`. The network
     * underestimates long pushes, and on the partly undone face the rest reads as a smaller push. `support` (px) keeps
     * the residual only where the first reading saw motion, scaled by min(1, |W₁| / support): elsewhere a second
     * reading of the resampled face adds phantom motion (`packages/model/scripts/refine-study.ts`). Each pass costs
     * another read of the face. Default: none.
     */
    refine?: { passes: number; support: number };
    /** How window logits make the face's score (default `{ rule: 'max' }`). */
    aggregate?: WindowAggregate;
    /**
     * The size at which the network sees a face crop (see `networkScale`): `model` (default) resizes its short side
     * to the training crop size; `native` keeps the photo's own pixels, where an edit's resampling trace survives,
     * resizing only crops whose short side is below the training patch or above `maxShortSide` (default 1024).
     * A recipe with `cropShortSide: 0` (trained on the photos' own pixels) is always `native`.
     */
    scale?: 'model' | 'native';
    maxShortSide?: number;
    /**
     * Logit units added to the face's score per unit of the JPEG-history term (the model-free evidence of
     * `@unwarp/aids`, computed by the caller; `historyTerm` says which) before calibration; default 0. Chosen with
     * `packages/model/scripts/fusion-study.ts`, then `unwarp calibrate` fits the threshold on the sum.
     */
    compressionBreakWeight?: number;
    /**
     * Which JPEG-history statistic that weight multiplies: `break` (default), `compressionBreak` in nats (≥ 0: a break
     * only raises the score); `evidence`, `historyEvidence` (signed: a face whose blocks keep the photo's earlier save
     * throughout is scored down, one without any history to read is left alone).
     */
    historyTerm?: 'break' | 'evidence';
    /**
     * The break counts only for files saved last at this IJG-equivalent quality or above (the caller estimates it from
     * the file's tables). Below it an earlier save's finer lattice reads as broken on untouched faces too: a q85
     * export of the q92 pool photos breaks 79% of untouched faces by 4 nats or more
     * (`packages/model/scripts/jpeg-chain-study.ts`), and `unwarp eval --jpeg 85` flagged 72% of untouched faces
     * without this. Unset: every quality.
     */
    compressionBreakMinQuality?: number;
    reason?: string;
  };
  weights: { name: string; shape: number[]; trainable: boolean; offset: number; length: number }[];
};

export class ModelFormatError extends Error {
  override name = 'ModelFormatError';
}

export async function saveWeights(
  dir: string,
  info: Pick<ModelManifest, 'name' | 'version' | 'recipe' | 'inference'> & { training?: Record<string, unknown> },
  weights: readonly Weight[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  let offset = 0;
  const entries = weights.map((w) => {
    const e = { name: w.name, shape: w.shape, trainable: w.trainable, offset, length: w.data.length };
    offset += w.data.length;
    return e;
  });
  const all = new Float32Array(offset);
  for (let i = 0; i < weights.length; i++) all.set(weights[i]!.data, entries[i]!.offset);
  const manifest: ModelManifest = {
    format: 'unwarp-model',
    formatVersion: 1,
    ...info,
    createdAt: new Date().toISOString(),
    weights: entries,
  };
  // Write both files beside their final names, then rename: a kill mid-save never leaves a torn checkpoint.
  await writeFile(path.join(dir, 'weights.bin.tmp'), new Uint8Array(all.buffer));
  await writeFile(path.join(dir, 'model.json.tmp'), `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(path.join(dir, 'weights.bin.tmp'), path.join(dir, 'weights.bin'));
  await rename(path.join(dir, 'model.json.tmp'), path.join(dir, 'model.json'));
}

export async function loadWeights(dir: string): Promise<{ manifest: ModelManifest; weights: Weight[] }> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as ModelManifest;
  } catch (err) {
    throw new ModelFormatError(`cannot read ${path.join(dir, 'model.json')}: ${(err as Error).message}`);
  }
  if (manifest.format !== 'unwarp-model') throw new ModelFormatError(`${dir}/model.json is not an Unwarp model`);
  const bytes = await readFile(path.join(dir, 'weights.bin'));
  const total = manifest.weights.reduce((s, w) => s + w.length, 0);
  if (bytes.byteLength !== total * 4)
    throw new ModelFormatError(`${dir}/weights.bin has ${bytes.byteLength} bytes, manifest needs ${total * 4}`);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const weights = manifest.weights.map((w) => ({
    name: w.name,
    shape: w.shape,
    trainable: w.trainable,
    data: all.slice(w.offset, w.offset + w.length),
  }));
  return { manifest, weights };
}
