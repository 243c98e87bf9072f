import type * as tfjs from '@tensorflow/tfjs';
import { composeWarps, type FlowField, resizeFlow, unwarp } from '@unwarp/flow';
import { type BackendInfo, initBackend } from '@unwarp/tf';
import { calibratedProbability, FLAG_THRESHOLD, fieldGainFor } from './calibration.ts';
import { forward, globalHead } from './network.ts';
import { unviewFlow, unviewHead, unviewImage, type ViewName, viewImage } from './views.ts';
import { loadWeights, type ModelManifest } from './weights-io.ts';

/** Interleaved RGB (3 channels), 0..255. */
export type RgbImage = { width: number; height: number; channels: number; data: Uint8Array };

export type FacePrediction = {
  /**
   * Expected W on the input's grid, in input pixels: predicted W × P(moved), upsampled from 1/4 resolution, and where
   * the model's calibration has a field part, × the gain for the face's width (the region's, else the input's) ×
   * `probability` (see `FieldCalibration`).
   */
  flow: FlowField;
  /**
   * Probability that the face was warped: the global head's training-sized windows over the face, combined by the
   * model's `inference.aggregate` rule (default: the most suspicious window), through the model's calibration when it
   * has one (then 0.5 is its measured operating point).
   */
  probability: number;
  /** The field calibration's gain for this face's width, as applied to `flow` (absent when the field is unscaled). */
  fieldGain?: number;
  /**
   * Whether `flow` is the model's reading: false where it is zero because none is read (`scoreOnly`, a model without a
   * field, a size band with gain 0) or because the face is under the threshold of a model that shows its field only on
   * flagged faces (`inference.fieldOnlyFlagged`).
   */
  fieldShown: boolean;
  /** The face's logit before calibration: the windows' combined logit plus the JPEG-history term, if any. */
  logit: number;
  /** The windows' combined logit alone (the network's own score). */
  networkLogit: number;
  /**
   * Whether the caller's JPEG-history term (`compressionBreak` or `historyEvidence`, as the manifest's
   * `inference.historyTerm` says) entered `logit`: the manifest weighs it, at this file's quality.
   */
  breakCounted: boolean;
  /** Every scored window's logit (those centred in the region), for studies of how to combine them. */
  windows: number[];
  /** The head's whole map of window logits over the input (row-major), for studies that compare regions. */
  grid: WindowGrid;
  /** Highest per-pixel "moved" probability (a second, independent reading of the same question). */
  movedMax: number;
  /** Residual passes composed onto `flow` (`inference.refine`; 0 when the field is not shown or not refined). */
  refinePasses: number;
};

/** Window (r, c) covers cells r…r+cells−1 and c…c+cells−1 of the deepest level (`stride` input pixels per cell). */
export type WindowGrid = { logits: Float32Array; rows: number; cols: number; cells: number; stride: number };

/** A rectangle on the input's grid, in pixels: [x0, x1) × [y0, y1). */
export type Region = { x0: number; y0: number; x1: number; y1: number };

export type PredictOptions = {
  /**
   * Where the face is (e.g. its landmarks' extent): only windows centred inside it score the face. Training showed the
   * head windows centred on facial features, never on hair or background, so windows there are out of its depth.
   */
  region?: Region;
  /**
   * `compressionBreak` of `@unwarp/aids` over the face, when the photo has a JPEG history to read: added to the score
   * with the manifest's `inference.compressionBreakWeight` (default 0) before calibration.
   */
  compressionBreak?: number;
  /**
   * `historyEvidence` of `@unwarp/aids` over the face (same map): the term instead of `compressionBreak` for a
   * manifest whose `inference.historyTerm` is `evidence`.
   */
  historyEvidence?: number;
  /**
   * The file's last JPEG quality (IJG-equivalent, from its tables), for the manifest's compressionBreakMinQuality;
   * absent for a file last saved losslessly. The field's calibrated gain depends on which it is.
   */
  jpegQuality?: number;
  /**
   * W × P(moved) without the field calibration's scaling (also where it kept gain 0): what the calibration fits its
   * gain on.
   */
  rawField?: boolean;
  /** Only the score is wanted: W is not read (returned zero), so no extra views are run for it. */
  scoreOnly?: boolean;
  /**
   * The probability at which the caller flags a face (default 0.5, the calibration's operating point): a model with
   * `inference.fieldOnlyFlagged` shows W only at or above it. `rawField` predictions are never withheld.
   */
  threshold?: number;
  /** False: the field read once, without the manifest's residual passes (`inference.refine`), for studies of them. */
  refine?: boolean;
};

