import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { initBackend, type Tf } from '@unwarp/tf';
import { describe, expect, it } from 'vitest';
import { type ConvCase, convGrads, type ResizeCase, resizeAdjoint } from './_internal/gradient-checks.ts';
import { registerWasmGradKernels } from './kernels.ts';

const run = promisify(execFile);

// Small channel counts run on XNNPACK's forward conv; 8 and more output channels on the native one where it is built.
const cases: ConvCase[] = [
  { name: 'stride 1 same', x: [2, 9, 7, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { name: 'stride 2 same', x: [2, 9, 8, 3], f: [3, 3, 3, 5], s: 2, pad: 'same' },
  { name: 'stride 1 valid', x: [1, 8, 6, 2], f: [3, 3, 2, 3], s: 1, pad: 'valid' },
  { name: 'stride 2 valid', x: [2, 9, 9, 4], f: [3, 3, 4, 2], s: 2, pad: 'valid' },
  { name: '1x1 stride 1', x: [2, 5, 5, 6], f: [1, 1, 6, 3], s: 1, pad: 'same' },
  { name: 'wide, stride 2 same', x: [2, 12, 10, 16], f: [3, 3, 16, 24], s: 2, pad: 'same' },
  { name: 'wide, stride 1 valid', x: [1, 10, 9, 12], f: [3, 3, 12, 20], s: 1, pad: 'valid' },
];

// The decoder's and the flow's half-pixel 2x upsampling, odd and non-square sizes, downsampling, align-corners.
const resizes: ResizeCase[] = [
  { x: [2, 6, 6, 3], size: [12, 12], alignCorners: false, halfPixelCenters: true },
  { x: [1, 6, 7, 16], size: [12, 14], alignCorners: false, halfPixelCenters: true },
  { x: [2, 9, 5, 2], size: [4, 11], alignCorners: false, halfPixelCenters: true },
  { x: [1, 5, 8, 3], size: [10, 16], alignCorners: false, halfPixelCenters: false },
  { x: [1, 7, 6, 2], size: [13, 11], alignCorners: true, halfPixelCenters: false },
];
const adjointGap = ([lhs, rhs]: [number, number]) => Math.abs(lhs - rhs) / (1 + Math.abs(lhs));

const maxErr = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!) / (1 + Math.abs(b[i]!))));

async function onCpuBackend(tf: Tf, c: ConvCase) {
  await tf.setBackend('cpu');
  try {
    return convGrads(tf, c);
  } finally {
    await tf.setBackend('wasm');
  }
}

describe('wasm conv gradient kernels', () => {
  it.each(cases)('match the cpu backend: $name', async (c) => {
    const { tf } = await initBackend();
    if (tf.getBackend() !== 'wasm') return;
    registerWasmGradKernels(tf);
    const [dxW, dfW] = convGrads(tf, c);
    const [dxC, dfC] = await onCpuBackend(tf, c);
    expect(dxW!.length).toBe(dxC!.length);
    expect(maxErr(dxW!, dxC!)).toBeLessThan(1e-4);
    expect(maxErr(dfW!, dfC!)).toBeLessThan(1e-4);
  });

  // The same cases where the native kernels are off (hosts without a compiler): the JS im2col filter gradient and
  // XNNPACK's forward conv, in a process of their own (the backend and kernels start once per process).
  it('match the cpu backend without the native kernels too', async () => {
    const script = path.join(import.meta.dirname, '_internal', 'grad-check.ts');
    const args = ['--import', 'tsx', script, JSON.stringify(cases), JSON.stringify(resizes)];
    const { stdout } = await run(process.execPath, args, {
      env: { ...process.env, UNWARP_NATIVE_KERNELS: '0' },
      timeout: 60_000,
    });
    const reply = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      convolutions: string;
      grads: number[][][];
      adjoints: [number, number][];
    };
    expect(reply.convolutions).toMatch(/^xnnpack/);
    const { tf } = await initBackend();
    for (const [i, c] of cases.entries()) {
      const [dxC, dfC] = await onCpuBackend(tf, c);
      expect(maxErr(reply.grads[i]![0]!, dxC!)).toBeLessThan(1e-4);
      expect(maxErr(reply.grads[i]![1]!, dfC!)).toBeLessThan(1e-4);
    }
    for (const pair of reply.adjoints) expect(adjointGap(pair)).toBeLessThan(1e-5);
  });

  it.each(resizes)('make the bilinear resize gradient its exact transpose: $x -> $size', async (c) => {
    const { tf } = await initBackend();
    if (tf.getBackend() !== 'wasm') return;
    registerWasmGradKernels(tf);
    expect(adjointGap(resizeAdjoint(tf, c))).toBeLessThan(1e-5);
  });
});
