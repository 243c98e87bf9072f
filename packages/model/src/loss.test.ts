import type * as tfjs from '@tensorflow/tfjs';
import { applyWarp, createFlow } from '@unwarp/flow';
import { initBackend } from '@unwarp/tf';
import { describe, expect, it } from 'vitest';
import { registerWasmGradKernels } from './kernels.ts';
import { reconstructionLoss } from './loss.ts';

/** A smooth textured RGB patch (0..255) and its copy warped by a smooth bump: modified(p) = original(p + W(p)). */
function scene(size: number) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++)
        data[(y * size + x) * 3 + c] = Math.round(
          127 + 60 * Math.sin(x * 0.45 + c) * Math.cos(y * 0.3) + 40 * Math.sin((x + 2 * y) * 0.2),
        );
  const W = createFlow(size, size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const g = Math.exp(-((x - size / 2) ** 2 + (y - size / 2) ** 2) / (2 * (size / 5) ** 2));
      W.data[(y * size + x) * 2] = 2.5 * g;
      W.data[(y * size + x) * 2 + 1] = -1.5 * g;
    }
  const original = { width: size, height: size, channels: 3, data };
  const modified = applyWarp(original, W, { interpolation: 'bilinear' });
  return { original, modified, W };
}

describe('reconstructionLoss', () => {
  it('is lowest at the true W, and its gradient matches finite differences', async () => {
    const { tf } = await initBackend();
    registerWasmGradKernels(tf);
    const size = 24;
    const s = scene(size);
    const t = (img: { data: Uint8Array }) => tf.tensor4d(Float32Array.from(img.data), [1, size, size, 3]);
    const modified = t(s.modified as { data: Uint8Array });
    const original = t(s.original);
    const loss = (flow: Float32Array) =>
      tf.tidy(() => reconstructionLoss(tf, tf.tensor4d(flow, [1, size, size, 2]), modified, original).dataSync()[0]!);
    const truth = loss(s.W.data);
    const zero = loss(new Float32Array(s.W.data.length));
    const wrong = loss(s.W.data.map((v) => -v));
    expect(truth).toBeLessThan(zero * 0.5);
    expect(zero).toBeLessThan(wrong);

    // Gradient at half the true field, against central differences of the loss along a random direction.
    const at = s.W.data.map((v) => v * 0.5);
    const dir = Float32Array.from(at, (_, i) => Math.sin(i * 12.9898) * 0.5);
    const g = tf.tidy(() => {
      const f = tf.variable(tf.tensor4d(at, [1, size, size, 2]));
      const { grads } = tf.variableGrads(
        () => reconstructionLoss(tf, f as unknown as tfjs.Tensor4D, modified, original),
        [f],
      );
      const out = Float32Array.from(Object.values(grads)[0]!.dataSync());
      f.dispose();
      return out;
    });
    const towards = Float32Array.from(s.W.data, (v, i) => v - at[i]!);
    const h = 1e-2;
    for (const d of [dir, towards]) {
      const analytic = g.reduce((sum, v, i) => sum + v * d[i]!, 0);
      const numeric = (loss(at.map((v, i) => v + h * d[i]!)) - loss(at.map((v, i) => v - h * d[i]!))) / (2 * h);
      expect(Math.abs(analytic - numeric)).toBeLessThan(0.05 * Math.abs(numeric) + 1e-6);
      if (d === towards) expect(analytic).toBeLessThan(0); // moving towards the truth lowers the loss
    }
  });
});
