import { performance } from 'node:perf_hooks';
import { initBackend } from '@unwarp/tf';
import { parse } from '../args.ts';

const HELP = `Usage: unwarp doctor

Prints which TensorFlow.js backend is live (native GPU, native CPU or wasm, and why the earlier ones were
skipped), who runs its convolutions on wasm (the native kernels of @unwarp/cpu-kernels, or XNNPACK and why), and
runs a small numeric self-test. UNWARP_BACKEND=gpu|node|wasm|cpu forces one; UNWARP_NATIVE_KERNELS=0 turns the
native kernels off.`;

export async function run(argv: string[]): Promise<number> {
  if (!parse(argv, {}, HELP)) return 0;
  const { tf, info } = await initBackend();
  const lines = [
    `backend:  ${info.backend} (${info.package})`,
    `threads:  ${info.threads || 'n/a'}`,
    ...(info.convolutions ? [`convs:    ${info.convolutions}`] : []),
    ...info.skipped.map((s) => `skipped:  ${s.choice}: ${s.reason}`),
  ];
  const t0 = performance.now();
  // Convolutions with a known answer: a 3x3 box sum over ones is 9 per input channel in the interior. One output
  // channel runs on the backend's own kernel, 16 on the native one where it is live.
  const interior = (inC: number, outC: number) =>
    tf.tidy(() =>
      Array.from(
        tf
          .conv2d(
            tf.ones([1, 8, 8, inC]) as import('@tensorflow/tfjs').Tensor4D,
            tf.ones([3, 3, inC, outC]) as import('@tensorflow/tfjs').Tensor4D,
            1,
            'same',
          )
          .dataSync()
          .slice(9 * outC, 10 * outC),
      ),
    );
  const got = [...interior(1, 1), ...interior(4, 16)];
  const want = [9, ...Array(16).fill(36)];
  const ms = performance.now() - t0;
  const ok = got.every((v, i) => v === want[i]);
  lines.push(
    `selftest: ${ok ? 'ok' : `FAILED (got ${got.join(', ')}, expected ${want.join(', ')})`} (${ms.toFixed(1)} ms)`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