export type WarpDetector = {
  manifest: ModelManifest;
  /**
   * False for a model trained without flow terms (loss.epe = 0), shipped with its field switched off
   * (`inference.useFlow: false`), or whose field calibration kept gain 0: it scores faces, and its W is always zero.
   * `noFlowReason` says which.
   */
  predictsFlow: boolean;
  /** Trained for a field and not switched off: what `rawField` predictions return and calibration fits. */
  fieldAvailable: boolean;
  noFlowReason?: string;
  backend: BackendInfo;
  predict(image: RgbImage, opts?: PredictOptions): Promise<FacePrediction>;
  dispose(): void;
};

/** Largest short side, in pixels, of a crop the network sees at `inference.scale: 'native'` (compute bound). */
export const NATIVE_MAX_SHORT_SIDE = 1024;

/** True when the network sees crops at the photo's own pixels: asked for, or trained that way (cropShortSide 0). */
export function seesNatively(manifest: ModelManifest): boolean {
  return manifest.inference?.scale === 'native' || manifest.recipe.data.cropShortSide === 0;
}

/**
 * The factor a face crop of this size is resized by before the network sees it, by the manifest's `inference.scale`.
 * Every caller (pipeline, eval, calibration) goes through here, so what is measured is what users get.
 */
export function networkScale(manifest: ModelManifest, crop: { width: number; height: number }): number {
  const short = Math.min(crop.width, crop.height);
  if (!(short > 0)) throw new Error(`crop ${crop.width}x${crop.height} is empty`);
  const { cropShortSide, patch } = manifest.recipe.data;
  if (!seesNatively(manifest)) return cropShortSide / short;
  const max = manifest.inference?.maxShortSide ?? NATIVE_MAX_SHORT_SIDE;
  return short < patch ? patch / short : short > max ? max / short : 1;
}

