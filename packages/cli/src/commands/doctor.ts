import { performance } from 'node:perf_hooks';
import { initBackend } from '@unwarp/tf';
import { parse } from '../args.ts';

const HELP = `Usage: unwarp doctor

Prints which TensorFlow.js backend is live (native GPU, native CPU or wasm, and why the earlier ones were
skipped) and runs a small numeric self-test. UNWARP_BACKEND=gpu|node|wasm|cpu forces one.`;

export async function run(argv: string[]): Promise<number> {
  if (!parse(argv, {}, HELP)) return 0;
  const { tf, info } = await initBackend();
  const lines = [
    `backend:  ${info.backend} (${info.package})`,
    `threads:  ${info.threads || 'n/a'}`,
    ...info.skipped.map((s) => `skipped:  ${s.choice}: ${s.reason}`),
  ];
  const t0 = performance.now();
  // A convolution with a known answer: a 3x3 box sum over ones is 9 in the interior.
  const v = tf.tidy(
    () =>
      tf
        .conv2d(
          tf.ones([1, 8, 8, 1]) as import('@tensorflow/tfjs').Tensor4D,
          tf.ones([3, 3, 1, 1]) as import('@tensorflow/tfjs').Tensor4D,
          1,
          'same',
        )
        .dataSync()[9],
  );
  const ms = performance.now() - t0;
  const ok = v === 9;
  lines.push(`selftest: ${ok ? 'ok' : `FAILED (got ${v}, expected 9)`} (${ms.toFixed(1)} ms)`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
