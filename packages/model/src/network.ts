import type * as tfjs from '@tensorflow/tfjs';
import { fusedInstanceNorm, type Tf } from '@unwarp/tf';
import type { Recipe } from './recipe.ts';

type Tensor = tfjs.Tensor;
type Tensor4D = tfjs.Tensor4D;

/** One named weight tensor as plain data: what checkpoints store and replicas exchange. */
export type Weight = { name: string; shape: number[]; data: Float32Array; trainable: boolean };

type ParamSpec = {
  name: string;
  shape: number[];
  init: 'he' | 'zeros' | 'ones' | 'head' | 'moved-prior';
  trainable: boolean;
};

/** Logit of the share of moved pixels in a training patch (~10%): the "moved" head starts at the prior, not at 0.5. */
const MOVED_PRIOR_LOGIT = -2.2;

export type Arch = Recipe['arch'];

/** Weights of the context block (`arch.context`): the only ones a fine-tune may add to the weights it starts from. */
export const CONTEXT_PREFIX = 'ctx';

/**
 * Fully convolutional encoder to 1/2^(L-1) with a decoder back to 1/2^flowLevel, where it predicts
 * (dx, dy, moved-logit); a global head pools the deepest features (mean and max) into one logit.
 */
export function paramSpecs(arch: Arch): ParamSpec[] {
  const w = arch.widths;
  const L = w.length;
  const specs: ParamSpec[] = [];
  // `inert`: the block's output starts at exactly 0 (zero gain), so adding it to a trained network changes nothing.
  const conv = (name: string, k: number, cin: number, cout: number, inert = false) => {
    const wInit = inert && arch.norm === 'none' ? 'zeros' : 'he';
    specs.push({ name: `${name}/w`, shape: [k, k, cin, cout], init: wInit, trainable: true });
    if (arch.norm !== 'none') {
      specs.push({ name: `${name}/gamma`, shape: [cout], init: inert ? 'zeros' : 'ones', trainable: true });
      specs.push({ name: `${name}/beta`, shape: [cout], init: 'zeros', trainable: true });
    }
    if (arch.norm === 'batch') {
      specs.push({ name: `${name}/mean`, shape: [cout], init: 'zeros', trainable: false });
      specs.push({ name: `${name}/var`, shape: [cout], init: 'ones', trainable: false });
    } else if (arch.norm === 'none') {
      specs.push({ name: `${name}/b`, shape: [cout], init: 'zeros', trainable: true });
    }
  };
  conv('l0', 3, (arch.highpass ? 6 : 3) + (arch.highpass && arch.energyContrast ? 1 : 0), w[0]!);
  for (let i = 1; i < L; i++) {
    conv(`l${i}a`, 3, w[i - 1]!, w[i]!);
    conv(`l${i}b`, 3, w[i]!, w[i]!);
  }
  for (let j = L - 2; j >= arch.flowLevel; j--) conv(`d${j}`, 3, w[j + 1]! + w[j]!, w[j]!);
  specs.push({ name: 'head/w', shape: [1, 1, w[arch.flowLevel]!, 3], init: 'head', trainable: true });
  specs.push({ name: 'head/b', shape: [3], init: 'moved-prior', trainable: true });
  specs.push({ name: 'global/w', shape: [2 * w[L - 1]!, 1], init: 'head', trainable: true });
  specs.push({ name: 'global/b', shape: [1], init: 'zeros', trainable: true });
  for (let k = 1; k <= (arch.context ?? 0); k++) conv(`${CONTEXT_PREFIX}${k}`, 3, w[L - 1]!, w[L - 1]!);
  if (arch.context) conv(`${CONTEXT_PREFIX}mix`, 1, w[L - 1]!, w[L - 1]!, true);
  return specs;
}

/** He-normal initialisation for LeakyReLU(0.1), seeded; heads start small so early outputs are near zero. */
export function initWeights(arch: Arch, seed: number): Weight[] {
  let s = seed >>> 0 || 1;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
  return paramSpecs(arch).map((p) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = p.shape.length === 4 ? p.shape[0]! * p.shape[1]! * p.shape[2]! : (p.shape[0] ?? 1);
    if (p.init === 'ones') data.fill(1);
    else if (p.init === 'moved-prior') data[2] = MOVED_PRIOR_LOGIT;
    else if (p.init === 'he' || p.init === 'head') {
      const std = Math.sqrt(2 / ((1 + 0.01) * fanIn)) * (p.init === 'head' ? 0.1 : 1);
      for (let i = 0; i < n; i++) data[i] = normal() * std;
    }
    return { name: p.name, shape: p.shape, data, trainable: p.trainable };
  });
}

