import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '@unwarp/tf';

/** The reference U-Net of the PyTorch yardstick, layer for layer: 3x3 conv + ReLU, 16-32-64-128, bilinear up. */
export function referenceUNet(tf: Tf) {
  const shapes: [string, number, number][] = [
    ['e1a', 3, 16],
    ['e1b', 16, 16],
    ['e2a', 16, 32],
    ['e2b', 32, 32],
    ['e3a', 32, 64],
    ['e3b', 64, 64],
    ['e4a', 64, 128],
    ['e4b', 128, 128],
    ['d3', 192, 64],
    ['d2', 96, 32],
    ['d1', 48, 16],
    ['o', 16, 2],
  ];
  const params = new Map<string, tfjs.Variable>();
  for (const [n, i, o] of shapes) {
    params.set(`${n}/w`, tf.variable(tf.randomNormal([3, 3, i, o], 0, Math.sqrt(2 / (9 * i)))));
    params.set(`${n}/b`, tf.variable(tf.zeros([o])));
  }
  const c = (n: string, x: tfjs.Tensor4D, s = 1, act = true) => {
    const y = tf.add(
      tf.conv2d(x, params.get(`${n}/w`) as tfjs.Tensor4D, s, 'same'),
      params.get(`${n}/b`)!,
    ) as tfjs.Tensor4D;
    return act ? tf.relu(y) : y;
  };
  const up = (t: tfjs.Tensor4D) => tf.image.resizeBilinear(t, [t.shape[1] * 2, t.shape[2] * 2], false, true);
  /** Inference as it is deployed on tfjs: conv, bias and ReLU in one fused op (wasm: one pass over each output). */
  const f = (n: string, x: tfjs.Tensor4D, s = 1, act = true) =>
    tf.fused.conv2d({
      x,
      filter: params.get(`${n}/w`) as tfjs.Tensor4D,
      strides: s,
      pad: 'same',
      bias: params.get(`${n}/b`)!,
      activation: act ? 'relu' : 'linear',
    });
  type Layer = (n: string, x: tfjs.Tensor4D, s?: number, act?: boolean) => tfjs.Tensor4D;
  const graph = (layer: Layer) => (x: tfjs.Tensor4D) => {
    const e1 = layer('e1b', layer('e1a', x));
    const e2 = layer('e2b', layer('e2a', e1, 2));
    const e3 = layer('e3b', layer('e3a', e2, 2));
    const e4 = layer('e4b', layer('e4a', e3, 2));
    const d3 = layer('d3', tf.concat([up(e4), e3], 3));
    const d2 = layer('d2', tf.concat([up(d3), e2], 3));
    const d1 = layer('d1', tf.concat([up(d2), e1], 3));
    return layer('o', d1, 1, false);
  };
  const run = graph(c);
  const infer = graph(f);
  /** The yardstick's loss: mean absolute error against a target flow. */
  const loss = (x: tfjs.Tensor4D, y: tfjs.Tensor) => tf.mean(tf.abs(tf.sub(run(x), y))) as tfjs.Scalar;
  return { params, run, infer, loss };
}
