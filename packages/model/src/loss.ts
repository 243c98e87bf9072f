import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '@unwarp/tf';
import type { Outputs } from './network.ts';
import type { Recipe } from './recipe.ts';

export type LossParts = {
  total: tfjs.Scalar;
  epe: tfjs.Scalar;
  /** Diagnostic, not trained on: the weighted EPE of predicting W = 0 on the same batch (epe must fall below it). */
  epeZeroFlow: tfjs.Scalar;
  mask: tfjs.Scalar;
  global: tfjs.Scalar;
  multiscale: tfjs.Scalar;
  reconstruction: tfjs.Scalar;
  /** Diagnostic: the reconstruction term with W = 0, i.e. the modified patch against the original (0 when off). */
  reconstructionZeroFlow: tfjs.Scalar;
};

const MOVED_PX = 0.5;

/** The true field brought to the prediction's resolution: block means keep the vectors in input pixels. */
export function downsampleFlow(tf: Tf, flow: tfjs.Tensor4D, factor: number): tfjs.Tensor4D {
  return factor === 1 ? flow : tf.avgPool(flow, factor, factor, 'valid');
}

function epe(tf: Tf, a: tfjs.Tensor4D, b: tfjs.Tensor4D): tfjs.Tensor4D {
  return tf.sqrt(tf.add(tf.sum(tf.squaredDifference(a, b), 3, true), 1e-6)) as tfjs.Tensor4D;
}

/**
 * The modified patch unwarped with the predicted field, against the original: mean Charbonnier distance in 0..1 units.
 * The unwarp is first order — recovered(p) = modified(p − W(p)) — whose error against the exact inverse is about
 * |W|·|∇W|, a few hundredths of a pixel for Liquify's smooth fields. Bilinear sampling is built from gathers so the
 * gradient reaches W through the interpolation weights; the sample positions are read back and enter as constants.
 */
export function reconstructionLoss(
  tf: Tf,
  flowLow: tfjs.Tensor4D,
  modified: tfjs.Tensor4D,
  original: tfjs.Tensor4D,
): tfjs.Scalar {
  const [n, h, w, c] = modified.shape;
  const W = flowLow.shape[1] === h ? flowLow : (tf.image.resizeBilinear(flowLow, [h, w], false, true) as tfjs.Tensor4D);
  const [wx, wy] = tf.split(W, 2, 3) as [tfjs.Tensor4D, tfjs.Tensor4D];
  const gridX = tf.reshape(tf.tile(tf.range(0, w, 1, 'float32'), [h]), [1, h, w, 1]);
  const gridY = tf.reshape(tf.tile(tf.reshape(tf.range(0, h, 1, 'float32'), [h, 1]), [1, w]), [1, h, w, 1]);
  const x = tf.clipByValue(tf.sub(gridX, wx), 0, w - 1);
  const y = tf.clipByValue(tf.sub(gridY, wy), 0, h - 1);
  const xs = x.dataSync();
  const ys = y.dataSync();
  const size = n * h * w;
  const x0 = new Float32Array(size);
  const y0 = new Float32Array(size);
  const idx = [new Int32Array(size), new Int32Array(size), new Int32Array(size), new Int32Array(size)] as const;
  for (let i = 0; i < size; i++) {
    const b = Math.floor(i / (h * w));
    const fx = Math.min(Math.floor(xs[i]!), w - 2);
    const fy = Math.min(Math.floor(ys[i]!), h - 2);
    x0[i] = fx;
    y0[i] = fy;
    const base = (b * h + fy) * w + fx;
    idx[0][i] = base;
    idx[1][i] = base + 1;
    idx[2][i] = base + w;
    idx[3][i] = base + w + 1;
  }
  const ax = tf.sub(x, tf.tensor4d(x0, [n, h, w, 1]));
  const ay = tf.sub(y, tf.tensor4d(y0, [n, h, w, 1]));
  const flat = tf.reshape(modified, [size, c]);
  const at = (k: 0 | 1 | 2 | 3) => tf.reshape(tf.gather(flat, tf.tensor1d(idx[k], 'int32')), [n, h, w, c]);
  const top = tf.add(tf.mul(tf.sub(1, ax), at(0)), tf.mul(ax, at(1)));
  const bottom = tf.add(tf.mul(tf.sub(1, ax), at(2)), tf.mul(ax, at(3)));
  const recovered = tf.add(tf.mul(tf.sub(1, ay), top), tf.mul(ay, bottom));
  return charbonnier(tf, recovered, original);
}