export type Outputs = {
  /** [N, h, w, 2] predicted W in input pixels, at 1/2^flowLevel resolution. */
  flow: Tensor4D;
  /** [N, h, w, 1] logit of "this pixel moved". */
  moved: Tensor4D;
  /** [N] global logit. */
  logit: Tensor;
  /** Batch moments of each normalised layer (training only), to update running statistics. */
  moments: Map<string, { mean: Tensor; variance: Tensor }>;
  /** Pre-activation of the last decoder layer, for the dead-unit statistic. */
  lastPre: Tensor4D;
  /** Deepest features, for scoring windows of a large input with the global head. */
  deepest: Tensor4D;
};

const SLOPE = 0.1;
const EPS = 1e-3;

/**
 * The network as a pure function of its weights. `x` is [N, H, W, 3] RGB in 0..255; H and W must be multiples of
 * 2^(levels-1).
 */
export function forward(tf: Tf, arch: Arch, params: Map<string, Tensor>, x: Tensor4D, training: boolean): Outputs {
  const P = (name: string) => {
    const t = params.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    return t;
  };
  const moments: Outputs['moments'] = new Map();
  const convBlock = (name: string, input: Tensor4D, stride: number, act = true): Tensor4D => {
    let y = tf.conv2d(input, P(`${name}/w`) as tfjs.Tensor4D, stride, 'same');
    // Inference on the native kernels: norm and activation in one pass (the same maths; no gradient).
    const fused =
      arch.norm === 'instance' && !training
        ? fusedInstanceNorm(tf, y, P(`${name}/gamma`), P(`${name}/beta`), EPS, act ? SLOPE : 1)
        : undefined;
    if (fused) return fused;
    if (arch.norm === 'instance') {
      const m = tf.moments(y, [1, 2], true);
      const scale = tf.mul(P(`${name}/gamma`), tf.rsqrt(tf.add(m.variance, EPS)));
      y = tf.add(tf.mul(tf.sub(y, m.mean), scale), P(`${name}/beta`));
    } else if (arch.norm === 'batch') {
      let mean: Tensor;
      let variance: Tensor;
      if (training) {
        const m = tf.moments(y, [0, 1, 2]);
        mean = m.mean;
        variance = m.variance;
        moments.set(name, m);
      } else {
        mean = P(`${name}/mean`);
        variance = P(`${name}/var`);
      }
      // Written out with broadcasting ops: tf.batchNorm's gradient tiles to the input's shape, slow on wasm.
      const scale = tf.mul(P(`${name}/gamma`), tf.rsqrt(tf.add(variance, EPS)));
      y = tf.add(tf.mul(tf.sub(y, mean), scale), P(`${name}/beta`));
    } else {
      y = tf.add(y, P(`${name}/b`));
    }
    return act ? tf.leakyRelu(y, SLOPE) : y;
  };

  const w = arch.widths;
  const L = w.length;
  let input = tf.sub(tf.div(x, 127.5), 1) as Tensor4D;
  if (arch.highpass) {
    // Resampling smooths what it touches: the residual after a 3x3 box blur shows where.
    const blurred = tf.avgPool(input, 3, 1, 'same');
    const residual = tf.sub(input, blurred) as Tensor4D;
    const parts: Tensor4D[] = [input, tf.mul(residual, arch.highpassGain ?? 4) as Tensor4D];
    if (arch.energyContrast) {
      const energy = tf.sum(tf.square(residual), 3, true) as Tensor4D;
      const local = tf.log(tf.add(tf.avgPool(energy, 5, 1, 'same'), 1e-5));
      const context = tf.log(tf.add(tf.avgPool(energy, 31, 1, 'same'), 1e-5));
      parts.push(tf.sub(local, context) as Tensor4D);
    }
    input = tf.concat(parts, 3);
  }
  const skips: Tensor4D[] = [];
  let h = convBlock('l0', input, 1);
  skips.push(h);
  for (let i = 1; i < L; i++) {
    h = convBlock(`l${i}a`, h, 2);
    h = convBlock(`l${i}b`, h, 1);
    skips.push(h);
  }
  const deepest = h;
  if (arch.context) {
    // Context for the field: more stride-2 levels below the deepest, brought back up and added to it. Which way a
    // push went shows across the whole edit (compressed ahead, stretched behind), wider than the encoder's ~130 px.
    let c = deepest;
    for (let k = 1; k <= arch.context; k++) c = convBlock(`${CONTEXT_PREFIX}${k}`, c, 2);
    const up = tf.image.resizeBilinear(c, [deepest.shape[1], deepest.shape[2]], false, true);
    h = tf.add(deepest, convBlock(`${CONTEXT_PREFIX}mix`, up, 1, false)) as Tensor4D;
  }
  let lastPre = h;
  for (let j = L - 2; j >= arch.flowLevel; j--) {
    const skip = skips[j]!;
    const up = tf.image.resizeBilinear(h, [skip.shape[1], skip.shape[2]], false, true);
    const pre = convBlock(`d${j}`, tf.concat([up, skip], 3), 1, false);
    lastPre = pre;
    h = tf.leakyRelu(pre, SLOPE);
  }
  const out = tf.add(tf.conv2d(h, P('head/w') as tfjs.Tensor4D, 1, 'same'), P('head/b')) as Tensor4D;
  const [fx, moved] = tf.split(out, [2, 1], 3) as [Tensor4D, Tensor4D];
  const flow = tf.mul(fx, arch.flowScale) as Tensor4D;
  const logit = globalHead(tf, params, deepest, [deepest.shape[1], deepest.shape[2]]);
  return { flow, moved, logit, moments, lastPre, deepest };
}

