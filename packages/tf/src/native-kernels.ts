import type * as tfjs from '@tensorflow/tfjs';
import { type ConvGeometry, type CpuKernels, loadCpuKernels } from '@unwarp/cpu-kernels';

/**
 * Replaces kernels of the wasm backend with `@unwarp/cpu-kernels` (native code for this CPU) where they were built:
 * - Conv2D and FusedConv2D: 2.5–3.5x XNNPACK's wasm build here (AVX-512/AVX2 with FMA against 128-bit SIMD);
 * - Concat, SplitV and Identity: row copies; the backend's are JS loops over elements, or TypedArray.set, which
 *   copies a SharedArrayBuffer (the threaded heap) element by element: a U-Net's skip connections spent a third of
 *   its inference in Concat, and a training step 90 ms of 420 in SplitV and Identity;
 * - Sum and Mean over a block of axes with trailing ones kept (bias gradients, instance norm's statistics), which the
 *   backend does by transposing the whole tensor first (an 800 px face spent 200 of 440 ms of predict in Mean).
 * Tensors stay on the wasm heap; the native code reads and writes them in place. What the native path does not cover
 * (NCHW, activations other than ReLU, under 8 output channels, where the 16-wide vectors would mostly be padding;
 * other dtypes or axes) goes to the original kernel.
 */

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
type WasmBackend = {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  incRef(dataId: object): void;
};
type KernelArgs = {
  inputs: Record<string, TensorInfo | undefined>;
  backend: WasmBackend;
  attrs: Record<string, unknown>;
};

export type NativeKernels = { isa: string; reason?: undefined } | { isa?: undefined; reason: string };

const MIN_OUT_CHANNELS = 8;

function geometryOf(tf: typeof tfjs, x: TensorInfo, filter: TensorInfo, attrs: Record<string, unknown>) {
  const ci = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as 'same' | 'valid' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  return { g: convGeometry(ci), outShape: [ci.batchSize, ci.outHeight, ci.outWidth, ci.outChannels] };
}

/** tfjs's conv info as `@unwarp/cpu-kernels` takes it (also for the gradient kernels of `@unwarp/model`). */
export function convGeometry(ci: tfjs.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: ci.batchSize,
    inHeight: ci.inHeight,
    inWidth: ci.inWidth,
    inChannels: ci.inChannels,
    filterHeight: ci.filterHeight,
    filterWidth: ci.filterWidth,
    outChannels: ci.outChannels,
    outHeight: ci.outHeight,
    outWidth: ci.outWidth,
    strideHeight: ci.strideHeight,
    strideWidth: ci.strideWidth,
    dilationHeight: ci.dilationHeight,
    dilationWidth: ci.dilationWidth,
    padTop: ci.padInfo.top,
    padLeft: ci.padInfo.left,
  };
}

function nativeCovers(x: TensorInfo, filter: TensorInfo, attrs: Record<string, unknown>): boolean {
  const format = attrs.dataFormat;
  return (
    (format === undefined || format === 'NHWC' || format === 'channelsLast') &&
    x.dtype === 'float32' &&
    filter.dtype === 'float32' &&
    filter.shape[3]! >= MIN_OUT_CHANNELS
  );
}

function convolve(
  tf: typeof tfjs,
  kernels: CpuKernels,
  threads: number,
  args: KernelArgs,
  bias: TensorInfo | undefined,
  relu: boolean,
): TensorInfo {
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const { g, outShape } = geometryOf(tf, x, filter, args.attrs);
  const out = args.backend.makeOutput(outShape, 'float32');
  // Views after the allocation: growing the heap detaches older ones.
  const heap = args.backend;
  kernels.conv2d(
    heap.typedArrayFromHeap(x),
    heap.typedArrayFromHeap(filter),
    bias ? heap.typedArrayFromHeap(bias) : null,
    heap.typedArrayFromHeap(out),
    g,
    relu,
    threads,
  );
  return out;
}

let state: NativeKernels | undefined;
let identityShared = false;

