// Test-time views: the eight symmetries of the square (mirrors, flips, transposes) applied to an NHWC batch, and
// their inverses for what the network returns. Each elementary step is its own inverse, so a view is undone by its
// steps in reverse order. A warp field is a field of vectors: mirroring x negates dx, flipping y negates dy,
// transposing swaps them.
import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;
type Step = 'mirror' | 'flip' | 'transpose';

const VIEW_STEPS = {
  identity: [],
  mirror: ['mirror'],
  flip: ['flip'],
  rotate180: ['mirror', 'flip'],
  transpose: ['transpose'],
  rotate90: ['transpose', 'mirror'],
  rotate270: ['transpose', 'flip'],
  antiTranspose: ['transpose', 'mirror', 'flip'],
} as const satisfies Record<string, readonly Step[]>;

export type ViewName = keyof typeof VIEW_STEPS;
export const VIEW_NAMES = Object.keys(VIEW_STEPS) as ViewName[];

function spatial(tf: Tf, x: tfjs.Tensor4D, step: Step): tfjs.Tensor4D {
  if (step === 'mirror') return tf.reverse(x, 2);
  if (step === 'flip') return tf.reverse(x, 1);
  return tf.transpose(x, [0, 2, 1, 3]);
}

function vectorial(tf: Tf, w: tfjs.Tensor4D, step: Step): tfjs.Tensor4D {
  const moved = spatial(tf, w, step);
  const [dx, dy] = tf.split(moved, 2, 3) as [tfjs.Tensor4D, tfjs.Tensor4D];
  if (step === 'mirror') return tf.concat([tf.neg(dx), dy], 3);
  if (step === 'flip') return tf.concat([dx, tf.neg(dy)], 3);
  return tf.concat([dy, dx], 3);
}

/** The image (or any per-pixel map) as the view shows it. */
export function viewImage(tf: Tf, x: tfjs.Tensor4D, view: ViewName): tfjs.Tensor4D {
  return VIEW_STEPS[view].reduce<tfjs.Tensor4D>((t, s) => spatial(tf, t, s), x);
}

/** A per-pixel map computed on the view, back on the plain image's grid. */
export function unviewImage(tf: Tf, x: tfjs.Tensor4D, view: ViewName): tfjs.Tensor4D {
  return [...VIEW_STEPS[view]].reverse().reduce<tfjs.Tensor4D>((t, s) => spatial(tf, t, s), x);
}

/** A warp field (dx, dy channels) computed on the view, back on the plain image's grid and axes. */
export function unviewFlow(tf: Tf, w: tfjs.Tensor4D, view: ViewName): tfjs.Tensor4D {
  return [...VIEW_STEPS[view]].reverse().reduce<tfjs.Tensor4D>((t, s) => vectorial(tf, t, s), w);
}

/** The global head's window map ([n, rows, cols], or [n] for one window) computed on the view, back on the plain grid. */
export function unviewHead(tf: Tf, head: tfjs.Tensor, view: ViewName): tfjs.Tensor {
  if (head.rank !== 3) return head;
  return unviewImage(tf, head.expandDims(3) as tfjs.Tensor4D, view).squeeze([3]);
}

/**
 * A square patch (row-major, `channels` values per pixel) as `view` shows it. With `vector` the two channels are a
 * warp field and turn with the view, as `unviewFlow` turns them back.
 */
export function viewSquare<T extends Uint8Array | Uint8ClampedArray | Float32Array>(
  data: T,
  size: number,
  channels: number,
  view: ViewName,
  vector = false,
): T {
  return viewGrid({ data, width: size, height: size }, channels, view, vector).data;
}

/** A row-major grid of any shape as `view` shows it (a transpose swaps its sides); `vector` as for `viewSquare`. */
export function viewGrid<T extends Uint8Array | Uint8ClampedArray | Float32Array>(
  grid: { data: T; width: number; height: number },
  channels: number,
  view: ViewName,
  vector = false,
): { data: T; width: number; height: number } {
  let { data: cur, width: w, height: h } = grid;
  for (const step of VIEW_STEPS[view]) {
    const next = new (cur.constructor as new (n: number) => T)(cur.length);
    const [nw, nh] = step === 'transpose' ? [h, w] : [w, h];
    for (let y = 0; y < nh; y++)
      for (let x = 0; x < nw; x++) {
        // The pixel that lands at (x, y) after the step.
        const [sx, sy] = step === 'mirror' ? [w - 1 - x, y] : step === 'flip' ? [x, h - 1 - y] : [y, x];
        const s = (sy * w + sx) * channels;
        const d = (y * nw + x) * channels;
        for (let c = 0; c < channels; c++) next[d + c] = cur[s + c]!;
        if (vector) {
          if (step === 'mirror') next[d] = -next[d]!;
          else if (step === 'flip') next[d + 1] = -next[d + 1]!;
          else [next[d], next[d + 1]] = [cur[s + 1]!, cur[s]!];
        }
      }
    cur = next;
    [w, h] = [nw, nh];
  }
  return { data: cur, width: w, height: h };
}
