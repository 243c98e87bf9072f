import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '@unwarp/tf';
import type { Outputs } from './network.ts';
import type { Recipe } from './recipe.ts';

export type LossParts = {
  total: tfjs.Scalar;
  epe: tfjs.Scalar;
  mask: tfjs.Scalar;
  global: tfjs.Scalar;
  multiscale: tfjs.Scalar;
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
 * Weighted end-point error (edited pixels count 1 + editedWeight times), per-pixel "moved" cross-entropy,
 * global cross-entropy and a multiscale EPE. A plain EPE on a mostly-zero target makes "predict zero" the cheapest
 * answer; the weights and the dense "moved" target are what keep the net out of that basin.
 */
export function computeLoss(
  tf: Tf,
  recipe: Recipe,
  out: Outputs,
  gtFull: tfjs.Tensor4D,
  labels: tfjs.Tensor1D,
): LossParts {
  const f = 2 ** recipe.arch.flowLevel;
  const gt = downsampleFlow(tf, gtFull, f);
  const mag = tf.sqrt(tf.sum(tf.square(gt), 3, true));
  const movedTarget = tf.cast(tf.greater(mag, MOVED_PX), 'float32');
  const weights = tf.add(1, tf.mul(movedTarget, recipe.loss.editedWeight));
  const epeMap = epe(tf, out.flow, gt);
  const epeLoss = tf.div(tf.sum(tf.mul(epeMap, weights)), tf.sum(weights)) as tfjs.Scalar;
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
  const total = tf.addN([
    tf.mul(epeLoss, recipe.loss.epe),
    tf.mul(maskLoss, recipe.loss.mask),
    tf.mul(globalLoss, recipe.loss.global),
    tf.mul(multiscale, recipe.loss.multiscale),
  ]) as tfjs.Scalar;
  return { total, epe: epeLoss, mask: maskLoss, global: globalLoss, multiscale: multiscale as tfjs.Scalar };
}
