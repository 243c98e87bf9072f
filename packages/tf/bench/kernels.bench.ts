// The native kernels (@unwarp/cpu-kernels) beside the wasm backend's own, one kernel at a time, same process and
// inputs: the backend starts with them off (XNNPACK and tfjs's JS kernels), then the native ones are called directly.
// Run: npm run bench -w @unwarp/tf
import os from 'node:os';
import type * as tfjs from '@tensorflow/tfjs';
import { type ConvGeometry, loadCpuKernels } from '@unwarp/cpu-kernels';
import { initBackend } from '../src/index.ts';

process.env.UNWARP_NATIVE_KERNELS = '0';
const { tf, info } = await initBackend({ wanted: 'wasm' });
delete process.env.UNWARP_NATIVE_KERNELS;
const loaded = loadCpuKernels();
if (!loaded.kernels) throw new Error(`native kernels: ${loaded.reason}`);
const native = loaded.kernels;
const threads = info.threads;

function time(fn: () => void, reps: number): number {
  fn();
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
}

const lines = [
  `wasm backend on ${threads} thread(s) (${info.convolutions}) vs native (${native.isa}), ${os.cpus()[0]?.model}; ${new Date().toISOString()}`,
  'kernel | shape | wasm backend ms | native ms | speed-up',
];
const row = (kernel: string, shape: string, wasm: number, nat: number) =>
  lines.push(`${kernel} | ${shape} | ${wasm.toFixed(2)} | ${nat.toFixed(2)} | ${(wasm / nat).toFixed(1)}x`);

// The reference U-Net's layers at 400 px (inference) and a training batch of 8 at 128 px.
const convs: [number, number, number, number, number, number][] = [
  [1, 400, 3, 16, 1, 16],
  [1, 400, 16, 16, 1, 16],
  [1, 400, 16, 32, 2, 32],
  [1, 100, 64, 64, 1, 64],
  [1, 100, 192, 64, 1, 64],
  [1, 400, 48, 16, 1, 16],
  [8, 128, 16, 16, 1, 16],
  [8, 64, 96, 32, 1, 32],
];
for (const [n, size, ci, co, stride] of convs) {
  const x = tf.randomNormal([n, size, size, ci]) as tfjs.Tensor4D;
  const w = tf.randomNormal([3, 3, ci, co]) as tfjs.Tensor4D;
  const info2 = tf.backend_util.computeConv2DInfo(x.shape, w.shape, stride, 1, 'same');
  const g: ConvGeometry = {
    batch: n,
    inHeight: size,
    inWidth: size,
    inChannels: ci,
    filterHeight: 3,
    filterWidth: 3,
    outChannels: co,
    outHeight: info2.outHeight,
    outWidth: info2.outWidth,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: info2.padInfo.top,
    padLeft: info2.padInfo.left,
  };
  const xs = x.dataSync() as Float32Array;
  const ws = w.dataSync() as Float32Array;
  const y = new Float32Array(n * g.outHeight * g.outWidth * co);
  const shape = `${n}x${size}x${size}x${ci} -> ${co}, stride ${stride}`;
  row(
    'conv2d',
    shape,
    time(() => tf.tidy(() => void tf.conv2d(x, w, stride, 'same').dataSync()), 5),
    time(() => native.conv2d(xs, ws, null, y, g, false, threads), 5),
  );
  if (n > 1) {
    const dy = tf.randomNormal([n, g.outHeight, g.outWidth, co]) as tfjs.Tensor4D;
    const dys = dy.dataSync() as Float32Array;
    const dx = new Float32Array(xs.length);
    const dw = new Float32Array(ws.length);
    row(
      'conv2d input gradient',
      shape,
      time(() => tf.tidy(() => void tf.conv2dTranspose(dy, w, x.shape, stride, 'same').dataSync()), 3),
      time(() => native.conv2dInputGrad(dys, ws, dx, g, threads), 3),
    );
    // The wasm backend has no filter-gradient kernel: the JS one of @unwarp/model stands in for it there (not timed).
    void dw;
  }
  tf.dispose([x, w]);
}

const a = tf.randomNormal([8, 128, 128, 32]);
const b = tf.randomNormal([8, 128, 128, 16]);
const joined = new Float32Array(8 * 128 * 128 * 48);
const as = a.dataSync() as Float32Array;
const bs = b.dataSync() as Float32Array;
row(
  'concat (channels)',
  '8x128x128x(32+16)',
  time(() => tf.tidy(() => void tf.concat([a, b], 3).dataSync()), 5),
  time(() => native.concat(joined, [as, bs], 8 * 128 * 128, threads), 5),
);
const sums = new Float32Array(32);
row(
  'sum over N, H, W',
  '8x128x128x32',
  time(() => tf.tidy(() => void tf.sum(a, [0, 1, 2]).dataSync()), 5),
  time(() => native.sumRows(as, sums, 8 * 128 * 128, threads), 5),
);
process.stdout.write(`${lines.join('\n')}\n`);
