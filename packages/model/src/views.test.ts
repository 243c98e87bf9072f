import { applyWarp, createFlow, createImage } from '@unwarp/flow';
import { initBackend } from '@unwarp/tf';
import { describe, expect, it } from 'vitest';
import { unviewFlow, unviewImage, VIEW_NAMES, viewGrid, viewImage, viewSquare } from './views.ts';

const size = 6;
const ramp = (n: number, k = 1) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 23) * k - 11);

describe('test-time views', () => {
  it.each(VIEW_NAMES)('%s: the array version is the tensor version, and unview undoes view', async (view) => {
    const { tf } = await initBackend();
    const image = ramp(size * size * 3);
    const x = tf.tensor4d(image, [1, size, size, 3]);
    const seen = viewImage(tf, x, view);
    expect(Array.from(viewSquare(image, size, 3, view))).toEqual(Array.from(seen.dataSync()));
    expect(Array.from(unviewImage(tf, seen, view).dataSync())).toEqual(Array.from(image));
    const flow = ramp(size * size * 2, 0.5);
    const turned = tf.tensor4d(viewSquare(flow, size, 2, view, true), [1, size, size, 2]);
    expect(Array.from(unviewFlow(tf, turned, view).dataSync())).toEqual(Array.from(flow));
    tf.dispose([x, seen, turned]);
  });

  // The convention check: warping the viewed original by the turned W gives the viewed warped image.
  it.each(VIEW_NAMES)('%s: turns W with the picture (modified(p) = original(p + W(p)) still holds)', (view) => {
    const n = 16;
    const original = createImage(n, n, 1);
    for (let i = 0; i < n * n; i++) original.data[i] = ((i % n) * 13 + Math.floor(i / n) * 5) % 256;
    const W = createFlow(n, n);
    // A whole-pixel push right and down inside the square, so nearest sampling is exact.
    for (let y = 4; y < 12; y++)
      for (let x = 4; x < 12; x++) {
        W.data[(y * n + x) * 2] = 2;
        W.data[(y * n + x) * 2 + 1] = 1;
      }
    const modified = applyWarp(original, W, { interpolation: 'nearest' });
    const viewedOriginal = { ...original, data: viewSquare(original.data, n, 1, view) };
    const viewedW = { ...W, data: viewSquare(W.data, n, 2, view, true) };
    const rewarped = applyWarp(viewedOriginal, viewedW, { interpolation: 'nearest' });
    expect(Array.from(rewarped.data)).toEqual(Array.from(viewSquare(modified.data, n, 1, view)));
  });

  it.each(VIEW_NAMES)(
    '%s on a grid that is not square: the tensor version, sides swapped by a transpose',
    async (view) => {
      const { tf } = await initBackend();
      const [w, h] = [5, 3];
      const image = ramp(w * h * 3);
      const x = tf.tensor4d(image, [1, h, w, 3]);
      const seen = viewImage(tf, x, view);
      const grid = viewGrid({ data: image, width: w, height: h }, 3, view);
      expect([grid.height, grid.width]).toEqual(seen.shape.slice(1, 3));
      expect(Array.from(grid.data)).toEqual(Array.from(seen.dataSync()));
      const flow = ramp(w * h * 2, 0.5);
      const turned = viewGrid({ data: flow, width: w, height: h }, 2, view, true);
      const back = unviewFlow(tf, tf.tensor4d(turned.data, [1, turned.height, turned.width, 2]), view);
      expect(Array.from(back.dataSync())).toEqual(Array.from(flow));
      tf.dispose([x, seen, back]);
    },
  );
});