/** Loads `model.json` + `weights.bin` once, on the process's backend. */
export async function loadDetector(dir: string): Promise<WarpDetector> {
  const { tf, info } = await initBackend();
  const { manifest, weights } = await loadWeights(dir);
  const arch = manifest.recipe.arch;
  const params = new Map<string, tfjs.Tensor>(weights.map((w) => [w.name, tf.tensor(w.data, w.shape)]));
  const stride = 2 ** (arch.widths.length - 1);
  const patch = manifest.recipe.data.patch;
  const f = 2 ** arch.flowLevel;
  // An untrained flow head outputs noise; a detection-only model must not pass that off as a warp field.
  const trainedForFlow = manifest.recipe.loss.epe > 0;
  const switchedOn = manifest.inference?.useFlow !== false;
  const fieldAvailable = trainedForFlow && switchedOn;
  const field = manifest.calibration?.field;
  // A calibration that kept no gain above 0 (in any band of face size) leaves no field to show.
  const predictsFlow =
    fieldAvailable &&
    (!field ||
      Math.max(
        field.gain,
        ...[...(field.bySize ?? []), ...(field.byLastSave?.jpeg ?? []), ...(field.byLastSave?.lossless ?? [])].map(
          (b) => b.gain,
        ),
      ) > 0);
  const noFlowReason = !trainedForFlow
    ? 'it was not trained to predict the warp field'
    : !switchedOn
      ? `its warp field is switched off${manifest.inference?.reason ? ` (${manifest.inference.reason})` : ''}`
      : predictsFlow
        ? undefined
        : 'its calibration found that undoing its warp field, at any length, took the calibration faces further from their originals';
  const movedGate = manifest.inference?.movedGate ?? 0;
  const fieldViews: ViewName[] = manifest.inference?.views?.views ?? ['identity'];
  if (fieldViews.length === 0) throw new Error(`${dir}: inference.views.views is empty`);
  const viewsScore = manifest.inference?.views?.score ?? false;
  const onlyFlagged = manifest.inference?.fieldOnlyFlagged ?? false;
  // `vertical`: each view keeps only its dy channel, the one the network reads well (its dx is read poorly).
  const channelMask = tf.tensor4d(manifest.inference?.views?.channels === 'vertical' ? [0, 1] : [1, 1], [1, 1, 1, 2]);
  const aggregate = manifest.inference?.aggregate ?? { rule: 'max' };
  const breakWeight = manifest.inference?.compressionBreakWeight ?? 0;
  const breakMinQuality = manifest.inference?.compressionBreakMinQuality;
  const historyTerm = manifest.inference?.historyTerm ?? 'break';
  if (historyTerm !== 'break' && historyTerm !== 'evidence')
    throw new Error(`${dir}: inference.historyTerm must be 'break' or 'evidence'`);
  const refine = manifest.inference?.refine;
  if (refine && !(Number.isInteger(refine.passes) && refine.passes >= 0 && refine.support >= 0))
    throw new Error(`${dir}: inference.refine needs whole passes ≥ 0 and support ≥ 0`);
  const read = async (image: RgbImage, opts: PredictOptions): Promise<FacePrediction> => {
    const { width, height } = image;
    if (image.channels !== 3 || image.data.length !== width * height * 3) throw new Error('predict needs an RGB image');
    // Pad (edge-replicated) up to a multiple of the deepest stride; the outputs are cropped back.
    const pw = Math.ceil(width / stride) * stride;
    const ph = Math.ceil(height / stride) * stride;
    const cells = patch / stride;
    // The calibrated gain for this face's width; a band that kept 0 shows no field, so there is none to read.
    const fieldGain =
      predictsFlow && field && !opts.rawField
        ? fieldGainFor(field, opts.region ? opts.region.x1 - opts.region.x0 : width, opts.jpegQuality !== undefined)
        : undefined;
    const readField = opts.scoreOnly ? false : opts.rawField ? fieldAvailable : predictsFlow && fieldGain !== 0;
    // Whether the field waits on the score: then the views beyond the plain one run only for a flagged face.
    const gated = onlyFlagged && readField && !opts.rawField;
    const x = tf.tidy(() => {
      const input = tf.tensor3d(image.data, [height, width, 3], 'int32').toFloat().expandDims(0) as tfjs.Tensor4D;
      if (pw === width && ph === height) return input;
      return tf.mirrorPad(
        input,
        [
          [0, 0],
          [0, ph - height],
          [0, pw - width],
          [0, 0],
        ],
        'symmetric',
      );
    });
    // Each view's outputs, mapped back onto the plain image (its own tidy, so one view's activations are freed
    // before the next): the padded sides are multiples of the deepest stride, so every view's cells and windows
    // land exactly on the plain view's.
    const see = (name: ViewName, withHead: boolean) =>
      tf.tidy(() => {
        const out = forward(tf, arch, params, viewImage(tf, x, name), false);
        // The expected displacement under the model's own belief: W where it thinks pixels moved, shrunk to 0
        // where it does not. Unwarping then leaves untouched regions alone instead of resampling them with noise.
        const p = tf.sigmoid(out.moved);
        const gatedP = movedGate > 0 ? tf.mul(p, tf.cast(tf.greaterEqual(p, movedGate), 'float32')) : p;
        return {
          name,
          expected: unviewFlow(tf, tf.mul(tf.mul(out.flow, gatedP), channelMask) as tfjs.Tensor4D, name),
          // Which of the crop's axes the kept channels speak for (a rotation's vertical is the crop's x): the
          // mask turned back like a one-pixel field, broadcast over the map.
          weight: tf.abs(unviewFlow(tf, channelMask, name)),
          pMoved: unviewImage(tf, p, name),
          ...(withHead ? { head: unviewHead(tf, globalHead(tf, params, out.deepest, [cells, cells]), name) } : {}),
        };
      });
    type Seen = ReturnType<typeof see>;
    // The plain view always runs (its head scores the face); the others now only where the score needs them or
    // the field is read regardless of the score.
    const seen: Seen[] = [see('identity', true)];
    const extra = fieldViews.filter((v) => v !== 'identity');
    if (viewsScore || (readField && !gated)) for (const name of extra) seen.push(see(name, viewsScore));
    // A score averaged over views: the field's views (the plain one included only when it is one of them).
    const scored = seen.filter((v) => fieldViews.includes(v.name));
    const head = viewsScore
      ? tf.tidy(() => tf.mul(tf.addN(scored.map((v) => v.head!)), 1 / scored.length))
      : seen[0]!.head!;
    const logits = head.dataSync() as Float32Array;
    const logitsShape = head.shape;
    const grid: WindowGrid = {
      logits,
      rows: logitsShape.length === 3 ? logitsShape[1]! : 1,
      cols: logitsShape.length === 3 ? logitsShape[2]! : 1,
      cells,
      stride,
    };
    const windows = windowIndicesInRegion(grid, opts.region).map((i) => logits[i]!);
    const networkLogit = aggregateWindows(windows, aggregate);
    const history = historyTerm === 'evidence' ? opts.historyEvidence : opts.compressionBreak;
    const breakCounted =
      breakWeight !== 0 &&
      history !== undefined &&
      (breakMinQuality === undefined || (opts.jpegQuality ?? 0) >= breakMinQuality);
    const score = networkLogit + (breakCounted ? breakWeight * history! : 0);
    const probability = calibratedProbability(score, manifest.calibration);
    const fieldShown = readField && (!gated || probability >= (opts.threshold ?? FLAG_THRESHOLD));
    if (gated && fieldShown && !viewsScore) for (const name of extra) seen.push(see(name, false));
    // Each axis of the crop averaged over the field's views that read it; P(moved) over every view run.
    const fieldSeen = seen.filter((v) => fieldViews.includes(v.name));
    const outputs = tf.tidy(() => ({
      expected: fieldShown
        ? tf.div(tf.addN(fieldSeen.map((v) => v.expected)), tf.maximum(tf.addN(fieldSeen.map((v) => v.weight)), 1))
        : undefined,
      pMoved: tf.mul(tf.addN(seen.map((v) => v.pMoved)), 1 / seen.length),
    }));
    const fw = pw / f;
    const fh = ph / f;
    const flow = outputs.expected ? (outputs.expected.dataSync() as Float32Array) : new Float32Array(fw * fh * 2);
    const moved = outputs.pMoved.dataSync() as Float32Array;
    tf.dispose([x, outputs.pMoved, ...(viewsScore ? [head] : []), ...(outputs.expected ? [outputs.expected] : [])]);
    for (const v of seen) tf.dispose([v.expected, v.weight, v.pMoved, ...(v.head ? [v.head] : [])]);
    // The network's vectors are already in input pixels: resizeFlow would rescale them, so undo its factor.
    const up = resizeFlow({ width: fw, height: fh, data: new Float32Array(flow) }, pw, ph);
    const k = 1 / f;
    const cropped: FlowField = { width, height, data: new Float32Array(width * height * 2) };
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const s = (y * pw + x) * 2;
        const d = (y * width + x) * 2;
        cropped.data[d] = up.data[s]! * k;
        cropped.data[d + 1] = up.data[s + 1]! * k;
      }
    let movedMax = 0;
    for (const m of moved) movedMax = Math.max(movedMax, m);
    if (fieldGain !== undefined) {
      const k = fieldGain * probability;
      for (let i = 0; i < cropped.data.length; i++) cropped.data[i] = cropped.data[i]! * k;
    }
    return {
      flow: cropped,
      probability,
      ...(fieldGain !== undefined ? { fieldGain } : {}),
      fieldShown,
      logit: score,
      networkLogit,
      breakCounted,
      windows,
      grid,
      movedMax,
      refinePasses: 0,
    };
  };
  return {
    manifest,
    predictsFlow,
    fieldAvailable,
    ...(noFlowReason ? { noFlowReason } : {}),
    backend: info,
    async predict(image, opts = {}) {
      const first = await read(image, opts);
      if (!refine || refine.passes === 0 || !first.fieldShown || opts.rawField || opts.refine === false) return first;
      let flow = first.flow;
      for (let k = 0; k < refine.passes; k++) {
        const undone = unwarp(image, flow, { interpolation: 'bicubic' }).image;
        // The residual is read as shown (gain × its own probability), whatever that face's score: the first reading
        // already decided that this face's field is shown.
        const residual = await read(undone, { ...opts, threshold: 0 });
        flow = addResidual(flow, residual.flow, first.flow, refine.support);
      }
      return { ...first, flow, refinePasses: refine.passes };
    },
    dispose() {
      for (const t of params.values()) t.dispose();
      channelMask.dispose();
    },
  };
}