/**
 * Puts `kernelFunc` in place of the wasm backend's `name` kernel (registering it where the backend has none) and hands
 * it the one it replaces, for the cases it gives back. The one place kernels are swapped (also for `@unwarp/model`'s
 * gradient kernels).
 */
export function replaceWasmKernel<Args = KernelArgs>(
  tf: typeof tfjs,
  name: string,
  make: (original: ((args: Args) => unknown) | undefined) => (args: Args) => unknown,
): void {
  const existing = tf.getKernel(name, 'wasm');
  if (existing) tf.unregisterKernel(name, 'wasm');
  const original = existing?.kernelFunc as unknown as ((args: Args) => unknown) | undefined;
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: make(original) as never });
}

/** The replaced kernel, for kernels that always have one to fall back to. */
function must<F>(original: F | undefined, name: string): F {
  if (!original) throw new Error(`the wasm backend has no ${name} kernel to fall back to`);
  return original;
}

/** Registers the native kernels on the live wasm backend (once per thread); says which, or why not. */
export function registerNativeKernels(tf: typeof tfjs, threads: number): NativeKernels {
  if (state) return state;
  const loaded = loadCpuKernels();
  if (!loaded.kernels) {
    state = { reason: loaded.reason };
    return state;
  }
  const kernels = loaded.kernels;
  replaceWasmKernel(tf, 'Conv2D', (conv2d) => (args: KernelArgs) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    if (!nativeCovers(x, filter, args.attrs)) return must(conv2d, 'Conv2D')(args);
    return convolve(tf, kernels, threads, args, undefined, false);
  });
  replaceWasmKernel(tf, 'FusedConv2D', (fused) => (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const activation = (args.attrs.activation as string | undefined) ?? 'linear';
    const covered =
      nativeCovers(x!, filter!, args.attrs) &&
      !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu') &&
      (!bias || (bias.dtype === 'float32' && bias.shape.reduce((a, b) => a * b, 1) === filter!.shape[3]));
    if (!covered) return must(fused, 'FusedConv2D')(args);
    return convolve(tf, kernels, threads, args, bias, activation === 'relu');
  });
  replaceWasmKernel(tf, 'Concat', (concat) => (args: KernelArgs) => {
    const inputs = (args.inputs as unknown as TensorInfo[]).filter((t) => t.shape.every((d) => d > 0));
    const dtype = inputs[0]?.dtype;
    if (inputs.length < 2 || !dtype || !BYTES[dtype] || inputs.some((t) => t.dtype !== dtype))
      return must(concat, 'Concat')(args);
    const shapes = inputs.map((t) => t.shape);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, shapes[0]!)[0]!;
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const out = args.backend.makeOutput(tf.backend_util.computeOutShape(shapes, axis), dtype);
    const outer = tf.util.sizeFromShape(shapes[0]!.slice(0, axis));
    // typedArrayFromHeap views float32 and int32 as such and bool as bytes: the copy is bytewise either way.
    kernels.concat(
      args.backend.typedArrayFromHeap(out),
      inputs.map((t) => args.backend.typedArrayFromHeap(t)),
      outer,
      threads,
    );
    return out;
  });
  replaceWasmKernel(tf, 'SplitV', (splitV) => (args: KernelArgs) => {
    const x = args.inputs.x!;
    if (!BYTES[x.dtype] || x.shape.some((d) => d === 0)) return must(splitV, 'SplitV')(args);
    const axis = tf.util.parseAxisParam(args.attrs.axis as number, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(
      x as never,
      args.attrs.numOrSizeSplits as number | number[],
      axis,
    ) as number[];
    const outs = sizes.map((size) => {
      const shape = [...x.shape];
      shape[axis] = size;
      return args.backend.makeOutput(shape, x.dtype);
    });
    kernels.split(
      args.backend.typedArrayFromHeap(x),
      outs.map((t) => args.backend.typedArrayFromHeap(t)),
      tf.util.sizeFromShape(x.shape.slice(0, axis)),
      threads,
    );
    return outs;
  });
  // Sum and Mean over one contiguous block of axes with some trailing axes kept (bias gradients: N, H, W; instance
  // norm's statistics: H, W per image) are sums of rows, image by image.
  for (const [name, mean] of [
    ['Sum', false],
    ['Mean', true],
  ] as const) {
    replaceWasmKernel(tf, name, (fallback) => (args: KernelArgs) => {
      const x = args.inputs.x!;
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(args.attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
      const first = axes[0] ?? 0;
      const last = axes.at(-1) ?? -1;
      const block = axes.length > 0 && axes.every((a, i) => a === first + i) && last < rank - 1;
      if (x.dtype !== 'float32' || !block || x.shape.some((d) => d === 0)) return must(fallback, name)(args);
      const shape = args.attrs.keepDims
        ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
        : x.shape.filter((_, i) => i < first || i > last);
      const out = args.backend.makeOutput(shape, 'float32');
      const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
      const rows = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
      const cols = tf.util.sizeFromShape(x.shape.slice(last + 1));
      const xs = args.backend.typedArrayFromHeap(x);
      const ys = args.backend.typedArrayFromHeap(out);
      for (let o = 0; o < outer; o++) {
        const dst = ys.subarray(o * cols, (o + 1) * cols);
        kernels.sumRows(xs.subarray(o * rows * cols, (o + 1) * rows * cols), dst, rows, threads);
        if (mean) for (let c = 0; c < cols; c++) dst[c] = dst[c]! / rows;
      }
      return out;
    });
  }
  replaceWasmKernel(tf, INSTANCE_NORM, () => (args: KernelArgs) => {
    const { x, gamma, beta } = args.inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
    const [batch, height, width, channels] = x.shape as [number, number, number, number];
    const out = args.backend.makeOutput(x.shape, 'float32');
    const heap = args.backend;
    kernels.instanceNorm(
      heap.typedArrayFromHeap(x),
      heap.typedArrayFromHeap(gamma),
      heap.typedArrayFromHeap(beta),
      heap.typedArrayFromHeap(out),
      { batch, pixels: height * width, channels },
      args.attrs.epsilon as number,
      args.attrs.slope as number,
      threads,
    );
    return out;
  });
  state = { isa: kernels.isa };
  return state;
}

const INSTANCE_NORM = 'UnwarpInstanceNorm';

/**
 * Inference-only instance norm + LeakyReLU (slope 1: none) in one kernel, where the native kernels run: gamma (x -
 * mean) / sqrt(var + eps) + beta with tf.moments' statistics over H and W. Undefined elsewhere (the caller composes
 * the ops); it has no gradient, so never inside a training step.
 */
export function fusedInstanceNorm(
  tf: typeof tfjs,
  x: tfjs.Tensor4D,
  gamma: tfjs.Tensor,
  beta: tfjs.Tensor,
  epsilon: number,
  slope: number,
): tfjs.Tensor4D | undefined {
  if (!state?.isa || tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return undefined;
  const channels = x.shape[3];
  if (gamma.size !== channels || beta.size !== channels) return undefined;
  return tf
    .engine()
    .runKernel(INSTANCE_NORM, { x, gamma, beta } as never, { epsilon, slope } as never) as tfjs.Tensor4D;
}

/**
 * Identity (tf.clone, and every tensor the engine saves for a gradient) shares the input's data, as the cpu backend
 * does: tensors are immutable and the wasm backend counts references (Reshape shares the same way). The backend's own
 * Identity copies with TypedArray.set, element by element on the threaded heap: 72 copies, 29 ms of a 310 ms training
 * step of the reference U-Net. Needs no native code.
 */
export function registerSharedIdentity(tf: typeof tfjs): void {
  if (identityShared) return;
  identityShared = true;
  replaceWasmKernel(tf, 'Identity', (identity) => (args: KernelArgs) => {
    const x = args.inputs.x!;
    if (x.dtype === 'string') return must(identity, 'Identity')(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