export function parameterCount(arch: Arch): number {
  return paramSpecs(arch)
    .filter((p) => p.trainable)
    .reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** Multiply-adds ×2 of the convolutions for an H×W input (the decoder upsampling and pooling are negligible). */
export function flops(arch: Arch, height: number, width: number): number {
  let total = 0;
  const w = arch.widths;
  const at = (level: number) => (height / 2 ** level) * (width / 2 ** level);
  total += at(0) * 9 * ((arch.highpass ? 6 : 3) + (arch.highpass && arch.energyContrast ? 1 : 0)) * w[0]!;
  for (let i = 1; i < w.length; i++) total += at(i) * 9 * (w[i - 1]! * w[i]! + w[i]! * w[i]!);
  const deep = w[w.length - 1]!;
  for (let k = 1; k <= (arch.context ?? 0); k++) total += at(w.length - 1 + k) * 9 * deep * deep;
  if (arch.context) total += at(w.length - 1) * deep * deep;
  for (let j = w.length - 2; j >= arch.flowLevel; j--) total += at(j) * 9 * (w[j + 1]! + w[j]!) * w[j]!;
  total += at(arch.flowLevel) * w[arch.flowLevel]! * 3;
  return 2 * total;
}

/**
 * The global head over every window of `window` cells of the deepest features (stride 1 cell): a [N, h', w'] map
 * of logits. With the window equal to the whole map it is the training-time head.
 */
export function globalHead(tf: Tf, params: Map<string, Tensor>, deepest: Tensor4D, window: [number, number]): Tensor {
  const [n, h, w, c] = deepest.shape;
  const wh = Math.min(window[0], h);
  const ww = Math.min(window[1], w);
  const mean = tf.avgPool(deepest, [wh, ww], 1, 'valid');
  const max = tf.maxPool(deepest, [wh, ww], 1, 'valid');
  const pooled = tf.concat([mean, max], 3);
  const gw = params.get('global/w')!;
  const logits = tf.add(tf.matMul(tf.reshape(pooled, [-1, 2 * c]), gw as tfjs.Tensor2D), params.get('global/b')!);
  const map = tf.reshape(logits, [n, mean.shape[1], mean.shape[2]]);
  return wh === h && ww === w ? tf.reshape(map, [n]) : map;
}
