// Convolutions for the wasm backend, in native code: NHWC float32, 3x3-style direct convolution with register
// blocking (output pixels x 16-wide output-channel vectors). Built for the host's own CPU (-march=native), so the
// compiler uses AVX-512 or AVX2 with FMA, which XNNPACK's wasm build (128-bit SIMD, no FMA) cannot.
// Callers pass Float32Arrays (the wasm backend's heap views); nothing here allocates JS objects.
#include <node_api.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

typedef float v16 __attribute__((vector_size(64), aligned(4)));
constexpr int kLanes = 16;

struct Geometry {
  int N, H, W, CI, KH, KW, CO, HO, WO, SH, SW, DH, DW, PT, PL;
  // Where output (oy, ox) is stored: row OY0 + oy * OSY, column OX0 + ox * OSX of an OHT x OWT image. The identity
  // map for a plain conv; the input gradient writes each stride phase into every SH-th row and SW-th column.
  int OY0 = 0, OX0 = 0, OSY = 1, OSX = 1, OHT = 0, OWT = 0;
};

// Splits [0, count) over `threads` threads (the calling one included).
template <typename F>
void parallelFor(int threads, int count, F fn) {
  threads = std::max(1, std::min(threads, count));
  if (threads == 1) {
    fn(0, 0, count);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; t++) pool.emplace_back(fn, t, count * t / threads, count * (t + 1) / threads);
  fn(0, 0, count / threads);
  for (auto& th : pool) th.join();
}

