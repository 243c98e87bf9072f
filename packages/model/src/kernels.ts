import { loadCpuKernels, type ResizeGeometry } from '@unwarp/cpu-kernels';
import { backendInfo, convGeometry, replaceWasmKernel, type Tf } from '@unwarp/tf';

/**
 * Gradient kernels the wasm backend lacks (Conv2DBackpropFilter) or runs slowly (Conv2DBackpropInput, ~11x a
 * forward conv). Both reduce to the backend's fast XNNPACK kernels: the filter gradient is one matrix product of an
 * im2col matrix with dy, the input gradient a forward conv of the (dilated, padded) dy with the flipped filter.
 * The copies are done in JS straight on the wasm heap: the backend's own Slice/Transpose kernels are the slow part
 * (see shared/notes/cpu-training.md). Where `@unwarp/cpu-kernels` is built, both are its native kernels instead
 * (the filter gradient without an im2col matrix, the input gradient one stride phase at a time, without dilating dy).
 */

type TensorInfo = { dataId: object; shape: number[]; dtype: string };
type WasmBackend = {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
  disposeData(dataId: object, force?: boolean): boolean;
};
type KernelArgs = { inputs: Record<string, TensorInfo>; backend: WasmBackend; attrs: Record<string, unknown> };

let registered = false;

export function registerWasmGradKernels(tf: Tf): void {
  if (registered || tf.getBackend() !== 'wasm') return;
  registered = true;
  const native = loadCpuKernels().kernels;
  const threads = Math.max(1, backendInfo()?.threads ?? 1);
  const matMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc as unknown as (a: KernelArgs) => TensorInfo;
  const conv2d = tf.getKernel('Conv2D', 'wasm')!.kernelFunc as unknown as (a: KernelArgs) => TensorInfo;
  const convInfoOf = (xShape: number[], filterShape: number[], attrs: Record<string, unknown>) => {
    if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC' && attrs.dataFormat !== 'channelsLast')
      throw new Error(`conv gradient kernels support NHWC only, got ${String(attrs.dataFormat)}`);
    return tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape as [number, number, number, number],
      attrs.strides as number | [number, number],
      1,
      attrs.pad as 'same' | 'valid' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
  };

  // Both native gradients take (a, b, out, geometry, threads) on the wasm heap.
  const nativeGrad = (
    grad: 'conv2dFilterGrad' | 'conv2dInputGrad',
    backend: WasmBackend,
    outShape: number[],
    [a, b]: [TensorInfo, TensorInfo],
    ci: ReturnType<typeof convInfoOf>,
  ) => {
    const out = backend.makeOutput(outShape, 'float32');
    native![grad](
      backend.typedArrayFromHeap(a),
      backend.typedArrayFromHeap(b),
      backend.typedArrayFromHeap(out),
      convGeometry(ci),
      threads,
    );
    return out;
  };

  replaceWasmKernel<KernelArgs>(tf, 'Conv2DBackpropFilter', () => (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const backend = args.backend;
    const filterShape = args.attrs.filterShape as number[];
    const ci = convInfoOf(x.shape, filterShape, args.attrs);
    if (native) return nativeGrad('conv2dFilterGrad', backend, filterShape, [x, dy], ci);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = ci;
    const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, outChannels: CO } = ci;
    const top = ci.padInfo.top;
    const left = ci.padInfo.left;
    const M = N * Ho * Wo;
    const K = KH * KW * C;
    const colT = backend.makeOutput([1, K, M], 'float32');
    // Views after every allocation: growing the heap detaches older views.
    const xs = backend.typedArrayFromHeap(x);
    const col = backend.typedArrayFromHeap(colT);
    for (let ky = 0; ky < KH; ky++) {
      for (let kx = 0; kx < KW; kx++) {
        for (let c = 0; c < C; c++) {
          let o = ((ky * KW + kx) * C + c) * M;
          for (let n = 0; n < N; n++) {
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * SH - top + ky;
              if (iy < 0 || iy >= H) {
                col.fill(0, o, o + Wo);
                o += Wo;
                continue;
              }
              const rowBase = (n * H + iy) * W;
              for (let ox = 0; ox < Wo; ox++) {
                const ix = ox * SW - left + kx;
                col[o++] = ix >= 0 && ix < W ? xs[(rowBase + ix) * C + c]! : 0;
              }
            }
          }
        }
      }
    }
    const out = matMul({
      inputs: { a: colT, b: { dataId: dy.dataId, shape: [1, M, CO], dtype: 'float32' } },
      backend,
      attrs: { transposeA: false, transposeB: false },
    });
    backend.disposeData(colT.dataId);
    return { dataId: out.dataId, shape: filterShape, dtype: 'float32' };
  });

  // The built-in one works but is slow; replace it.
  replaceWasmKernel<KernelArgs>(tf, 'Conv2DBackpropInput', () => (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const backend = args.backend;
    const inputShape = args.attrs.inputShape as number[];
    const ci = convInfoOf(inputShape, filter.shape, args.attrs);
    if (native) return nativeGrad('conv2dInputGrad', backend, inputShape, [dy, filter], ci);
    const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: Ho, outWidth: Wo } = ci;
    const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, outChannels: CO } = ci;
    // dx = valid correlation of P with the flipped filter, P = dy dilated by the stride and padded so that
    // P has (H + KH - 1) x (W + KW - 1) pixels.
    const padTop = KH - 1 - ci.padInfo.top;
    const padLeft = KW - 1 - ci.padInfo.left;
    const HP = H + KH - 1;
    const WP = W + KW - 1;
    const padded = backend.makeOutput([N, HP, WP, CO], 'float32');
    const flipped = backend.makeOutput([KH, KW, CO, C], 'float32');
    const P = backend.typedArrayFromHeap(padded);
    const F = backend.typedArrayFromHeap(flipped);
    const dys = backend.typedArrayFromHeap(dy);
    const fs = backend.typedArrayFromHeap(filter);
    P.fill(0);
    for (let n = 0; n < N; n++) {
      for (let oy = 0; oy < Ho; oy++) {
        const py = oy * SH + padTop;
        if (py < 0 || py >= HP) continue;
        for (let ox = 0; ox < Wo; ox++) {
          const px = ox * SW + padLeft;
          if (px < 0 || px >= WP) continue;
          const src = ((n * Ho + oy) * Wo + ox) * CO;
          P.set(dys.subarray(src, src + CO), ((n * HP + py) * WP + px) * CO);
        }
      }
    }
    for (let ky = 0; ky < KH; ky++)
      for (let kx = 0; kx < KW; kx++)
        for (let c = 0; c < C; c++)
          for (let o = 0; o < CO; o++)
            F[((ky * KW + kx) * CO + o) * C + c] = fs[(((KH - 1 - ky) * KW + (KW - 1 - kx)) * C + c) * CO + o]!;
    const out = conv2d({
      inputs: { x: padded, filter: flipped },
      backend,
      attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    });
    backend.disposeData(padded.dataId);
    backend.disposeData(flipped.dataId);
    return out;
  });

  // tfjs's ResizeBilinearGrad (cpu and wasm alike) ignores halfPixelCenters: for the half-pixel 2x upsampling of the
  // decoder and of the flow it is not the forward's transpose (<resize(x), dy> ≠ <x, grad>; off by 80% on a random
  // 6x6 case). Replaced by the exact adjoint: native where built, else the same loop in JS.
  replaceWasmKernel<KernelArgs>(tf, 'ResizeBilinearGrad', () => (args) => {
    const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
    const backend = args.backend;
    const [batch, inHeight, inWidth, channels] = images.shape as [number, number, number, number];
    const r = {
      batch,
      inHeight,
      inWidth,
      outHeight: dy.shape[1]!,
      outWidth: dy.shape[2]!,
      channels,
      alignCorners: Boolean(args.attrs.alignCorners),
      halfPixelCenters: Boolean(args.attrs.halfPixelCenters),
    };
    const out = backend.makeOutput(images.shape, 'float32');
    const dys = backend.typedArrayFromHeap(dy);
    const dx = backend.typedArrayFromHeap(out);
    if (native) native.resizeBilinearGrad(dys, dx, r, threads);
    else resizeBilinearGradJs(dys, dx, r);
    return out;
  });
}