/**
 * `flow` with `residual` (read on the face unwarped by `flow`) composed onto it, W = flow + R∘(id + flow), the increment
 * scaled by min(1, |first| / support) at each pixel of the modified grid (all of it for support 0).
 */
export function addResidual(flow: FlowField, residual: FlowField, first: FlowField, support: number): FlowField {
  const composed = composeWarps(residual, flow);
  if (!(support > 0)) return composed;
  const data = new Float32Array(flow.data.length);
  for (let i = 0; i < data.length; i += 2) {
    const k = Math.min(1, Math.hypot(first.data[i]!, first.data[i + 1]!) / support);
    data[i] = flow.data[i]! + k * (composed.data[i]! - flow.data[i]!);
    data[i + 1] = flow.data[i + 1]! + k * (composed.data[i + 1]! - flow.data[i + 1]!);
  }
  return { ...flow, data };
}

/**
 * The logits of the windows whose centre lies in `region` (all of them without one, or when none does). Window (r, c)
 * of the head's map covers cells r…r+cells−1 and c…c+cells−1 of the deepest level.
 */
export function windowsInRegion(
  logits: ArrayLike<number>,
  shape: number[],
  cells: number,
  stride: number,
  region?: Region,
): number[] {
  const [rows, cols] = shape.length === 3 ? [shape[1]!, shape[2]!] : [1, 1];
  return windowIndicesInRegion({ rows, cols, cells, stride }, region).map((i) => logits[i]!);
}