Geometry geometryOf(const int32_t* d) {
  Geometry g{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  g.OHT = g.HO;
  g.OWT = g.WO;
  return g;
}

// Copies rows of `cols` floats into rows of `padded` floats (zero tail): whole vectors never read past a row.
const float* padChannels(const float* src, size_t rows, int cols, int padded, std::vector<float>& buf) {
  if (buf.size() < rows * padded) buf.resize(rows * padded);
  for (size_t r = 0; r < rows; r++) {
    std::memcpy(&buf[r * padded], src + r * cols, cols * 4);
    std::memset(&buf[r * padded + cols], 0, (padded - cols) * 4);
  }
  return buf.data();
}

inline void storeLanes(float* dst, v16 v, int lanes) {
  if (lanes >= kLanes) {
    std::memcpy(dst, &v, sizeof v);
  } else {
    float t[kLanes];
    std::memcpy(t, &v, sizeof v);
    std::memcpy(dst, t, lanes * 4);
  }
}

// Output columns [lo, hi) whose every tap lands inside the input: they need no bounds checks.
inline void interiorColumns(const Geometry& g, int* lo, int* hi) {
  *lo = g.PL <= 0 ? 0 : std::min(g.WO, (g.PL + g.SW - 1) / g.SW);
  const int last = g.W - 1 - (g.KW - 1) * g.DW + g.PL;  // the largest ox * SW that stays inside
  *hi = last < 0 ? *lo : std::max(*lo, std::min(g.WO, last / g.SW + 1));
}

// Pointers to the input rows feeding output row (n, oy), one per filter row; null where the row is padding.
inline void tapRows(const Geometry& g, const float* x, int n, int oy, const float** rows) {
  for (int ky = 0; ky < g.KH; ky++) {
    const int iy = oy * g.SH - g.PT + ky * g.DH;
    rows[ky] = iy < 0 || iy >= g.H ? nullptr : x + ((size_t)(n * g.H + iy) * g.W) * g.CI;
  }
}

// y[n, oy, ox0 .. ox0+PX, co0 .. co0+NV*16] of a forward conv. CHECKED: taps may fall outside the input (columns).
template <int PX, int NV, bool CHECKED>
inline void forwardTile(const Geometry& g, const float* const* rows, const float* wp, int COP, const float* biasp,
                        bool relu, int oy, int ox0, int co0, float* yrow) {
  v16 acc[PX][NV];
#pragma GCC unroll 32
  for (int p = 0; p < PX; p++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[p][v] = biasp ? *(const v16*)(biasp + co0 + v * kLanes) : v16{};
  const size_t pixelStep = (size_t)g.SW * g.CI;
  for (int ky = 0; ky < g.KH; ky++) {
    if (!rows[ky]) continue;
    for (int kx = 0; kx < g.KW; kx++) {
      const int ix = ox0 * g.SW - g.PL + kx * g.DW;
      if (CHECKED && (ix < 0 || ix >= g.W)) continue;  // CHECKED tiles are one pixel wide
      const float* xb = rows[ky] + (ptrdiff_t)ix * g.CI;
      const float* wb = wp + ((size_t)(ky * g.KW + kx) * g.CI) * COP + co0;
      for (int ci = 0; ci < g.CI; ci++) {
        v16 wv[NV];
#pragma GCC unroll 8
        for (int v = 0; v < NV; v++) wv[v] = *(const v16*)(wb + (size_t)ci * COP + v * kLanes);
#pragma GCC unroll 32
        for (int p = 0; p < PX; p++) {
          float xs = xb[p * pixelStep + ci];
#pragma GCC unroll 8
          for (int v = 0; v < NV; v++) acc[p][v] += xs * wv[v];
        }
      }
    }
  }
  const size_t outStep = (size_t)g.OSX * g.CO;
  float* yo = yrow + (size_t)ox0 * outStep;
#pragma GCC unroll 32
  for (int p = 0; p < PX; p++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      v16 a = acc[p][v];
      if (relu) a = a > v16{} ? a : v16{};
      storeLanes(yo + p * outStep + co0 + v * kLanes, a, g.CO - co0 - v * kLanes);
    }
}

template <int PX, int NV>
void forwardRow(const Geometry& g, const float* x, const float* wp, int COP, const float* biasp, bool relu, int n,
                int oy, int co0, float* y) {
  const float* rows[16];
  tapRows(g, x, n, oy, rows);
  float* yrow = y + ((size_t)(n * g.OHT + g.OY0 + oy * g.OSY) * g.OWT + g.OX0) * g.CO;
  int lo, hi;
  interiorColumns(g, &lo, &hi);
  for (int ox = 0; ox < lo; ox++) forwardTile<1, NV, true>(g, rows, wp, COP, biasp, relu, oy, ox, co0, yrow);
  int ox = lo;
  for (; ox + PX <= hi; ox += PX) forwardTile<PX, NV, false>(g, rows, wp, COP, biasp, relu, oy, ox, co0, yrow);
  for (; ox < hi; ox++) forwardTile<1, NV, false>(g, rows, wp, COP, biasp, relu, oy, ox, co0, yrow);
  for (; ox < g.WO; ox++) forwardTile<1, NV, true>(g, rows, wp, COP, biasp, relu, oy, ox, co0, yrow);
}

void conv2dForward(const Geometry& g, const float* x, const float* w, const float* bias, bool relu, float* y,
                   int threads) {
  const int COP = (g.CO + kLanes - 1) / kLanes * kLanes;
  static thread_local std::vector<float> wbuf, bbuf;
  const float* wp = padChannels(w, (size_t)g.KH * g.KW * g.CI, g.CO, COP, wbuf);
  const float* biasp = bias ? padChannels(bias, 1, g.CO, COP, bbuf) : nullptr;
  const double flops = 2.0 * g.N * g.HO * g.WO * g.CO * g.KH * g.KW * g.CI;
  // A thread costs tens of microseconds to start: small convs run on one.
  if (flops < 4e6) threads = 1;
  const int vectors = COP / kLanes;
  parallelFor(threads, g.N * g.HO, [&](int, int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      int n = r / g.HO, oy = r % g.HO, v = 0;
      for (; v + 4 <= vectors; v += 4) forwardRow<6, 4>(g, x, wp, COP, biasp, relu, n, oy, v * kLanes, y);
      for (; v + 2 <= vectors; v += 2) forwardRow<12, 2>(g, x, wp, COP, biasp, relu, n, oy, v * kLanes, y);
      for (; v < vectors; v++) forwardRow<16, 1>(g, x, wp, COP, biasp, relu, n, oy, v * kLanes, y);
    }
  });
}

// dx of a conv, given dy: for each stride phase (py, px) of dx, the taps that reach it form a small dense filter,
// and the phase is a stride-1 forward conv of dy with it (flipped, in and out channels swapped), written into every
// SH-th row and SW-th column of dx. No zero-dilated dy, no wasted multiplies.
void conv2dInputGrad(const Geometry& g, const float* dy, const float* w, float* dx, int threads) {
  std::vector<float> sub;
  for (int py = 0; py < g.SH && py < g.H; py++)
    for (int px = 0; px < g.SW && px < g.W; px++) {
      // Taps ky with (py + PT - ky * DH) divisible by SH; dy row j + (py + PT - ky * DH) / SH feeds dx row py + SH j.
      std::vector<int> kys, kxs;
      for (int ky = g.KH - 1; ky >= 0; ky--)
        if (((py + g.PT - ky * g.DH) % g.SH + g.SH) % g.SH == 0) kys.push_back(ky);
      for (int kx = g.KW - 1; kx >= 0; kx--)
        if (((px + g.PL - kx * g.DW) % g.SW + g.SW) % g.SW == 0) kxs.push_back(kx);
      Geometry p{};
      p.N = g.N;
      p.H = g.HO;
      p.W = g.WO;
      p.CI = g.CO;
      p.CO = g.CI;
      p.HO = (g.H - py + g.SH - 1) / g.SH;
      p.WO = (g.W - px + g.SW - 1) / g.SW;
      p.OY0 = py;
      p.OX0 = px;
      p.OSY = g.SH;
      p.OSX = g.SW;
      p.OHT = g.H;
      p.OWT = g.W;
      if (kys.empty() || kxs.empty()) {
        // No tap reaches this phase: its dx is zero.
        for (int n = 0; n < g.N; n++)
          for (int j = 0; j < p.HO; j++)
            for (int i = 0; i < p.WO; i++)
              std::memset(dx + ((size_t)(n * g.H + py + j * g.SH) * g.W + px + i * g.SW) * g.CI, 0, g.CI * 4);
        continue;
      }
      // Sub-taps in order of increasing dy offset; consecutive ones are DH/SH apart only when SH divides DH, so the
      // sub-filter's own dilation is that step, or 1 with a single tap.
      p.KH = (int)kys.size();
      p.KW = (int)kxs.size();
      p.SH = p.SW = 1;
      p.DH = p.KH > 1 ? ((py + g.PT - kys[1] * g.DH) - (py + g.PT - kys[0] * g.DH)) / g.SH : 1;
      p.DW = p.KW > 1 ? ((px + g.PL - kxs[1] * g.DW) - (px + g.PL - kxs[0] * g.DW)) / g.SW : 1;
      p.PT = -((py + g.PT - kys[0] * g.DH) / g.SH);
      p.PL = -((px + g.PL - kxs[0] * g.DW) / g.SW);
      sub.assign((size_t)p.KH * p.KW * g.CO * g.CI, 0.f);
      for (int ty = 0; ty < p.KH; ty++)
        for (int tx = 0; tx < p.KW; tx++)
          for (int c = 0; c < g.CI; c++)
            for (int o = 0; o < g.CO; o++)
              sub[(((size_t)ty * p.KW + tx) * g.CO + o) * g.CI + c] =
                  w[(((size_t)kys[ty] * g.KW + kxs[tx]) * g.CI + c) * g.CO + o];
      conv2dForward(p, dy, sub.data(), nullptr, false, dx, threads);
    }
}

// dw[ky, kx, ci0 .. ci0+CB, co0 .. co0+NV*16] += the sum over output columns [lo, hi) of row `xrow` x `dyrow`.
template <int CB, int NV>
inline void filterGradTile(const Geometry& g, const float* xrow, const float* dyrow, int COP, int lo, int hi, int kx,
                           int ci0, int co0, float* dwTap) {
  v16 acc[CB][NV];
  float* dwb = dwTap + (size_t)ci0 * COP + co0;
#pragma GCC unroll 16
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[c][v] = *(const v16*)(dwb + (size_t)c * COP + v * kLanes);
  const size_t pixelStep = (size_t)g.SW * g.CI;
  const float* xb = xrow + ((ptrdiff_t)lo * g.SW - g.PL + kx * g.DW) * g.CI + ci0;
  const float* db = dyrow + (size_t)lo * COP + co0;
  for (int ox = lo; ox < hi; ox++, xb += pixelStep, db += COP) {
    v16 dv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) dv[v] = *(const v16*)(db + v * kLanes);
#pragma GCC unroll 16
    for (int c = 0; c < CB; c++)
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) acc[c][v] += xb[c] * dv[v];
  }
