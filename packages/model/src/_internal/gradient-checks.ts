import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '@unwarp/tf';

export type ConvCase = { name: string; x: number[]; f: number[]; s: number; pad: 'same' | 'valid' };

/** dx and dFilter of sum(conv(x, f)^2) on the live backend, seeded: the gradient kernels' test fixture. */
export function convGrads(tf: Tf, c: ConvCase): number[][] {
  return tf.tidy(() => {
    const xs = tf.randomNormal(c.x, 0, 1, 'float32', 7);
    const fs = tf.randomNormal(c.f, 0, 1, 'float32', 8);
    const g = tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a as never, b as never, c.s, c.pad))));
    const [dx, df] = g([xs, fs]);
    return [Array.from(dx!.dataSync()), Array.from(df!.dataSync())];
  }) as unknown as number[][];
}

export type ResizeCase = {
  x: [number, number, number, number];
  size: [number, number];
  alignCorners: boolean;
  halfPixelCenters: boolean;
};

/** <resize(x), dy> and <x, gradient of that wrt x>: equal when the gradient is the resize's exact transpose. */
export function resizeAdjoint(tf: Tf, c: ResizeCase): [number, number] {
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', 3) as tfjs.Tensor4D;
    const dy = tf.randomNormal([c.x[0]!, ...c.size, c.x[3]!], 0, 1, 'float32', 4);
    const f = (a: tfjs.Tensor) =>
      tf.sum(tf.mul(tf.image.resizeBilinear(a as tfjs.Tensor4D, c.size, c.alignCorners, c.halfPixelCenters), dy));
    const g = tf.grad(f)(x);
    return [f(x).dataSync()[0]!, tf.sum(tf.mul(x, g)).dataSync()[0]!];
  }) as unknown as [number, number];
}