/** Mean Charbonnier distance between two 0..255 images, in 0..1 units. */
function charbonnier(tf: Tf, a: tfjs.Tensor, b: tfjs.Tensor): tfjs.Scalar {
  const d = tf.div(tf.sub(a, b), 255);
  return tf.mean(tf.sqrt(tf.add(tf.square(d), 1e-6))) as tfjs.Scalar;
}

/**
 * Weighted end-point error (edited pixels count 1 + editedWeight times), per-pixel "moved" cross-entropy, global
 * cross-entropy, a multiscale EPE and (with `images`) the reconstruction after unwarping. A plain EPE on a mostly-zero
 * target makes "predict zero" the cheapest answer; the weights and the dense "moved" target are what keep the net out
 * of that basin.
 */
export function computeLoss(
  tf: Tf,
  recipe: Recipe,
  out: Outputs,
  gtFull: tfjs.Tensor4D,
  labels: tfjs.Tensor1D,
  images?: { modified: tfjs.Tensor4D; original: tfjs.Tensor4D },
): LossParts {
  const f = 2 ** recipe.arch.flowLevel;
  const gt = downsampleFlow(tf, gtFull, f);
  const mag = tf.sqrt(tf.sum(tf.square(gt), 3, true));
  const movedTarget = tf.cast(tf.greater(mag, MOVED_PX), 'float32');
  const weights = tf.add(1, tf.mul(movedTarget, recipe.loss.editedWeight));
  const epeMap = epe(tf, out.flow, gt);
  const epeLoss = tf.div(tf.sum(tf.mul(epeMap, weights)), tf.sum(weights)) as tfjs.Scalar;
  const epeZeroFlow = tf.div(tf.sum(tf.mul(mag, weights)), tf.sum(weights)) as tfjs.Scalar;
  const maskLoss = tf.losses.sigmoidCrossEntropy(movedTarget, out.moved) as tfjs.Scalar;
  const globalLoss = tf.losses.sigmoidCrossEntropy(labels, out.logit) as tfjs.Scalar;
  let multiscale = tf.scalar(0);
  if (recipe.loss.multiscale > 0) {
    for (const k of [2, 4]) {
      if (out.flow.shape[1] % k !== 0) continue;
      const p = tf.avgPool(out.flow, k, k, 'valid');
      const g = tf.avgPool(gt, k, k, 'valid');
      const w = tf.avgPool(weights as tfjs.Tensor4D, k, k, 'valid');
      multiscale = tf.add(multiscale, tf.div(tf.sum(tf.mul(epe(tf, p, g), w)), tf.sum(w)));
    }
  }
  const rw = recipe.loss.reconstruction ?? 0;
  if (rw > 0 && !images) throw new Error(`recipe ${recipe.name}: the reconstruction term needs the original patches`);
  const reconstruction =
    rw > 0 && images ? reconstructionLoss(tf, out.flow, images.modified, images.original) : tf.scalar(0);
  // With W = 0 the unwarp is the modified patch itself: no sampling needed.
  const reconstructionZeroFlow = rw > 0 && images ? charbonnier(tf, images.modified, images.original) : tf.scalar(0);
  const total = tf.addN([
    tf.mul(epeLoss, recipe.loss.epe),
    tf.mul(maskLoss, recipe.loss.mask),
    tf.mul(globalLoss, recipe.loss.global),
    tf.mul(multiscale, recipe.loss.multiscale),
    tf.mul(reconstruction, rw),
  ]) as tfjs.Scalar;
  return {
    total,
    epe: epeLoss,
    epeZeroFlow,
    mask: maskLoss,
    global: globalLoss,
    multiscale: multiscale as tfjs.Scalar,
    reconstruction,
    reconstructionZeroFlow,
  };
}