#pragma GCC unroll 16
  for (int c = 0; c < CB; c++)
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) *(v16*)(dwb + (size_t)c * COP + v * kLanes) = acc[c][v];
}

template <int NV>
void filterGradRow(const Geometry& g, const float* x, const float* dyp, int COP, int n, int oy, int co0, float* dw) {
  const float* rows[16];
  tapRows(g, x, n, oy, rows);
  const float* dyrow = dyp + ((size_t)(n * g.HO + oy) * g.WO) * COP;
  constexpr int CB = NV >= 4 ? 6 : NV == 2 ? 12 : 16;
  for (int ky = 0; ky < g.KH; ky++) {
    if (!rows[ky]) continue;
    for (int kx = 0; kx < g.KW; kx++) {
      // Output columns whose tap kx lands inside the input: a contiguous range.
      const int off = kx * g.DW - g.PL;
      const int lo = std::min(g.WO, off >= 0 ? 0 : (-off + g.SW - 1) / g.SW);
      const int hi = g.W - 1 - off < 0 ? lo : std::max(lo, std::min(g.WO, (g.W - 1 - off) / g.SW + 1));
      if (lo >= hi) continue;
      float* dwTap = dw + (size_t)(ky * g.KW + kx) * g.CI * COP;
      int ci = 0;
      for (; ci + CB <= g.CI; ci += CB) filterGradTile<CB, NV>(g, rows[ky], dyrow, COP, lo, hi, kx, ci, co0, dwTap);
      for (; ci < g.CI; ci++) filterGradTile<1, NV>(g, rows[ky], dyrow, COP, lo, hi, kx, ci, co0, dwTap);
    }
  }
}