/** Row-major indices into `grid.logits` of the windows `windowsInRegion` takes: the one rule for a face's windows. */
export function windowIndicesInRegion(grid: Omit<WindowGrid, 'logits'>, region?: Region): number[] {
  const { rows, cols, cells, stride } = grid;
  const all: number[] = [];
  const inside: number[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      all.push(r * cols + c);
      if (!region) continue;
      const cy = (r + cells / 2) * stride;
      const cx = (c + cells / 2) * stride;
      if (cx >= region.x0 && cx < region.x1 && cy >= region.y0 && cy < region.y1) inside.push(r * cols + c);
    }
  return inside.length > 0 ? inside : all;
}

/**
 * One face score from its windows' logits. `max`: the most suspicious window (an edit is local, so one window can
 * carry it); `topMean`: the mean of the k highest, which damps the one noisy window an untouched face often has;
 * `logMeanExp`: a soft maximum, T·log(mean(exp(l/T))), from the mean (T → ∞) to the max (T → 0).
 */
export type WindowAggregate = { rule: 'max' } | { rule: 'topMean'; k: number } | { rule: 'logMeanExp'; t: number };

export function aggregateWindows(windows: readonly number[], how: WindowAggregate): number {
  if (windows.length === 0) throw new Error('no windows to aggregate');
  switch (how.rule) {
    case 'max':
      return Math.max(...windows);
    case 'topMean': {
      const top = [...windows].sort((a, b) => b - a).slice(0, Math.max(1, Math.round(how.k)));
      return top.reduce((a, b) => a + b, 0) / top.length;
    }
    case 'logMeanExp': {
      // Shifted by the max so exp never overflows.
      const m = Math.max(...windows);
      const mean = windows.reduce((a, l) => a + Math.exp((l - m) / how.t), 0) / windows.length;
      return m + how.t * Math.log(mean);
    }
  }
}

/** How a rule reads in logs and reports. */
export function describeAggregate(how: WindowAggregate): string {
  return how.rule === 'max' ? 'max' : how.rule === 'topMean' ? `top-${how.k} mean` : `log-mean-exp T=${how.t}`;
}
