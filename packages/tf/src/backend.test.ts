import type { Tensor4D } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from './backend.ts';
import { fusedInstanceNorm } from './native-kernels.ts';

describe('initBackend', () => {
  it('falls back to wasm where the native packages are missing, and says why', async () => {
    const { tf, info } = await initBackend();
    expect(info).toEqual(backendInfo());
    if (process.env.UNWARP_BACKEND === undefined) {
      // On hosts without libtensorflow the two native choices are skipped with a reason.
      expect(['wasm', 'tensorflow']).toContain(info.backend);
      if (info.backend === 'wasm') expect(info.skipped.map((s) => s.choice)).toEqual(['tensorflow-gpu', 'tensorflow']);
    }
    const y = tf.tidy(() =>
      tf.conv2d(tf.ones([1, 4, 4, 1]) as Tensor4D, tf.ones([3, 3, 1, 1]) as Tensor4D, 1, 'same').dataSync(),
    );
    expect(Array.from(y).slice(0, 5)).toEqual([4, 6, 6, 4, 6]);
  });
});

describe('native kernels on the wasm backend', () => {
  it('run where @unwarp/cpu-kernels is built, and give the cpu backend results for every conv the models use', async () => {
    const { tf, info } = await initBackend();
    if (info.backend !== 'wasm') return;
    // CI builds the kernels (postinstall); only an explicit opt-out may leave XNNPACK in charge.
    if (process.env.UNWARP_NATIVE_KERNELS === '0') expect(info.convolutions).toMatch(/^xnnpack/);
    else expect(info.convolutions).toMatch(/^native \((avx512|avx2|generic)\)$/);
    const convs = () =>
      tf.tidy(() => {
        const x = tf.randomNormal([2, 19, 17, 12], 0, 1, 'float32', 1) as Tensor4D;
        const w = tf.randomNormal([3, 3, 12, 20], 0, 1, 'float32', 2) as Tensor4D;
        const b = tf.randomNormal([20], 0, 1, 'float32', 3);
        const slope = tf.randomNormal([20], 0, 1, 'float32', 4);
        const fused = (activation: 'linear' | 'relu' | 'prelu', stride: number, pad: 'same' | 'valid') =>
          tf.fused.conv2d({
            x,
            filter: w,
            strides: stride,
            pad,
            bias: b,
            activation,
            preluActivationWeights: activation === 'prelu' ? slope : undefined,
          });
        return [
          tf.conv2d(x, w, 1, 'same'),
          tf.conv2d(x, w, [2, 1], 'valid'),
          tf.conv2d(x, w, 1, 'same', 'NHWC', 2),
          fused('relu', 2, 'same'),
          fused('linear', 1, 'valid'),
          // Not covered natively: handed back to XNNPACK.
          fused('prelu', 1, 'same'),
          tf.conv2d(x, w.slice([0, 0, 0, 0], [3, 3, 12, 3]) as Tensor4D, 1, 'same'),
        ].map((t) => Array.from(t.dataSync()));
      });
    const onWasm = convs();
    await tf.setBackend('cpu');
    const onCpu = convs();
    await tf.setBackend('wasm');
    for (const [i, want] of onCpu.entries()) {
      const got = onWasm[i]!;
      expect(got.length).toBe(want.length);
      const err = Math.max(...got.map((v, j) => Math.abs(v - want[j]!) / (1 + Math.abs(want[j]!))));
      expect(err, `conv ${i}`).toBeLessThan(1e-5);
    }
  });

  it('run instance norm + LeakyReLU in one kernel as the composed ops compute it', async () => {
    const { tf, info } = await initBackend();
    if (!info.convolutions?.startsWith('native')) return;
    const x = tf.add(tf.mul(tf.randomNormal([2, 21, 17, 24], 0, 1, 'float32', 8), 3), 1.5) as Tensor4D;
    const gamma = tf.randomNormal([24], 1, 0.2, 'float32', 9);
    const beta = tf.randomNormal([24], 0, 0.5, 'float32', 10);
    for (const slope of [0.1, 1]) {
      const fused = fusedInstanceNorm(tf, x, gamma, beta, 1e-3, slope)!;
      const composed = tf.tidy(() => {
        const m = tf.moments(x, [1, 2], true);
        const y = tf.add(tf.mul(tf.sub(x, m.mean), tf.mul(gamma, tf.rsqrt(tf.add(m.variance, 1e-3)))), beta);
        return slope === 1 ? y : tf.leakyRelu(y, slope);
      });
      expect(fused.shape).toEqual(x.shape);
      expect(tf.max(tf.abs(tf.sub(fused, composed))).dataSync()[0]).toBeLessThan(1e-4);
      tf.dispose([fused, composed]);
    }
  });

  it('concatenate, split, copy, sum and average along any axes and dtypes as the cpu backend does', async () => {
    const { tf, info } = await initBackend();
    if (info.backend !== 'wasm') return;
    const joins = () =>
      tf.tidy(() => {
        const a = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', 5);
        const b = tf.randomNormal([2, 5, 4, 7], 0, 1, 'float32', 6);
        const c = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 7);
        return [
          tf.concat([a, b], 3),
          tf.concat([a, b, a], -1),
          tf.concat([a, c], 1),
          tf.concat([a, a], 0),
          tf.concat([tf.range(0, 6, 1, 'int32').reshape([2, 3]), tf.ones([2, 1], 'int32')], 1),
          tf.concat(
            [
              tf.tensor([[true], [false]]),
              tf.tensor([
                [false, false],
                [true, true],
              ]),
            ],
            1,
          ),
          tf.concat([tf.zeros([2, 0]), tf.ones([2, 2])], 1),
          ...tf.split(b, [2, 4, 1], 3),
          ...tf.split(c, 3, 1),
          ...tf.split(tf.range(0, 12, 1, 'int32').reshape([3, 4]), [1, 3], 1),
          tf.sum(b, [0, 1, 2]),
          tf.sum(b, [0, 1], true),
          tf.sum(b, 0),
          tf.sum(b, [1, 2]),
          tf.sum(b),
          tf.sum(tf.range(0, 12, 1, 'int32').reshape([3, 4]), 0),
          tf.mean(b, [1, 2]),
          tf.mean(b, [1, 2], true),
          tf.mean(b, [0, 1, 2]),
          tf.mean(b, 3),
          tf.sum(b, [1, 3]),
          tf.moments(c, [1, 2], true).variance,
          // Identity (a copy on the wasm backend) through tf.clone.
          tf.clone(a),
        ].map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
      });
    const onWasm = joins();
    await tf.setBackend('cpu');
    const onCpu = joins();
    await tf.setBackend('wasm');
    expect(onWasm.length).toBe(onCpu.length);
    for (const [i, want] of onCpu.entries()) {
      expect(onWasm[i]!.shape, `result ${i}`).toEqual(want.shape);
      for (const [j, v] of want.values.entries()) expect(onWasm[i]!.values[j], `result ${i}`).toBeCloseTo(v, 4);
    }
  });
});