// dw = sum over pixels of x (shifted by each tap) times dy: each thread sums its share of rows, then the shares add.
void conv2dFilterGrad(const Geometry& g, const float* x, const float* dy, float* dw, int threads) {
  const int COP = (g.CO + kLanes - 1) / kLanes * kLanes;
  const double flops = 2.0 * g.N * g.HO * g.WO * g.CO * g.KH * g.KW * g.CI;
  if (flops < 4e6) threads = 1;
  threads = std::max(1, std::min(threads, g.N * g.HO));
  static thread_local std::vector<float> dybuf;
  const float* dyp = padChannels(dy, (size_t)g.N * g.HO * g.WO, g.CO, COP, dybuf);
  const size_t dwSize = (size_t)g.KH * g.KW * g.CI * COP;
  std::vector<float> partial(dwSize * threads, 0.f);
  const int vectors = COP / kLanes;
  parallelFor(threads, g.N * g.HO, [&](int t, int r0, int r1) {
    float* mine = partial.data() + dwSize * t;
    for (int r = r0; r < r1; r++) {
      int n = r / g.HO, oy = r % g.HO, v = 0;
      for (; v + 4 <= vectors; v += 4) filterGradRow<4>(g, x, dyp, COP, n, oy, v * kLanes, mine);
      for (; v + 2 <= vectors; v += 2) filterGradRow<2>(g, x, dyp, COP, n, oy, v * kLanes, mine);
      for (; v < vectors; v++) filterGradRow<1>(g, x, dyp, COP, n, oy, v * kLanes, mine);
    }
  });
  for (size_t k = 0; k < (size_t)g.KH * g.KW * g.CI; k++)
    for (int co = 0; co < g.CO; co++) {
      float s = 0;
      for (int t = 0; t < threads; t++) s += partial[dwSize * t + k * COP + co];
      dw[k * g.CO + co] = s;
    }
}

// Joins the parts' rows side by side into `whole` (a concat along an axis, seen as outer x inner), or cuts `whole`'s
// rows back into the parts (a split): what the wasm backend does one element at a time in JS.
void copyRows(uint8_t* whole, const std::vector<uint8_t*>& parts, const std::vector<size_t>& widths, size_t outer,
              bool join, int threads) {
  size_t rowBytes = 0;
  for (size_t w : widths) rowBytes += w;
  if ((double)rowBytes * outer < 4e6) threads = 1;
  parallelFor(threads, (int)outer, [&](int, int r0, int r1) {
    for (int r = r0; r < r1; r++) {
      uint8_t* row = whole + (size_t)r * rowBytes;
      for (size_t i = 0; i < parts.size(); i++) {
        uint8_t* part = parts[i] + (size_t)r * widths[i];
        if (join)
          std::memcpy(row, part, widths[i]);
        else
          std::memcpy(part, row, widths[i]);
        row += widths[i];
      }
    }
  });
}

// out[c] = sum over r of x[r, c]: a reduction over the leading axes (a bias gradient), which the wasm backend does by
// transposing the whole tensor first.
void sumRows(const float* x, float* out, size_t rows, int cols, int threads) {
  if ((double)rows * cols < 1e6) threads = 1;
  threads = std::max(1, std::min<int>(threads, (int)rows));
  std::vector<double> partial((size_t)threads * cols, 0.0);
  parallelFor(threads, (int)rows, [&](int t, int r0, int r1) {
    // Float sums over blocks of rows, added up in double: accurate over 10^5+ rows without slowing the inner loop.
    std::vector<float> acc(cols);
    double* mine = partial.data() + (size_t)t * cols;
    for (int b0 = r0; b0 < r1; b0 += 256) {
      std::fill(acc.begin(), acc.end(), 0.f);
      const int b1 = std::min(r1, b0 + 256);
      for (int r = b0; r < b1; r++) {
        const float* row = x + (size_t)r * cols;
        for (int c = 0; c < cols; c++) acc[c] += row[c];
      }
      for (int c = 0; c < cols; c++) mine[c] += acc[c];
    }
  });
  for (int c = 0; c < cols; c++) {
    double sum = 0;
    for (int t = 0; t < threads; t++) sum += partial[(size_t)t * cols + c];
    out[c] = (float)sum;
  }
}

// dx = the exact adjoint of tfjs's bilinear resize (the cpu and wasm ResizeBilinear, half-pixel centres included)
// applied to dy. tfjs's own ResizeBilinearGrad ignores halfPixelCenters, so it routes every gradient a quarter of an
// input pixel off for a 2x half-pixel upsampling.
struct ResizeTap {
  int lo, hi;
  float frac;
};

