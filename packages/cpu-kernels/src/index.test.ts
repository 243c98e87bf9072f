import { describe, expect, it } from 'vitest';
import { type ConvGeometry, loadCpuKernels } from './index.ts';

// Turned off on purpose (UNWARP_NATIVE_KERNELS=0): nothing to test. Otherwise a missing build is a failure.
const off = process.env.UNWARP_NATIVE_KERNELS === '0';

function geometry(
  n: number,
  h: number,
  w: number,
  ci: number,
  k: number,
  co: number,
  stride: number,
  dilation: number,
  pad: 'same' | 'valid',
): ConvGeometry {
  const span = (k - 1) * dilation + 1;
  const outOf = (size: number) => (pad === 'same' ? Math.ceil(size / stride) : Math.floor((size - span) / stride) + 1);
  const padOf = (size: number, out: number) =>
    pad === 'same' ? Math.floor(Math.max(0, (out - 1) * stride + span - size) / 2) : 0;
  const outHeight = outOf(h);
  const outWidth = outOf(w);
  return {
    batch: n,
    inHeight: h,
    inWidth: w,
    inChannels: ci,
    filterHeight: k,
    filterWidth: k,
    outChannels: co,
    outHeight,
    outWidth,
    strideHeight: stride,
    strideWidth: stride,
    dilationHeight: dilation,
    dilationWidth: dilation,
    padTop: padOf(h, outHeight),
    padLeft: padOf(w, outWidth),
  };
}

