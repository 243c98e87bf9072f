import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { initBackend } from '@unwarp/tf';
import { describe, expect, it } from 'vitest';
import { loadDetector } from './infer.ts';
import { registerWasmGradKernels } from './kernels.ts';
import { computeLoss } from './loss.ts';
import { CONTEXT_PREFIX, forward, initWeights, parameterCount } from './network.ts';
import { getRecipe, type Recipe, recipes, validateRecipe } from './recipe.ts';
import { adamStep, createAdam } from './train/adam.ts';
import { curriculumValue, runTraining } from './train/trainer.ts';
import { loadWeights, saveWeights } from './weights-io.ts';

const shared = path.resolve(import.meta.dirname, '../../../../shared/data');

describe('recipes', () => {
  it('all parse and validate', () => {
    for (const name of Object.keys(recipes)) expect(() => getRecipe(name)).not.toThrow();
    expect(() => getRecipe('nope')).toThrow(/unknown recipe/);
  });

  it('refuse to train on a held-out family or an odd patch size', () => {
    const bad: Recipe = structuredClone(recipes.base!);
    bad.data.families = ['twirl'];
    expect(() => validateRecipe(bad)).toThrow(/held-out/);
    const odd: Recipe = structuredClone(recipes.base!);
    odd.data.patch = 100;
    expect(() => validateRecipe(odd)).toThrow(/multiple/);
    const shrink: Recipe = structuredClone(recipes['native-flow-sizes']!);
    shrink.data.shrinkFace = { share: 0.5, widths: [240, 40] };
    expect(() => validateRecipe(shrink)).toThrow(/shrinkFace/);
  });
});

describe('curriculum', () => {
  it('holds the start value for curriculumHold samples, then anneals linearly to 1', () => {
    const r = getRecipe('detect-easy');
    expect(r.data.curriculumHold).toBe(16000);
    expect(curriculumValue(r, 3, 0)).toBe(3);
    expect(curriculumValue(r, 3, 15999)).toBe(3);
    expect(curriculumValue(r, 3, 16000 + 12000)).toBeCloseTo(2);
    expect(curriculumValue(r, 0, 16000 + 12000)).toBeCloseTo(0.5);
    expect(curriculumValue(r, 3, 1e6)).toBe(1);
    const plain = getRecipe('paired-in');
    expect(curriculumValue(plain, 3, 7000)).toBeCloseTo(2);
    expect(curriculumValue(getRecipe('tiny'), 3, 0)).toBe(1);
    // detect-clean: no post-processing at all (below 0) for the hold and the first half of the anneal.
    const clean = getRecipe('detect-clean');
    expect(curriculumValue(clean, clean.data.augmentStart, 0)).toBe(-1);
    expect(curriculumValue(clean, clean.data.augmentStart, 16000 + 20000)).toBeCloseTo(0);
    expect(curriculumValue(clean, clean.data.augmentStart, 16000 + 40000)).toBe(1);
    // flow-clean: a clean-data study whose anneal ends where it starts (augmentEnd -1): never post-processed.
    const study = getRecipe('flow-clean');
    for (const s of [0, 8000, 16000, 1e6])
      expect(curriculumValue(study, study.data.augmentStart, s, study.data.augmentEnd)).toBe(-1);
    expect(curriculumValue(study, study.data.strengthStart, 8000)).toBeCloseTo(1.5);
  });
});