std::vector<ResizeTap> resizeTaps(int inSize, int outSize, bool alignCorners, bool halfPixel) {
  const double ratio = alignCorners && outSize > 1 ? (double)(inSize - 1) / (outSize - 1) : (double)inSize / outSize;
  std::vector<ResizeTap> taps(outSize);
  for (int o = 0; o < outSize; o++) {
    // The same float arithmetic as tfjs's forward (JS doubles), so both agree on the taps.
    const double src = halfPixel ? ratio * (o + 0.5) - 0.5 : ratio * o;
    const int lo = std::max(0, (int)std::floor(src));
    taps[o] = {lo, std::min(inSize - 1, (int)std::ceil(src)), (float)(src - lo)};
  }
  return taps;
}

void resizeBilinearGrad(const float* dy, float* dx, int N, int H, int W, int OH, int OW, int C, bool alignCorners,
                        bool halfPixel, int threads) {
  const auto rows = resizeTaps(H, OH, alignCorners, halfPixel);
  const auto cols = resizeTaps(W, OW, alignCorners, halfPixel);
  if ((double)N * OH * OW * C < 1e5) threads = 1;
  // Threads own whole images: the scatter then never writes one pixel from two threads.
  parallelFor(threads, N, [&](int, int n0, int n1) {
    for (int n = n0; n < n1; n++) {
      float* img = dx + (size_t)n * H * W * C;
      std::memset(img, 0, (size_t)H * W * C * 4);
      for (int r = 0; r < OH; r++) {
        const ResizeTap ry = rows[r];
        float* top = img + (size_t)ry.lo * W * C;
        float* bottom = img + (size_t)ry.hi * W * C;
        for (int c = 0; c < OW; c++) {
          const ResizeTap rx = cols[c];
          const float* d = dy + (((size_t)n * OH + r) * OW + c) * C;
          const float wtl = (1 - ry.frac) * (1 - rx.frac), wtr = (1 - ry.frac) * rx.frac;
          const float wbl = ry.frac * (1 - rx.frac), wbr = ry.frac * rx.frac;
          float* tl = top + (size_t)rx.lo * C;
          float* tr = top + (size_t)rx.hi * C;
          float* bl = bottom + (size_t)rx.lo * C;
          float* br = bottom + (size_t)rx.hi * C;
          // Separate loops: tl and tr (or top and bottom) may be the same pixel at the borders.
          for (int k = 0; k < C; k++) tl[k] += d[k] * wtl;
          for (int k = 0; k < C; k++) tr[k] += d[k] * wtr;
          for (int k = 0; k < C; k++) bl[k] += d[k] * wbl;
          for (int k = 0; k < C; k++) br[k] += d[k] * wbr;
        }
      }
    }
  });
}

// out = LeakyReLU_slope(gamma (x - mean) / sqrt(var + eps) + beta), mean and var per image and channel over the
// pixels (instance norm, as tf.moments computes it: two passes): the five or six elementwise ops it takes in tfjs
// in three passes. slope 1 = no activation.
void instanceNorm(const float* x, const float* gamma, const float* beta, float* out, int N, int pixels, int C,
                  float eps, float slope, int threads) {
  if ((double)N * pixels * C < 1e5) threads = 1;
  // Threads split each image's pixels for the sums (then add), and the pixels again for the output.
  std::vector<double> sums((size_t)threads * C), sq((size_t)threads * C);
  std::vector<float> mean(C), scale(C), shift(C);
  for (int n = 0; n < N; n++) {
    const float* xi = x + (size_t)n * pixels * C;
    float* oi = out + (size_t)n * pixels * C;
    std::fill(sums.begin(), sums.end(), 0.0);
    parallelFor(threads, pixels, [&](int t, int p0, int p1) {
      std::vector<float> acc(C);
      for (int b0 = p0; b0 < p1; b0 += 256) {
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int p = b0; p < std::min(p1, b0 + 256); p++)
          for (int c = 0; c < C; c++) acc[c] += xi[(size_t)p * C + c];
        for (int c = 0; c < C; c++) sums[(size_t)t * C + c] += acc[c];
      }
    });
    for (int c = 0; c < C; c++) {
      double s = 0;
      for (int t = 0; t < threads; t++) s += sums[(size_t)t * C + c];
      mean[c] = (float)(s / pixels);
    }
    std::fill(sq.begin(), sq.end(), 0.0);
    parallelFor(threads, pixels, [&](int t, int p0, int p1) {
      std::vector<float> acc(C);
      for (int b0 = p0; b0 < p1; b0 += 256) {
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int p = b0; p < std::min(p1, b0 + 256); p++)
          for (int c = 0; c < C; c++) {
            const float d = xi[(size_t)p * C + c] - mean[c];
            acc[c] += d * d;
          }
        for (int c = 0; c < C; c++) sq[(size_t)t * C + c] += acc[c];
      }
    });
    for (int c = 0; c < C; c++) {
      double v = 0;
      for (int t = 0; t < threads; t++) v += sq[(size_t)t * C + c];
      scale[c] = gamma[c] / std::sqrt((float)(v / pixels) + eps);
      shift[c] = beta[c] - mean[c] * scale[c];
    }
    parallelFor(threads, pixels, [&](int, int p0, int p1) {
      for (int p = p0; p < p1; p++)
        for (int c = 0; c < C; c++) {
          const float y = xi[(size_t)p * C + c] * scale[c] + shift[c];
          oi[(size_t)p * C + c] = y < 0 ? y * slope : y;
        }
    });
  }
}

