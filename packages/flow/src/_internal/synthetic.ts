// Analytic fields and band-limited test images shared by the tests and the benchmark (not exported).
import {
  createFlow,
  createImage,
  type FlowField,
  type Image,
  type PixelData,
  type PixelDataConstructor,
} from '../types.ts';

export function translationField(w: number, h: number, dx: number, dy: number): FlowField {
  const W = createFlow(w, h);
  for (let i = 0; i < w * h; i++) {
    W.data[2 * i] = dx;
    W.data[2 * i + 1] = dy;
  }
  return W;
}

/**
 * Radial liquify brush added into W: W(p) += -k (p - c) exp(-|p - c|² / 2σ²).
 * k > 0 samples towards the centre (bloat), k < 0 away from it (pucker); peak |W| = |k| σ e^(-1/2) at r = σ.
 * The map p → p + W(p) folds once k >= 1.
 */
export function addRadial(W: FlowField, cx: number, cy: number, sigma: number, k: number): FlowField {
  const { width: w, height: h, data } = W;
  const inv = 1 / (2 * sigma * sigma);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const rx = x - cx;
      const ry = y - cy;
      const g = k * Math.exp(-(rx * rx + ry * ry) * inv);
      const j = 2 * (y * w + x);
      data[j] = (data[j] as number) - g * rx;
      data[j + 1] = (data[j + 1] as number) - g * ry;
    }
  }
  return W;
}

/** Radial field whose peak displacement is `peak` px. */
export function radialField(w: number, h: number, cx: number, cy: number, sigma: number, peak: number): FlowField {
  return addRadial(createFlow(w, h), cx, cy, sigma, peak / (sigma * Math.exp(-0.5)));
}

/** Swirl: source = c + R(θ(r)) (p - c) with θ(r) = θ0 exp(-r² / 2σ²). */
export function swirlField(w: number, h: number, cx: number, cy: number, sigma: number, theta0: number): FlowField {
  const W = createFlow(w, h);
  const inv = 1 / (2 * sigma * sigma);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const rx = x - cx;
      const ry = y - cy;
      const t = theta0 * Math.exp(-(rx * rx + ry * ry) * inv);
      const c = Math.cos(t);
      const s = Math.sin(t);
      const j = 2 * (y * w + x);
      W.data[j] = c * rx - s * ry - rx;
      W.data[j + 1] = s * rx + c * ry - ry;
    }
  }
  return W;
}

/** Smooth, band-limited texture (sum of sinusoids, periods ≥ ~16 px) in 0..255; channels are phase-shifted. */
export function textureImage<T extends PixelData>(
  w: number,
  h: number,
  channels: number,
  type: PixelDataConstructor<T>,
): Image<T> {
  const img = createImage(w, h, channels, type);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < channels; k++) {
        const v =
          128 +
          45 * Math.sin(0.23 * x + 0.11 * y + k) +
          35 * Math.cos(0.07 * x - 0.29 * y + 2 * k) +
          25 * Math.sin(0.17 * (x + y) + 0.5 * k);
        img.data[(y * w + x) * channels + k] = v;
      }
    }
  }
  return img;
}

/** Mask (w*h) of pixels at least `margin` from every border. */
export function interiorMask(w: number, h: number, margin: number): Uint8Array {
  const m = new Uint8Array(w * h);
  for (let y = margin; y < h - margin; y++) m.fill(1, y * w + margin, y * w + w - margin);
  return m;
}
