import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { binaryPath, currentStamp, readStamp, sameStamp } from './stamp.ts';

export { binaryPath } from './stamp.ts';

/** One NHWC convolution: input N x H x W x CI, filter KH x KW x CI x CO (HWIO), output N x HO x WO x CO. */
export type ConvGeometry = {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  filterHeight: number;
  filterWidth: number;
  outChannels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  /** Zero rows above and columns left of the input (bottom/right follow from the output size). */
  padTop: number;
  padLeft: number;
};

/** A bilinear resize of N x inHeight x inWidth x channels images to outHeight x outWidth. */
export type ResizeGeometry = {
  batch: number;
  inHeight: number;
  inWidth: number;
  outHeight: number;
  outWidth: number;
  channels: number;
  alignCorners: boolean;
  halfPixelCenters: boolean;
};

export type CpuKernels = {
  /** Instruction set the binary was compiled for: `avx512`, `avx2` or `generic`. */
  isa: string;
  /** y = conv(x, filter) + bias, then ReLU if asked; y is written in place. */
  conv2d(
    x: Float32Array,
    filter: Float32Array,
    bias: Float32Array | null,
    y: Float32Array,
    g: ConvGeometry,
    relu: boolean,
    threads: number,
  ): void;
  /** dx = the input gradient of conv(x, filter) given dy (g is the forward conv's geometry); written in place. */
  conv2dInputGrad(dy: Float32Array, filter: Float32Array, dx: Float32Array, g: ConvGeometry, threads: number): void;
  /** dFilter = the filter gradient of conv(x, filter) given dy; written in place. */
  conv2dFilterGrad(x: Float32Array, dy: Float32Array, dFilter: Float32Array, g: ConvGeometry, threads: number): void;
  /** Each input holds `outer` rows; out gets their rows side by side (a concat along one axis). Any typed arrays. */
  concat(out: ArrayBufferView, inputs: ArrayBufferView[], outer: number, threads: number): void;
  /** The inverse of concat: the input's `outer` rows cut into the outputs' rows. */
  split(input: ArrayBufferView, outputs: ArrayBufferView[], outer: number, threads: number): void;
  /**
   * dx (N x H x W x C) = the exact adjoint of tfjs's bilinear resize to OH x OW (its alignCorners / halfPixelCenters
   * formula) applied to dy (N x OH x OW x C).
   */
  resizeBilinearGrad(dy: Float32Array, dx: Float32Array, r: ResizeGeometry, threads: number): void;
  /**
   * out = LeakyReLU_slope(gamma (x - mean) / sqrt(var + eps) + beta) with mean and var per image and channel over
   * its pixels (x: N x pixels x C); slope 1 leaves out the activation.
   */
  instanceNorm(
    x: Float32Array,
    gamma: Float32Array,
    beta: Float32Array,
    out: Float32Array,
    dims: { batch: number; pixels: number; channels: number },
    eps: number,
    slope: number,
    threads: number,
  ): void;
  /** out[c] = the sum over `rows` rows of x (rows x out.length), e.g. a bias gradient. */
  sumRows(x: Float32Array, out: Float32Array, rows: number, threads: number): void;
};

type Addon = {
  isa: string;
  conv2d(...args: unknown[]): void;
  conv2dFilterGrad(...args: unknown[]): void;
  conv2dInputGrad(...args: unknown[]): void;
  concat(...args: unknown[]): void;
  split(...args: unknown[]): void;
  sumRows(...args: unknown[]): void;
  resizeBilinearGrad(...args: unknown[]): void;
  instanceNorm(...args: unknown[]): void;
};

export type LoadResult = { kernels: CpuKernels; reason?: undefined } | { kernels?: undefined; reason: string };

let loaded: LoadResult | undefined;

function packGeometry(g: ConvGeometry): Int32Array {
  return Int32Array.of(
    g.batch,
    g.inHeight,
    g.inWidth,
    g.inChannels,
    g.filterHeight,
    g.filterWidth,
    g.outChannels,
    g.outHeight,
    g.outWidth,
    g.strideHeight,
    g.strideWidth,
    g.dilationHeight,
    g.dilationWidth,
    g.padTop,
    g.padLeft,
  );
}

/**
 * The native kernels if they were built for this CPU and source (`npm run compile -w @unwarp/cpu-kernels`, run by
 * `npm ci`), else why not. `UNWARP_NATIVE_KERNELS=0` turns them off. Loaded once per thread.
 */
export function loadCpuKernels(): LoadResult {
  // Read on every call (the load itself is cached): a benchmark starts the backend with them off, then times them.
  if (process.env.UNWARP_NATIVE_KERNELS === '0') return { reason: 'turned off by UNWARP_NATIVE_KERNELS=0' };
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): LoadResult {
  const rebuild = 'run `npm run compile -w @unwarp/cpu-kernels`';
  if (!existsSync(binaryPath)) return { reason: `not built: ${rebuild}` };
  const stamp = readStamp();
  if (!stamp || !sameStamp(stamp, currentStamp()))
    return { reason: `built for another CPU or an older source: ${rebuild}` };
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(binaryPath) as Addon;
  } catch (err) {
    return { reason: `${binaryPath} does not load: ${err instanceof Error ? err.message.split('\n')[0] : err}` };
  }
  return {
    kernels: {
      isa: addon.isa,
      conv2d: (x, filter, bias, y, g, relu, threads) =>
        addon.conv2d(x, filter, bias, y, packGeometry(g), relu, threads),
      conv2dInputGrad: (dy, filter, dx, g, threads) => addon.conv2dInputGrad(dy, filter, dx, packGeometry(g), threads),
      conv2dFilterGrad: (x, dy, dFilter, g, threads) =>
        addon.conv2dFilterGrad(x, dy, dFilter, packGeometry(g), threads),
      concat: (out, inputs, outer, threads) => addon.concat(out, inputs, outer, threads),
      split: (input, outputs, outer, threads) => addon.split(input, outputs, outer, threads),
      sumRows: (x, out, rows, threads) => addon.sumRows(x, out, rows, threads),
      instanceNorm: (x, gamma, beta, out, d, eps, slope, threads) =>
        addon.instanceNorm(x, gamma, beta, out, Int32Array.of(d.batch, d.pixels, d.channels), eps, slope, threads),
      resizeBilinearGrad: (dy, dx, r, threads) =>
        addon.resizeBilinearGrad(
          dy,
          dx,
          Int32Array.of(
            r.batch,
            r.inHeight,
            r.inWidth,
            r.outHeight,
            r.outWidth,
            r.channels,
            r.alignCorners ? 1 : 0,
            r.halfPixelCenters ? 1 : 0,
          ),
          threads,
        ),
    },
  };
}