// ---- N-API glue -------------------------------------------------------------------------------------------------

bool throwIf(napi_env env, bool bad, const char* msg) {
  if (bad) napi_throw_type_error(env, nullptr, msg);
  return bad;
}

// A Float32Array's data (null for null/undefined), checking it holds at least `need` floats.
bool floatsOf(napi_env env, napi_value v, size_t need, bool optional, float** out, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (optional && (t == napi_null || t == napi_undefined)) {
    *out = nullptr;
    return true;
  }
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (isTyped) napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  static thread_local char msg[160];
  if (!isTyped || type != napi_float32_array) {
    snprintf(msg, sizeof msg, "%s must be a Float32Array", name);
    napi_throw_type_error(env, nullptr, msg);
    return false;
  }
  if (len < need) {
    snprintf(msg, sizeof msg, "%s holds %zu floats, the geometry needs %zu", name, len, need);
    napi_throw_range_error(env, nullptr, msg);
    return false;
  }
  *out = (float*)data;
  return true;
}

// An Int32Array of at least `need` values, or null (and a TypeError thrown) with `msg`.
const int32_t* int32sOf(napi_env env, napi_value v, size_t need, const char* msg) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  napi_typedarray_type type;
  size_t len = 0;
  void* data = nullptr;
  if (isTyped) napi_get_typedarray_info(env, v, &type, &len, &data, nullptr, nullptr);
  if (throwIf(env, !isTyped || type != napi_int32_array || len < need, msg)) return nullptr;
  return (const int32_t*)data;
}

bool geometryArg(napi_env env, napi_value v, Geometry* g) {
  const int32_t* d = int32sOf(env, v, 15, "geometry must be an Int32Array of 15");
  if (!d) return false;
  *g = geometryOf(d);
  const Geometry& q = *g;
  bool bad = q.N < 1 || q.H < 1 || q.W < 1 || q.CI < 1 || q.KH < 1 || q.KW < 1 || q.CO < 1 || q.HO < 1 || q.WO < 1 ||
             q.SH < 1 || q.SW < 1 || q.DH < 1 || q.DW < 1 || q.PT < 0 || q.PL < 0 || q.KH > 16;
  return !throwIf(env, bad, "geometry holds a non-positive size, stride or dilation, a negative pad, or a filter over 16 rows");
}

int threadsArg(napi_env env, napi_value v) {
  int32_t n = 1;
  napi_get_value_int32(env, v, &n);
  return std::max(1, std::min(n, 64));
}

// conv2d(x, filter, bias | null, y, geometry, relu, threads)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value a[7];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (throwIf(env, argc < 7, "conv2d(x, filter, bias, y, geometry, relu, threads)")) return nullptr;
  Geometry g;
  if (!geometryArg(env, a[4], &g)) return nullptr;
  float *x, *w, *b, *y;
  if (!floatsOf(env, a[0], (size_t)g.N * g.H * g.W * g.CI, false, &x, "x") ||
      !floatsOf(env, a[1], (size_t)g.KH * g.KW * g.CI * g.CO, false, &w, "filter") ||
      !floatsOf(env, a[2], g.CO, true, &b, "bias") ||
      !floatsOf(env, a[3], (size_t)g.N * g.HO * g.WO * g.CO, false, &y, "y"))
    return nullptr;
  bool relu = false;
  napi_get_value_bool(env, a[5], &relu);
  conv2dForward(g, x, w, b, relu, y, threadsArg(env, a[6]));
  return nullptr;
}

enum class Operand { Input, Output, Filter };

size_t floatsIn(const Geometry& g, Operand t) {
  switch (t) {
    case Operand::Input:
      return (size_t)g.N * g.H * g.W * g.CI;
    case Operand::Output:
      return (size_t)g.N * g.HO * g.WO * g.CO;
    default:
      return (size_t)g.KH * g.KW * g.CI * g.CO;
  }
}

using GradKernel = void (*)(const Geometry&, const float*, const float*, float*, int);

