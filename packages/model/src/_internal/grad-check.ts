// Prints, on the wasm backend with our gradient kernels, the conv gradients of the cases in argv[2] and the resize
// adjoint pairs of the cases in argv[3] (JSON), and who ran the convolutions: kernels.test.ts runs it with
// UNWARP_NATIVE_KERNELS=0.
import { initBackend } from '@unwarp/tf';
import { registerWasmGradKernels } from '../kernels.ts';
import { type ConvCase, convGrads, type ResizeCase, resizeAdjoint } from './gradient-checks.ts';

const { tf, info } = await initBackend({ wanted: 'wasm' });
registerWasmGradKernels(tf);
const convs = JSON.parse(process.argv[2]!) as ConvCase[];
const resizes = JSON.parse(process.argv[3]!) as ResizeCase[];
console.log(
  JSON.stringify({
    convolutions: info.convolutions,
    grads: convs.map((c) => convGrads(tf, c)),
    adjoints: resizes.map((c) => resizeAdjoint(tf, c)),
  }),
);