function random(size: number, seed: number): Float32Array {
  const a = new Float32Array(size);
  let s = seed;
  for (let i = 0; i < size; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

// Input pixel feeding output (oy, ox) through tap (ky, kx), or -1 in the zero padding.
function tapIndex(g: ConvGeometry, n: number, oy: number, ox: number, ky: number, kx: number): number {
  const iy = oy * g.strideHeight - g.padTop + ky * g.dilationHeight;
  const ix = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth;
  if (iy < 0 || iy >= g.inHeight || ix < 0 || ix >= g.inWidth) return -1;
  return ((n * g.inHeight + iy) * g.inWidth + ix) * g.inChannels;
}

function referenceConv(g: ConvGeometry, x: Float32Array, f: Float32Array, bias: Float32Array | null, relu: boolean) {
  const y = new Float32Array(g.batch * g.outHeight * g.outWidth * g.outChannels);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let co = 0; co < g.outChannels; co++) {
          let s = bias ? bias[co]! : 0;
          for (let ky = 0; ky < g.filterHeight; ky++)
            for (let kx = 0; kx < g.filterWidth; kx++) {
              const at = tapIndex(g, n, oy, ox, ky, kx);
              if (at < 0) continue;
              for (let ci = 0; ci < g.inChannels; ci++)
                s += x[at + ci]! * f[((ky * g.filterWidth + kx) * g.inChannels + ci) * g.outChannels + co]!;
            }
          y[((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co] = relu ? Math.max(0, s) : s;
        }
  return y;
}

function referenceFilterGrad(g: ConvGeometry, x: Float32Array, dy: Float32Array) {
  const dw = new Float32Array(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let ky = 0; ky < g.filterHeight; ky++)
          for (let kx = 0; kx < g.filterWidth; kx++) {
            const at = tapIndex(g, n, oy, ox, ky, kx);
            if (at < 0) continue;
            const d = ((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels;
            for (let ci = 0; ci < g.inChannels; ci++)
              for (let co = 0; co < g.outChannels; co++)
                dw[((ky * g.filterWidth + kx) * g.inChannels + ci) * g.outChannels + co]! += x[at + ci]! * dy[d + co]!;
          }
  return dw;
}

function referenceInputGrad(g: ConvGeometry, dy: Float32Array, f: Float32Array) {
  const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  for (let n = 0; n < g.batch; n++)
    for (let oy = 0; oy < g.outHeight; oy++)
      for (let ox = 0; ox < g.outWidth; ox++)
        for (let ky = 0; ky < g.filterHeight; ky++)
          for (let kx = 0; kx < g.filterWidth; kx++) {
            const at = tapIndex(g, n, oy, ox, ky, kx);
            if (at < 0) continue;
            const d = ((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels;
            for (let ci = 0; ci < g.inChannels; ci++)
              for (let co = 0; co < g.outChannels; co++)
                dx[at + ci]! += dy[d + co]! * f[((ky * g.filterWidth + kx) * g.inChannels + ci) * g.outChannels + co]!;
          }
  return dx;
}

// tfjs's forward bilinear resize (cpu backend's formula), for the adjoint test.
function referenceResize(
  x: Float32Array,
  [n, h, w, c]: [number, number, number, number],
  oh: number,
  ow: number,
  alignCorners: boolean,
  halfPixel: boolean,
) {
  const ratio = (i: number, o: number) => (alignCorners && o > 1 ? (i - 1) / (o - 1) : i / o);
  const src = (o: number, r: number) => (halfPixel ? r * (o + 0.5) - 0.5 : r * o);
  const y = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let r = 0; r < oh; r++) {
      const sr = src(r, ratio(h, oh));
      const r0 = Math.max(0, Math.floor(sr));
      const r1 = Math.min(h - 1, Math.ceil(sr));
      for (let q = 0; q < ow; q++) {
        const sq = src(q, ratio(w, ow));
        const q0 = Math.max(0, Math.floor(sq));
        const q1 = Math.min(w - 1, Math.ceil(sq));
        for (let k = 0; k < c; k++) {
          const at = (yy: number, xx: number) => x[((b * h + yy) * w + xx) * c + k]!;
          const top = at(r0, q0) + (at(r0, q1) - at(r0, q0)) * (sq - q0);
          const bottom = at(r1, q0) + (at(r1, q1) - at(r1, q0)) * (sq - q0);
          y[((b * oh + r) * ow + q) * c + k] = top + (bottom - top) * (sr - r0);
        }
      }
    }
  return y;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return worst;
}

// [batch, height, width, in, kernel, out, stride, dilation, pad]: channel counts off the 16-wide vectors, strides,
// dilation, both paddings, odd sizes, a 1x1 filter.
const CASES: [number, number, number, number, number, number, number, number, 'same' | 'valid'][] = [
  [1, 9, 11, 3, 3, 16, 1, 1, 'same'],
  [2, 12, 7, 16, 3, 12, 2, 1, 'same'],
  [1, 13, 10, 5, 3, 33, 1, 1, 'valid'],
  [1, 17, 19, 8, 3, 2, 2, 1, 'valid'],
  [2, 10, 10, 12, 3, 64, 1, 2, 'same'],
  [1, 8, 9, 20, 1, 24, 1, 1, 'same'],
  [1, 30, 30, 2, 5, 48, 2, 1, 'same'],
  [3, 6, 6, 1, 3, 1, 1, 1, 'same'],
];

describe.skipIf(off)('native convolutions', () => {
  const loaded = loadCpuKernels();

  it('are built and load here', () => {
    expect(loaded.reason).toBeUndefined();
    expect(['avx512', 'avx2', 'generic']).toContain(loaded.kernels!.isa);
  });

  it.each(CASES)('forward %ix%ix%ix%i k%i -> %i, stride %i, dilation %i, %s: matches the direct sum', (...c) => {
    const k = loaded.kernels!;
    const g = geometry(...c);
    const x = random(g.batch * g.inHeight * g.inWidth * g.inChannels, 1);
    const f = random(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, 2);
    const bias = random(g.outChannels, 3);
    for (const [b, relu] of [
      [null, false],
      [bias, true],
    ] as const) {
      const want = referenceConv(g, x, f, b, relu);
      for (const threads of [1, 2]) {
        const y = new Float32Array(want.length).fill(Number.NaN);
        k.conv2d(x, f, b, y, g, relu, threads);
        expect(maxRelError(y, want)).toBeLessThan(1e-5);
      }
    }
  });

  it.each(CASES)(
    'filter gradient %ix%ix%ix%i k%i -> %i, stride %i, dilation %i, %s: matches the direct sum',
    (...c) => {
      const k = loaded.kernels!;
      const g = geometry(...c);
      const x = random(g.batch * g.inHeight * g.inWidth * g.inChannels, 4);
      const dy = random(g.batch * g.outHeight * g.outWidth * g.outChannels, 5);
      const want = referenceFilterGrad(g, x, dy);
      for (const threads of [1, 2]) {
        const dw = new Float32Array(want.length).fill(Number.NaN);
        k.conv2dFilterGrad(x, dy, dw, g, threads);
        expect(maxRelError(dw, want)).toBeLessThan(1e-5);
      }
    },
  );

  it.each([
    ...CASES,
    // Strides past the filter (phases no tap reaches), 3 and 4, odd and even sizes.
    [1, 11, 10, 8, 1, 16, 2, 1, 'same'],
    [2, 13, 14, 4, 3, 20, 3, 1, 'same'],
    [1, 16, 17, 3, 3, 8, 4, 1, 'valid'],
    [1, 15, 15, 16, 2, 16, 2, 1, 'same'],
  ] as typeof CASES)(
    'input gradient %ix%ix%ix%i k%i -> %i, stride %i, dilation %i, %s: matches the direct sum',
    (...c) => {
      const k = loaded.kernels!;
      const g = geometry(...c);
      const dy = random(g.batch * g.outHeight * g.outWidth * g.outChannels, 14);
      const f = random(g.filterHeight * g.filterWidth * g.inChannels * g.outChannels, 15);
      const want = referenceInputGrad(g, dy, f);
      for (const threads of [1, 2]) {
        const dx = new Float32Array(want.length).fill(Number.NaN);
        k.conv2dInputGrad(dy, f, dx, g, threads);
        expect(maxRelError(dx, want)).toBeLessThan(1e-5);
      }
    },
  );

  it('splits a large convolution over threads with the same result', () => {
    const k = loaded.kernels!;
    const g = geometry(2, 64, 70, 16, 3, 32, 1, 1, 'same');
    const x = random(g.batch * g.inHeight * g.inWidth * g.inChannels, 6);
    const f = random(9 * 16 * 32, 7);
    const one = new Float32Array(g.batch * g.outHeight * g.outWidth * 32);
    const two = new Float32Array(one.length);
    k.conv2d(x, f, null, one, g, false, 1);
    k.conv2d(x, f, null, two, g, false, 2);
    // Each output pixel is summed in the same order whichever thread computes it: bit for bit equal.
    expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
  });

  it('concatenates rows of any typed arrays, and refuses sizes that do not add up', () => {
    const k = loaded.kernels!;
    const a = Float32Array.of(1, 2, 3, 4, 5, 6); // 3 rows of 2
    const b = Float32Array.of(7, 8, 9); // 3 rows of 1
    const out = new Float32Array(9);
    k.concat(out, [a, b], 3, 2);
    expect(Array.from(out)).toEqual([1, 2, 7, 3, 4, 8, 5, 6, 9]);
    const big = [random(3000 * 40, 8), random(3000 * 24, 9)];
    const joined = new Float32Array(3000 * 64);
    k.concat(joined, big, 3000, 2);
    expect(joined[2999 * 64 + 40]).toBe(big[1]![2999 * 24]);
    expect(joined[2999 * 64 + 39]).toBe(big[0]![2999 * 40 + 39]);
    const ints = new Int32Array(4);
    k.concat(ints, [Int32Array.of(1, 2), Int32Array.of(3, 4)], 2, 1);
    expect(Array.from(ints)).toEqual([1, 3, 2, 4]);
    expect(() => k.concat(new Float32Array(8), [a, b], 3, 1)).toThrow(/not the inputs' sizes added/);
    expect(() => k.concat(out, [a, b], 5, 1)).toThrow(/not a multiple of outer/);
  });

  it('splits rows back into what concat joined', () => {
    const k = loaded.kernels!;
    const parts = [random(5000 * 16, 10), random(5000 * 48, 11), random(5000 * 3, 12)];
    const joined = new Float32Array(5000 * 67);
    k.concat(joined, parts, 5000, 2);
    const back = parts.map((p) => new Float32Array(p.length));
    k.split(joined, back, 5000, 2);
    for (const [i, p] of parts.entries()) expect(Buffer.from(back[i]!.buffer).equals(Buffer.from(p.buffer))).toBe(true);
    expect(() => k.split(joined, [new Float32Array(5000)], 5000, 1)).toThrow(/not the outputs' sizes added/);
  });

  it('sums rows (over 10^5 of them, on both threads) as a double-precision loop does', () => {
    const k = loaded.kernels!;
    for (const [rows, cols] of [
      [1, 5],
      [7, 16],
      [131072, 16],
      [4096, 33],
    ] as const) {
      const x = random(rows * cols, 13);
      const want = new Float64Array(cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) want[c]! += x[r * cols + c]!;
      const out = new Float32Array(cols);
      k.sumRows(x, out, rows, 2);
      for (let c = 0; c < cols; c++) expect(Math.abs(out[c]! - want[c]!)).toBeLessThan(1e-4 * (1 + Math.abs(want[c]!)));
    }
    expect(() => k.sumRows(new Float32Array(10), new Float32Array(4), 3, 1)).toThrow(/x holds 10 floats/);
  });

  it.each([
    [2, 6, 7, 3, 12, 14, false, true],
    [1, 8, 8, 16, 16, 16, false, true],
    [1, 5, 9, 2, 10, 18, false, false],
    [2, 7, 6, 4, 13, 11, true, false],
    [1, 12, 10, 3, 5, 4, false, true],
    [3, 4, 4, 1, 9, 7, true, true],
  ] as const)(
    'bilinear resize gradient %ix%ix%ix%i -> %ix%i (alignCorners %s, halfPixel %s) is the exact adjoint',
    (n, h, w, c, oh, ow, align, half) => {
      const k = loaded.kernels!;
      const x = random(n * h * w * c, 16);
      const dy = random(n * oh * ow * c, 17);
      const dx = new Float32Array(x.length).fill(Number.NaN);
      const r = { batch: n, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, channels: c };
      k.resizeBilinearGrad(dy, dx, { ...r, alignCorners: align, halfPixelCenters: half }, 2);
      // <resize(x), dy> = <x, resize^T(dy)>, for random x: the gradient is the forward's transpose.
      const lhs = dot(referenceResize(x, [n, h, w, c], oh, ow, align, half), dy);
      expect(Math.abs(lhs - dot(x, dx))).toBeLessThan(1e-4 * (1 + Math.abs(lhs)));
      // And per element, against the transpose of a one-hot dy.
      const one = new Float32Array(dy.length);
      one[Math.floor(dy.length / 3)] = 1;
      k.resizeBilinearGrad(one, dx, { ...r, alignCorners: align, halfPixelCenters: half }, 1);
      const probe = random(x.length, 18);
      expect(dot(probe, dx)).toBeCloseTo(
        referenceResize(probe, [n, h, w, c], oh, ow, align, half)[Math.floor(dy.length / 3)]!,
        5,
      );
    },
  );

  it('normalises each image and channel over its pixels (instance norm) and applies the leaky ReLU', () => {
    const k = loaded.kernels!;
    for (const [n, pixels, c, slope] of [
      [2, 37, 5, 0.1],
      [1, 160 * 160, 24, 1],
      [3, 1000, 16, 0],
    ] as const) {
      const x = random(n * pixels * c, 19).map((v, i) => v * 3 + (i % c)); // channel means well off zero
      const gamma = random(c, 20);
      const beta = random(c, 21);
      const out = new Float32Array(x.length).fill(Number.NaN);
      k.instanceNorm(x, gamma, beta, out, { batch: n, pixels, channels: c }, 1e-3, slope, 2);
      let worst = 0;
      for (let b = 0; b < n; b++)
        for (let ch = 0; ch < c; ch++) {
          let mean = 0;
          for (let p = 0; p < pixels; p++) mean += x[(b * pixels + p) * c + ch]!;
          mean /= pixels;
          let v = 0;
          for (let p = 0; p < pixels; p++) v += (x[(b * pixels + p) * c + ch]! - mean) ** 2;
          v /= pixels;
          for (let p = 0; p < pixels; p++) {
            const i = (b * pixels + p) * c + ch;
            const y = (gamma[ch]! * (x[i]! - mean)) / Math.sqrt(v + 1e-3) + beta[ch]!;
            worst = Math.max(worst, Math.abs(out[i]! - (y < 0 ? y * slope : y)));
          }
        }
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('refuses arrays that do not fit the geometry, with a clear error', () => {
    const k = loaded.kernels!;
    const g = geometry(1, 8, 8, 4, 3, 8, 1, 1, 'same');
    const x = new Float32Array(8 * 8 * 4);
    const f = new Float32Array(9 * 4 * 8);
    expect(() => k.conv2d(x.subarray(1), f, null, new Float32Array(8 * 8 * 8), g, false, 1)).toThrow(
      /x holds 255 floats, the geometry needs 256/,
    );
    expect(() => k.conv2d(x, new Float64Array(9 * 4 * 8) as never, null, new Float32Array(512), g, false, 1)).toThrow(
      /filter must be a Float32Array/,
    );
    expect(() => k.conv2d(x, f, null, new Float32Array(512), { ...g, strideHeight: 0 }, false, 1)).toThrow(
      /non-positive/,
    );
  });
});