// (a, b, result, geometry of the forward conv, threads), each array sized as the operand it stands for.
napi_value gradGlue(napi_env env, napi_callback_info info, const char* usage, const Operand (&ops)[3],
                    const char* const (&names)[3], GradKernel kernel) {
  size_t argc = 5;
  napi_value a[5];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (throwIf(env, argc < 5, usage)) return nullptr;
  Geometry g;
  if (!geometryArg(env, a[3], &g)) return nullptr;
  float* arrays[3];
  for (int i = 0; i < 3; i++)
    if (!floatsOf(env, a[i], floatsIn(g, ops[i]), false, &arrays[i], names[i])) return nullptr;
  kernel(g, arrays[0], arrays[1], arrays[2], threadsArg(env, a[4]));
  return nullptr;
}

napi_value Conv2dInputGrad(napi_env env, napi_callback_info info) {
  return gradGlue(env, info, "conv2dInputGrad(dy, filter, dx, geometry, threads)",
                  {Operand::Output, Operand::Filter, Operand::Input}, {"dy", "filter", "dx"}, conv2dInputGrad);
}

napi_value Conv2dFilterGrad(napi_env env, napi_callback_info info) {
  return gradGlue(env, info, "conv2dFilterGrad(x, dy, dw, geometry, threads)",
                  {Operand::Input, Operand::Output, Operand::Filter}, {"x", "dy", "dw"}, conv2dFilterGrad);
}

bool bytesOf(napi_env env, napi_value v, uint8_t** data, size_t* bytes) {
  bool isTyped = false;
  napi_is_typedarray(env, v, &isTyped);
  if (throwIf(env, !isTyped, "concat takes typed arrays")) return false;
  napi_typedarray_type type;
  size_t len = 0;
  void* p = nullptr;
  napi_get_typedarray_info(env, v, &type, &len, &p, nullptr, nullptr);
  const size_t size = type == napi_int8_array || type == napi_uint8_array || type == napi_uint8_clamped_array ? 1
                      : type == napi_int16_array || type == napi_uint16_array                                ? 2
                      : type == napi_float64_array || type == napi_bigint64_array || type == napi_biguint64_array
                          ? 8
                          : 4;
  *data = (uint8_t*)p;
  *bytes = len * size;
  return true;
}

// concat(out, inputs[], outer, threads) / split(input, outputs[], outer, threads): `whole` holds `outer` rows, each
// the parts' rows side by side.
napi_value copyRowsGlue(napi_env env, napi_callback_info info, bool join) {
  const char* wholeName = join ? "out" : "the input";
  const char* partsName = join ? "inputs" : "outputs";
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  static thread_local char msg[160];
  snprintf(msg, sizeof msg, "%s(%s, %s, outer, threads)", join ? "concat" : "split", join ? "out" : "input", partsName);
  if (throwIf(env, argc < 4, msg)) return nullptr;
  uint8_t* whole;
  size_t wholeBytes;
  if (!bytesOf(env, a[0], &whole, &wholeBytes)) return nullptr;
  int32_t outer = 0;
  napi_get_value_int32(env, a[2], &outer);
  bool isArray = false;
  napi_is_array(env, a[1], &isArray);
  snprintf(msg, sizeof msg, "%s needs an array of %s and outer >= 1", join ? "concat" : "split", partsName);
  if (throwIf(env, !isArray || outer < 1, msg)) return nullptr;
  uint32_t count = 0;
  napi_get_array_length(env, a[1], &count);
  std::vector<uint8_t*> parts(count);
  std::vector<size_t> widths(count);
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value el;
    napi_get_element(env, a[1], i, &el);
    size_t bytes;
    if (!bytesOf(env, el, &parts[i], &bytes)) return nullptr;
    snprintf(msg, sizeof msg, "one of the %s has a size that is not a multiple of outer", partsName);
    if (throwIf(env, bytes % outer != 0, msg)) return nullptr;
    widths[i] = bytes / outer;
    total += bytes;
  }
  snprintf(msg, sizeof msg, "%s's size is not the %s' sizes added", wholeName, partsName);
  if (throwIf(env, total != wholeBytes, msg)) return nullptr;
  copyRows(whole, parts, widths, outer, join, threadsArg(env, a[3]));
  return nullptr;
}

napi_value Concat(napi_env env, napi_callback_info info) { return copyRowsGlue(env, info, true); }
napi_value Split(napi_env env, napi_callback_info info) { return copyRowsGlue(env, info, false); }

// sumRows(x, out, rows, threads): out[c] = sum over the rows of x (rows x out.length).
napi_value SumRows(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (throwIf(env, argc < 4, "sumRows(x, out, rows, threads)")) return nullptr;
  int32_t rows = 0;
  napi_get_value_int32(env, a[2], &rows);
  if (throwIf(env, rows < 1, "sumRows needs rows >= 1")) return nullptr;
  float* out;
  bool isTyped = false;
  napi_is_typedarray(env, a[1], &isTyped);
  napi_typedarray_type type;
  size_t cols = 0;
  void* p = nullptr;
  if (isTyped) napi_get_typedarray_info(env, a[1], &type, &cols, &p, nullptr, nullptr);
  if (throwIf(env, !isTyped || type != napi_float32_array || cols < 1, "out must be a non-empty Float32Array"))
    return nullptr;
  out = (float*)p;
  float* x;
  if (!floatsOf(env, a[0], (size_t)rows * cols, false, &x, "x")) return nullptr;
  sumRows(x, out, rows, (int)cols, threadsArg(env, a[3]));
  return nullptr;
}

