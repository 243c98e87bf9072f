import { initBackend } from '@unwarp/tf';
import { describe, expect, it } from 'vitest';
import { registerWasmGradKernels } from './kernels.ts';

const cases = [
  { name: 'stride 1 same', x: [2, 9, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' as const },
  { name: 'stride 2 same', x: [2, 9, 8, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' as const },
  { name: 'stride 1 valid', x: [1, 8, 6, 2], f: [3, 3, 2, 3], s: 1, pad: 'valid' as const },
  { name: 'stride 2 valid', x: [2, 9, 9, 4], f: [3, 3, 4, 2], s: 2, pad: 'valid' as const },
  { name: '1x1 stride 1', x: [2, 5, 5, 6], f: [1, 1, 6, 3], s: 1, pad: 'same' as const },
];

describe('wasm conv gradient kernels', () => {
  it.each(cases)('match the cpu backend: $name', async ({ x, f, s, pad }) => {
    const { tf } = await initBackend();
    if (tf.getBackend() !== 'wasm') return;
    registerWasmGradKernels(tf);
    const grads = () => {
      const xs = tf.randomNormal(x, 0, 1, 'float32', 7);
      const fs = tf.randomNormal(f, 0, 1, 'float32', 8);
      const g = tf.grads((a, b) => tf.sum(tf.square(tf.conv2d(a as never, b as never, s, pad))));
      const [dx, df] = g([xs, fs]);
      return [Array.from(dx!.dataSync()), Array.from(df!.dataSync())];
    };
    const [dxW, dfW] = tf.tidy(grads) as unknown as number[][];
    await tf.setBackend('cpu');
    const [dxC, dfC] = tf.tidy(grads) as unknown as number[][];
    await tf.setBackend('wasm');
    const maxErr = (a: number[], b: number[]) =>
      Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / (1 + Math.abs(b[i]!))));
    expect(dxW!.length).toBe(dxC!.length);
    expect(maxErr(dxW!, dxC!)).toBeLessThan(1e-4);
    expect(maxErr(dfW!, dfC!)).toBeLessThan(1e-4);
  });
});