/** Source rows (or columns) of each output one in tfjs's forward bilinear resize, and the weight of the second. */
function resizeTaps(inSize: number, outSize: number, alignCorners: boolean, halfPixel: boolean) {
  const ratio = alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  return Array.from({ length: outSize }, (_, o) => {
    const src = halfPixel ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const lo = Math.max(0, Math.floor(src));
    return { lo, hi: Math.min(inSize - 1, Math.ceil(src)), frac: src - lo };
  });
}

/** The transpose of tfjs's bilinear resize, applied to dy (the native kernel's fallback, same loop). */
function resizeBilinearGradJs(dy: Float32Array, dx: Float32Array, r: ResizeGeometry): void {
  const { batch: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW, channels: C } = r;
  const rows = resizeTaps(H, OH, r.alignCorners, r.halfPixelCenters);
  const cols = resizeTaps(W, OW, r.alignCorners, r.halfPixelCenters);
  dx.fill(0);
  for (let n = 0; n < N; n++)
    for (let y = 0; y < OH; y++) {
      const ry = rows[y]!;
      const top = (n * H + ry.lo) * W;
      const bottom = (n * H + ry.hi) * W;
      for (let x = 0; x < OW; x++) {
        const rx = cols[x]!;
        const d = ((n * OH + y) * OW + x) * C;
        const tl = (top + rx.lo) * C;
        const tr = (top + rx.hi) * C;
        const bl = (bottom + rx.lo) * C;
        const br = (bottom + rx.hi) * C;
        const wtl = (1 - ry.frac) * (1 - rx.frac);
        const wtr = (1 - ry.frac) * rx.frac;
        const wbl = ry.frac * (1 - rx.frac);
        const wbr = ry.frac * rx.frac;
        for (let k = 0; k < C; k++) {
          // One corner at a time: at the borders two corners can be the same pixel.
          const g = dy[d + k]!;
          dx[tl + k] = dx[tl + k]! + g * wtl;
          dx[tr + k] = dx[tr + k]! + g * wtr;
          dx[bl + k] = dx[bl + k]! + g * wbl;
          dx[br + k] = dx[br + k]! + g * wbr;
        }
      }
    }
}