describe('training machinery on a toy problem', () => {
  it('a tiny net learns "bright patches are edited, and moved by (2, 0)" within 400 samples', async () => {
    const { tf } = await initBackend();
    registerWasmGradKernels(tf);
    const recipe = getRecipe('tiny');
    const weights = initWeights(recipe.arch, 3);
    const before = tf.memory().numTensors;
    const vars = new Map<string, tfjs.Variable>();
    tf.tidy(() => {
      for (const w of weights) vars.set(w.name, tf.variable(tf.tensor(w.data, w.shape), w.trainable, w.name));
    });
    const trainable = weights.filter((w) => w.trainable);
    const adam = createAdam(trainable.map((w) => w.data.length));
    const size = 32;
    let rng = 7;
    const rand = () => {
      rng = (rng * 1103515245 + 12345) >>> 0;
      return rng / 4294967296;
    };
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) {
      // Balanced batches: batch norm cannot tell classes apart in a batch that holds only one.
      const labels = rand() < 0.5 ? [1, 0, 0, 1] : [0, 1, 1, 0];
      const total = tf.tidy(() => {
        const x = tf.stack(
          labels.map((l) => tf.fill([size, size, 3], l ? 200 + 20 * rand() : 40 + 20 * rand())),
        ) as tfjs.Tensor4D;
        const gt = tf.stack(
          labels.map((l) => tf.tile(tf.tensor1d([2 * l, 0]).reshape([1, 1, 2]), [size, size, 1])),
        ) as tfjs.Tensor4D;
        const { value, grads } = tf.variableGrads(
          () =>
            computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, x, true), gt, tf.tensor1d(labels)).total,
          [...vars.values()].filter((v) => v.trainable),
        );
        adamStep(
          adam,
          trainable.map((w) => w.data),
          trainable.map((w) => grads[w.name]!.dataSync() as Float32Array),
          3e-3,
        );
        for (const w of trainable) vars.get(w.name)!.assign(tf.tensor(w.data, w.shape));
        return value.dataSync()[0]!;
      });
      losses.push(total);
    }
    const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
    expect(last, `loss ${first.toFixed(3)} -> ${last.toFixed(3)}`).toBeLessThan(first * 0.5);
    for (const v of vars.values()) v.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('context block', () => {
  it('starts inert: added to trained weights, the network predicts exactly as before, and its gain learns', async () => {
    const { tf } = await initBackend();
    registerWasmGradKernels(tf);
    const plain = getRecipe('tiny').arch;
    const withContext = { ...plain, context: 2 };
    const source = initWeights(plain, 4);
    const added = initWeights(withContext, 9).filter((w) => w.name.startsWith(CONTEXT_PREFIX));
    expect(added.map((w) => w.name)).toContain(`${CONTEXT_PREFIX}mix/gamma`);
    const before = tf.memory().numTensors;
    // Each set of weights becomes its own variables (names are unique per engine, hence the tag); the tidy frees the
    // tensors they were made from.
    const vars = (ws: typeof source, tag: string) => {
      const m = new Map<string, tfjs.Variable>();
      tf.tidy(() => {
        for (const w of ws) m.set(w.name, tf.variable(tf.tensor(w.data, w.shape), true, `${tag}/${w.name}`));
      });
      return m;
    };
    const a = vars(source, 'plain');
    const b = vars([...source, ...added], 'context');
    const x = tf.randomUniform([1, 48, 64, 3], 0, 255, 'float32', 3) as tfjs.Tensor4D;
    const [flowA, flowB] = tf.tidy(() => [
      forward(tf, plain, a as never, x, false).flow,
      forward(tf, withContext, b as never, x, false).flow,
    ]);
    expect(Array.from(flowB!.dataSync())).toEqual(Array.from(flowA!.dataSync()));
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.square(forward(tf, withContext, b as never, x, true).flow)) as tfjs.Scalar,
        [b.get(`${CONTEXT_PREFIX}mix/gamma`)!],
      );
      return grads[`context/${CONTEXT_PREFIX}mix/gamma`]!;
    });
    expect(Math.max(...Array.from(g.dataSync()).map(Math.abs))).toBeGreaterThan(0);
    expect(parameterCount(withContext)).toBeGreaterThan(parameterCount(plain));
    tf.dispose([x, flowA!, flowB!, g, ...a.values(), ...b.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('training step symmetry', () => {
  // Faces in the photos are upright, so a network can learn dx worse than dy (docs/training-experiments.md, twelfth
  // session); this keeps that from ever being the code's doing. Transposing the batch (W's components swapped with
  // it) and every kernel (the head's dx and dy outputs swapped) must give the same loss and the transposed gradients:
  // an x/y slip in any forward or gradient kernel breaks that.
  it('transposing batch and weights gives the same loss and the transposed gradients', async () => {
    const { tf } = await initBackend();
    registerWasmGradKernels(tf);
    const recipe = getRecipe('native-views-256');
    const weights = initWeights(recipe.arch, 11);
    const S = 64;
    const img = tf.randomUniform([2, S, S, 3], 0, 255, 'float32', 5) as tfjs.Tensor4D;
    const flow = tf.randomUniform([2, S, S, 2], -3, 3, 'float32', 6) as tfjs.Tensor4D;
    const turn = (name: string, t: tfjs.Tensor): tfjs.Tensor =>
      name === 'head/w'
        ? tf.gather(t, [1, 0, 2], 3)
        : name === 'head/b'
          ? tf.gather(t, [1, 0, 2], 0)
          : t.rank === 4
            ? tf.transpose(t, [1, 0, 2, 3])
            : t.clone();
    const step = (transposed: boolean) =>
      tf.tidy(() => {
        const vars = new Map(
          weights.map((w) => {
            const t = tf.tensor(w.data, w.shape);
            return [w.name, tf.variable(transposed ? turn(w.name, t) : t, w.trainable, `sym${transposed}/${w.name}`)];
          }),
        );
        const x = transposed ? (tf.transpose(img, [0, 2, 1, 3]) as tfjs.Tensor4D) : img;
        const gt = transposed ? (tf.reverse(tf.transpose(flow, [0, 2, 1, 3]), 3) as tfjs.Tensor4D) : flow;
        const images = { modified: x, original: tf.add(x, 3) as tfjs.Tensor4D };
        const { value, grads } = tf.variableGrads(
          () =>
            computeLoss(tf, recipe, forward(tf, recipe.arch, vars as never, x, true), gt, tf.tensor1d([1, 0]), images)
              .total,
          [...vars.values()].filter((v) => v.trainable),
        );
        const named = Object.entries(grads).map(([k, g]) => {
          const name = k.slice(k.indexOf('/') + 1);
          return [name, transposed ? turn(name, g) : g] as const;
        });
        for (const v of vars.values()) v.dispose();
        // tidy keeps what it returns in arrays and objects, not in a Map.
        return { value, names: named.map(([n]) => n), tensors: named.map(([, g]) => g) };
      });
    const both = [step(false), step(true)];
    const [a, b] = both.map((r) => ({ value: r.value, grads: new Map(r.names.map((n, i) => [n, r.tensors[i]!])) })) as [
      { value: tfjs.Scalar; grads: Map<string, tfjs.Tensor> },
      { value: tfjs.Scalar; grads: Map<string, tfjs.Tensor> },
    ];
    expect(b.value.dataSync()[0]!).toBeCloseTo(a.value.dataSync()[0]!, 4);
    expect(a.grads.size).toBeGreaterThan(10);
    for (const [name, g] of a.grads) {
      const [u, v] = [g.dataSync(), b.grads.get(name)!.dataSync()];
      let diff = 0;
      let norm = 0;
      for (let i = 0; i < u.length; i++) {
        diff += (u[i]! - v[i]!) ** 2;
        norm += u[i]! ** 2;
      }
      // Float32 sums in another order differ by ~0.5% here (the instance norm's backward cancels heavily at random
      // initialisation; 2e-5 on trained weights); an x/y slip is an error of order 1.
      expect(Math.sqrt(diff / (norm + 1e-30)), name).toBeLessThan(2e-2);
    }
    tf.dispose([img, flow, a.value, b.value, ...a.grads.values(), ...b.grads.values()]);
  });
});

describe('weights IO and inference', () => {
  it('save → load round trip gives identical predictions and leaks no tensors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-model-'));
    try {
      const recipe = getRecipe('tiny');
      await saveWeights(dir, { name: 'roundtrip', version: '1', recipe }, initWeights(recipe.arch, 11));
      const { weights } = await loadWeights(dir);
      expect(weights.reduce((s, w) => s + (w.trainable ? w.data.length : 0), 0)).toBe(parameterCount(recipe.arch));
      const img = {
        width: 70,
        height: 90,
        channels: 3,
        data: new Uint8Array(70 * 90 * 3).map((_, i) => (i * 37) % 251),
      };
      const a = await loadDetector(dir);
      const { tf } = await initBackend();
      const before = tf.memory().numTensors;
      const p1 = await a.predict(img);
      expect(tf.memory().numTensors).toBe(before);
      const b = await loadDetector(dir);
      const p2 = await b.predict(img);
      expect(p1.flow.width).toBe(70);
      expect(p1.flow.height).toBe(90);
      expect(Array.from(p2.flow.data)).toEqual(Array.from(p1.flow.data));
      expect(p2.probability).toBe(p1.probability);
      a.dispose();
      b.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a detection-only model (loss.epe = 0) scores faces and predicts W = 0', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-model-'));
    try {
      const recipe = structuredClone(getRecipe('tiny'));
      recipe.loss.epe = 0;
      await saveWeights(dir, { name: 'detect', version: '1', recipe }, initWeights(recipe.arch, 11));
      const d = await loadDetector(dir);
      expect(d.predictsFlow).toBe(false);
      const img = { width: 48, height: 48, channels: 3, data: new Uint8Array(48 * 48 * 3).map((_, i) => i % 253) };
      const p = await d.predict(img);
      expect(p.flow.data.every((v) => v === 0)).toBe(true);
      expect(p.probability).toBeGreaterThan(0);
      expect(p.probability).toBeLessThan(1);
      d.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a torn weights file with a clear error', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-model-'));
    const recipe = getRecipe('tiny');
    await saveWeights(dir, { name: 'x', version: '1', recipe }, initWeights(recipe.arch, 1));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'weights.bin'), new Uint8Array(12));
    await expect(loadWeights(dir)).rejects.toThrow(/bytes, manifest needs/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe.skipIf(!existsSync(path.join(shared, 'train/helen')))('the trainer (threads, checkpoints, resume)', () => {
  it('trains from a pre-generated `unwarp synth` set as well as from photos', async () => {
    const { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } = await import('@unwarp/liquify');
    const { encodeFlo } = await import('@unwarp/flow');
    const sharp = (await import('sharp')).default;
    const { mkdir, writeFile } = await import('node:fs/promises');
    const set = await mkdtemp(path.join(os.tmpdir(), 'unwarp-set-'));
    const runDir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-run-'));
    try {
      // Two samples laid out as `unwarp synth` writes them.
      const refs = await listLandmarkedPhotos([path.join(shared, 'train/helen')]);
      for (let i = 0; i < 2; i++) {
        const pair = await makePair(await loadFacePhoto(refs[i]!), createRng(i), {
          patch: 0,
          cropShortSide: 200,
          positiveRate: 1,
          augment: false,
          keepOriginal: true,
        });
        const dir = path.join(set, String(i).padStart(6, '0'));
        await mkdir(dir);
        const jpeg = (img: typeof pair.modified) =>
          sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
            .jpeg({ quality: 95 })
            .toBuffer();
        await writeFile(path.join(dir, 'modified.jpg'), await jpeg(pair.modified));
        await writeFile(path.join(dir, 'original.jpg'), await jpeg(pair.original!));
        await writeFile(path.join(dir, 'warp.flo'), encodeFlo(pair.flow));
        await writeFile(path.join(dir, 'meta.json'), '{}');
      }
      const state = await runTraining({
        recipe: getRecipe('tiny'),
        seed: 2,
        runDir,
        photoDirs: { train: [set], val: [path.join(shared, 'val/helen')] },
        samples: 8,
        resume: false,
        evalEvery: 8,
        valSize: 16,
        replicas: 1,
        log: () => {},
      });
      expect(state.samples).toBe(8);
      expect(state.history.at(-1)!.samples).toBe(8);
    } finally {
      await rm(set, { recursive: true, force: true });
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('fine-tunes from saved weights with the reconstruction term (originals reach the replicas)', async () => {
    const runDir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-init-'));
    try {
      const tiny = getRecipe('tiny');
      const recipe: Recipe = { ...tiny, loss: { ...tiny.loss, reconstruction: 1 } };
      validateRecipe(recipe);
      const start = path.join(runDir, 'start');
      await saveWeights(start, { name: 't', version: '0', recipe }, initWeights(recipe.arch, 5));
      const common = {
        recipe,
        seed: 1,
        photoDirs: { train: [path.join(shared, 'train/helen')], val: [path.join(shared, 'val/helen')] },
        samples: 8,
        resume: false,
        evalEvery: 8,
        valSize: 16,
        replicas: 2,
        log: () => {},
      };
      const state = await runTraining({ ...common, runDir: path.join(runDir, 'run'), initFrom: start });
      expect(state.samples).toBe(8);
      expect(state.initFrom).toBe(start);
      const before = (await loadWeights(start)).weights;
      const after = (await loadWeights(path.join(runDir, 'run/checkpoint'))).weights;
      expect(after.some((w, i) => w.data.some((v, j) => v !== before[i]!.data[j]))).toBe(true);
      // Weights of another architecture are refused before any step.
      const other = { ...recipe, arch: { ...recipe.arch, widths: [4, 8, 8, 16] } };
      await expect(
        runTraining({ ...common, recipe: other, runDir: path.join(runDir, 'bad'), initFrom: start }),
      ).rejects.toThrow(/does not fit recipe/);
    } finally {
      await rm(runDir, { recursive: true, force: true });
    }
  });

  it('runs, validates, checkpoints, and resumes where it stopped', async () => {
    const runDir = await mkdtemp(path.join(os.tmpdir(), 'unwarp-run-'));
    try {
      const common = {
        recipe: getRecipe('tiny'),
        seed: 1,
        runDir,
        photoDirs: { train: [path.join(shared, 'train/helen')], val: [path.join(shared, 'val/helen')] },
        evalEvery: 8,
        valSize: 16,
        replicas: 2,
        log: () => {},
      };
      const first = await runTraining({ ...common, samples: 16, resume: false });
      expect(first.samples).toBe(16);
      expect(first.history.map((r) => r.samples)).toEqual([0, 8, 16]);
      expect(first.history[2]!.heldOut.n).toBe(16);
      expect(existsSync(path.join(runDir, 'checkpoint/weights.bin'))).toBe(true);
      const second = await runTraining({ ...common, samples: 24, resume: true });
      expect(second.samples).toBe(24);
      expect(second.history.map((r) => r.samples)).toEqual([0, 8, 16, 24]);
    } finally {
      await rm(runDir, { recursive: true, force: true });
    }
  }, 120_000);
});