// resizeBilinearGrad(dy, dx, [N, H, W, OH, OW, C, alignCorners, halfPixel] as Int32Array, threads)
napi_value ResizeBilinearGrad(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value a[4];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (throwIf(env, argc < 4, "resizeBilinearGrad(dy, dx, dims, threads)")) return nullptr;
  const int32_t* d = int32sOf(env, a[2], 8, "dims must be an Int32Array of 8");
  if (!d) return nullptr;
  const int N = d[0], H = d[1], W = d[2], OH = d[3], OW = d[4], C = d[5];
  if (throwIf(env, N < 1 || H < 1 || W < 1 || OH < 1 || OW < 1 || C < 1, "resize dims must be positive")) return nullptr;
  float *dy, *dx;
  if (!floatsOf(env, a[0], (size_t)N * OH * OW * C, false, &dy, "dy") ||
      !floatsOf(env, a[1], (size_t)N * H * W * C, false, &dx, "dx"))
    return nullptr;
  resizeBilinearGrad(dy, dx, N, H, W, OH, OW, C, d[6] != 0, d[7] != 0, threadsArg(env, a[3]));
  return nullptr;
}

// instanceNorm(x, gamma, beta, out, [N, pixels, C] as Int32Array, eps, slope, threads)
napi_value InstanceNorm(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value a[8];
  napi_get_cb_info(env, info, &argc, a, nullptr, nullptr);
  if (throwIf(env, argc < 8, "instanceNorm(x, gamma, beta, out, dims, eps, slope, threads)")) return nullptr;
  const int32_t* d = int32sOf(env, a[4], 3, "dims must be an Int32Array of 3");
  if (!d) return nullptr;
  const int N = d[0], pixels = d[1], C = d[2];
  if (throwIf(env, N < 1 || pixels < 1 || C < 1, "instanceNorm dims must be positive")) return nullptr;
  float *x, *gamma, *beta, *out;
  const size_t size = (size_t)N * pixels * C;
  if (!floatsOf(env, a[0], size, false, &x, "x") || !floatsOf(env, a[1], C, false, &gamma, "gamma") ||
      !floatsOf(env, a[2], C, false, &beta, "beta") || !floatsOf(env, a[3], size, false, &out, "out"))
    return nullptr;
  double eps = 0, slope = 1;
  napi_get_value_double(env, a[5], &eps);
  napi_get_value_double(env, a[6], &slope);
  instanceNorm(x, gamma, beta, out, N, pixels, C, (float)eps, (float)slope, threadsArg(env, a[7]));
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "conv2d", NAPI_AUTO_LENGTH, Conv2d, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2d", fn);
  napi_create_function(env, "conv2dInputGrad", NAPI_AUTO_LENGTH, Conv2dInputGrad, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2dInputGrad", fn);
  napi_create_function(env, "conv2dFilterGrad", NAPI_AUTO_LENGTH, Conv2dFilterGrad, nullptr, &fn);
  napi_set_named_property(env, exports, "conv2dFilterGrad", fn);
  napi_create_function(env, "concat", NAPI_AUTO_LENGTH, Concat, nullptr, &fn);
  napi_set_named_property(env, exports, "concat", fn);
  napi_create_function(env, "split", NAPI_AUTO_LENGTH, Split, nullptr, &fn);
  napi_set_named_property(env, exports, "split", fn);
  napi_create_function(env, "sumRows", NAPI_AUTO_LENGTH, SumRows, nullptr, &fn);
  napi_set_named_property(env, exports, "sumRows", fn);
  napi_create_function(env, "resizeBilinearGrad", NAPI_AUTO_LENGTH, ResizeBilinearGrad, nullptr, &fn);
  napi_set_named_property(env, exports, "resizeBilinearGrad", fn);
  napi_create_function(env, "instanceNorm", NAPI_AUTO_LENGTH, InstanceNorm, nullptr, &fn);
  napi_set_named_property(env, exports, "instanceNorm", fn);
  napi_value isa;
#if defined(__AVX512F__)
  napi_create_string_utf8(env, "avx512", NAPI_AUTO_LENGTH, &isa);
#elif defined(__AVX2__)
  napi_create_string_utf8(env, "avx2", NAPI_AUTO_LENGTH, &isa);
#else
  napi_create_string_utf8(env, "generic", NAPI_AUTO_LENGTH, &isa);
#endif
  napi_set_named_property(env, exports, "isa", isa);
  return exports;
}
