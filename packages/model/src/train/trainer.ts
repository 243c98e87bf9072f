import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadCpuKernels } from '@unwarp/cpu-kernels';
import { CONTEXT_PREFIX, initWeights, parameterCount, type Weight } from '../network.ts';
import { HELD_OUT_FAMILIES, type Recipe } from '../recipe.ts';
import { loadWeights, saveWeights } from '../weights-io.ts';
import { type AdamState, adamStep, createAdam } from './adam.ts';
import type { Batch, ReplicaReply, ReplicaRequest, SynthReply, SynthRequest } from './protocol.ts';
import { deadShare, type Prediction, scorePart, type ValMetrics, withoutFlow } from './validate.ts';
import { RpcWorker } from './workers.ts';

export type TrainOptions = {
  recipe: Recipe;
  /** Total training samples for the run (a resumed run continues to this total). */
  samples: number;
  seed: number;
  runDir: string;
  photoDirs: { train: string[]; val: string[] };
  resume: boolean;
  replicas?: number;
  evalEvery?: number;
  valSize?: number;
  checkpointMinutes?: number;
  /** Start from these weights instead of a fresh initialisation. */
  initFrom?: string;
  log?: (line: string) => void;
};

export type EvalRow = {
  samples: number;
  seconds: number;
  samplesPerSecond: number;
  loss: Record<string, number>;
  inFamily: ValMetrics;
  heldOut: ValMetrics;
  deadShare: number;
};

export type RunState = {
  recipe: string;
  seed: number;
  samples: number;
  target: number;
  trainSeconds: number;
  history: EvalRow[];
  /** The weights the run started from, when it did not start from scratch. */
  initFrom?: string;
};

const BN_MOMENTUM = 0.9;

/** A curriculum knob after `s` samples: its start value for `curriculumHold` samples, then linear to 1. */
export function curriculumValue(recipe: Recipe, start: number, s: number, end = 1): number {
  const { curriculumSamples, curriculumHold = 0 } = recipe.data;
  if (curriculumSamples <= 0 && curriculumHold <= 0) return end;
  if (s < curriculumHold) return start;
  const t = curriculumSamples > 0 ? Math.min(1, (s - curriculumHold) / curriculumSamples) : 1;
  return start + (end - start) * t;
}

/** Runs (or resumes) one training run: synthesis on one thread, gradient replicas on the others, Adam here. */
export async function runTraining(opts: TrainOptions): Promise<RunState> {
  const { recipe } = opts;
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  // Replicas share the cores. Two of one thread each beat one of two threads for our networks on 96 px patches, native
  // kernels or not (native-clean: 40 against 27 samples/s): most of a step is small ops whose per-op cost does not
  // split over threads. (The reference U-Net at batch 8 x 128 px is the other way round: 39 against 22.)
  const native = loadCpuKernels().kernels !== undefined;
  const replicaCount = Math.max(1, opts.replicas ?? 2);
  const replicaThreads = Math.max(1, Math.floor(os.availableParallelism() / replicaCount));
  const evalEvery = opts.evalEvery ?? 2000;
  const valSize = opts.valSize ?? 256;
  const ckptDir = path.join(opts.runDir, 'checkpoint');
  await mkdir(opts.runDir, { recursive: true });

  let weights: Weight[];
  let adam: AdamState;
  let state: RunState;
  const statePath = path.join(opts.runDir, 'state.json');
  const resumable = opts.resume && (await exists(path.join(ckptDir, 'model.json')));
  if (resumable) {
    ({ weights } = await loadWeights(ckptDir));
    state = JSON.parse(await readFile(statePath, 'utf8')) as RunState;
    adam = await loadAdam(path.join(ckptDir, 'adam.bin'), weights);
    state.target = opts.samples;
    log(`resuming ${opts.runDir} at ${state.samples} samples`);
  } else {
    weights = opts.initFrom
      ? await initialWeights(opts.initFrom, recipe, opts.seed)
      : initWeights(recipe.arch, opts.seed);
    adam = createAdam(weights.filter((w) => w.trainable).map((w) => w.data.length));
    state = {
      recipe: recipe.name,
      seed: opts.seed,
      samples: 0,
      target: opts.samples,
      trainSeconds: 0,
      history: [],
      ...(opts.initFrom ? { initFrom: opts.initFrom } : {}),
    };
  }
  log(
    `recipe ${recipe.name}: ${parameterCount(recipe.arch)} parameters, patch ${recipe.data.patch}, batch ${recipe.schedule.batch}, ${replicaCount} replica(s) x ${replicaThreads} thread(s), ${native ? 'native' : 'XNNPACK'} convolutions`,
  );

  const synth = new RpcWorker<SynthRequest, SynthReply>(new URL('./synth-worker.ts', import.meta.url), {
    type: 'init',
    pools: opts.photoDirs,
    data: recipe.data,
    originals: (recipe.loss.reconstruction ?? 0) > 0,
  });
  const replicas = Array.from(
    { length: replicaCount },
    () =>
      new RpcWorker<ReplicaRequest, ReplicaReply>(new URL('./replica-worker.ts', import.meta.url), {
        type: 'init',
        recipe,
        threads: replicaThreads,
      }),
  );
  try {
    const ready = (await synth.ready()) as { photos: Record<string, number> };
    await Promise.all(replicas.map((r) => r.ready()));
    log(`photos: ${JSON.stringify(ready.photos)}`);

    const valSets = await buildValidation(synth, recipe, valSize);
    const trainable = weights.filter((w) => w.trainable);
    const byName = new Map(weights.map((w) => [w.name, w]));
    const B = recipe.schedule.batch;
    const strengthAt = (s: number) => curriculumValue(recipe, recipe.data.strengthStart, s);
    const augmentAt = (s: number) => curriculumValue(recipe, recipe.data.augmentStart, s, recipe.data.augmentEnd ?? 1);
    const lrAt = (s: number) => {
      if (s < recipe.schedule.warmupSamples)
        return recipe.schedule.lr * Math.max(0.05, s / recipe.schedule.warmupSamples);
      return s < recipe.schedule.decayAt * opts.samples ? recipe.schedule.lr : recipe.schedule.finalLr;
    };
    let batchIndex = Math.floor(state.samples / B);
    const queue: Promise<SynthReply>[] = [];
    const request = () => {
      const s = batchIndex * B;
      queue.push(
        synth.call({
          type: 'batch',
          pool: 'train',
          n: B,
          seed: (opts.seed * 1_000_003 + batchIndex * 7919) >>> 0,
          strength: strengthAt(s),
          augmentLevel: augmentAt(s),
          families: recipe.data.families,
        }),
      );
      batchIndex++;
    };
    let nextEval =
      state.history.length > 0
        ? (Math.floor(state.samples / evalEvery) + 1) * evalEvery
        : state.samples === 0
          ? 0
          : state.samples;
    let lastCkpt = Date.now();
    const emaLoss: Record<string, number> = {};
    let windowStart = performance.now();
    let windowSamples = 0;
    let lastLog = 0;
    let samplesPerSecond = 0;

    const evaluate = async () => {
      const row: EvalRow = {
        samples: state.samples,
        seconds: Math.round(state.trainSeconds),
        samplesPerSecond: Math.round(samplesPerSecond * 100) / 100,
        loss: { ...emaLoss },
        ...(await validateAll(replicas, weights, valSets, recipe.loss.epe > 0)),
      };
      state.history.push(row);
      log(formatRow(row));
      await writeFile(
        path.join(opts.runDir, 'metrics.jsonl'),
        state.history.map((r) => JSON.stringify(r)).join('\n') + '\n',
      );
    };
    const checkpoint = async () => {
      await saveWeights(
        ckptDir,
        {
          name: recipe.name,
          version: `${state.samples}`,
          recipe,
          training: { samples: state.samples, seed: opts.seed },
        },
        weights,
      );
      await saveAdam(path.join(ckptDir, 'adam.bin'), adam);
      await writeFile(statePath, `${JSON.stringify(state, null, 1)}\n`);
      lastCkpt = Date.now();
    };

    if (nextEval === 0) {
      await evaluate();
      nextEval = evalEvery;
    }
    while (state.samples < opts.samples) {
      while (queue.length < 3) request();
      const reply = await queue.shift()!;
      if (reply.type === 'error') throw new Error(`data synthesis failed: ${reply.message}`);
      const t0 = performance.now();
      const parts = splitBatch(reply.batch, replicaCount);
      const results = await Promise.all(
        parts.map((part, i) => replicas[i]!.call({ type: 'grads', weights, batch: part })),
      );
      const grads = trainable.map((w) => new Float32Array(w.data.length));
      const loss: Record<string, number> = {};
      const moments = new Map<string, { mean: Float32Array; variance: Float32Array }>();
      results.forEach((r, i) => {
        if (r.type !== 'grads') throw new Error(r.type === 'error' ? r.message : 'unexpected reply');
        const share = parts[i]!.n / B;
        r.grads.forEach((g, k) => {
          const acc = grads[k]!;
          for (let j = 0; j < g.length; j++) acc[j] = acc[j]! + g[j]! * share;
        });
        for (const [k, v] of Object.entries(r.loss)) loss[k] = (loss[k] ?? 0) + v * share;
        for (const m of r.moments) {
          const acc = moments.get(m.name) ?? {
            mean: new Float32Array(m.mean.length),
            variance: new Float32Array(m.variance.length),
          };
          for (let j = 0; j < m.mean.length; j++) {
            acc.mean[j] = acc.mean[j]! + m.mean[j]! * share;
            acc.variance[j] = acc.variance[j]! + m.variance[j]! * share;
          }
          moments.set(m.name, acc);
        }
      });
      if (!Number.isFinite(loss.total ?? Number.NaN))
        throw new Error(`loss is ${loss.total} at ${state.samples} samples`);
      adamStep(
        adam,
        trainable.map((w) => w.data),
        grads,
        lrAt(state.samples),
        { clipNorm: 5 },
      );
      for (const [name, m] of moments) {
        const rm = byName.get(`${name}/mean`)!.data;
        const rv = byName.get(`${name}/var`)!.data;
        for (let j = 0; j < rm.length; j++) {
          rm[j] = BN_MOMENTUM * rm[j]! + (1 - BN_MOMENTUM) * m.mean[j]!;
          rv[j] = BN_MOMENTUM * rv[j]! + (1 - BN_MOMENTUM) * m.variance[j]!;
        }
      }
      for (const [k, v] of Object.entries(loss))
        emaLoss[k] = emaLoss[k] === undefined ? v : 0.98 * emaLoss[k]! + 0.02 * v;
      state.samples += B;
      windowSamples += B;
      const now = performance.now();
      state.trainSeconds += (now - t0) / 1000;
      if (now - windowStart > 20_000) {
        samplesPerSecond = windowSamples / ((now - windowStart) / 1000);
        windowStart = now;
        windowSamples = 0;
      }
      if (now - lastLog > 15_000) {
        lastLog = now;
        log(progressLine(state, samplesPerSecond, emaLoss, lrAt(state.samples)));
      }
      if (state.samples >= nextEval || state.samples >= opts.samples) {
        await evaluate();
        nextEval += evalEvery;
        await checkpoint();
      } else if (Date.now() - lastCkpt > (opts.checkpointMinutes ?? 5) * 60_000) {
        await checkpoint();
      }
    }
    if (state.history.at(-1)?.samples !== state.samples) {
      await evaluate();
      await checkpoint();
    }
    return state;
  } finally {
    await Promise.all([synth.close(), ...replicas.map((r) => r.close())]);
  }
}

type ValSets = { inFamily: Batch[]; heldOut: Batch[] };

/**
 * The fixed validation set: val photos only, two parts — the recipe's own families and the held-out ones
 * (twirl, push strokes) — at strength 1, seeded so every run of every recipe sees the same samples.
 */
async function buildValidation(
  synth: RpcWorker<SynthRequest, SynthReply>,
  recipe: Recipe,
  size: number,
): Promise<ValSets> {
  const chunk = 16;
  const part = async (families: Recipe['data']['families'], base: number) => {
    const out: Batch[] = [];
    for (let c = 0; c * chunk < size; c++) {
      const r = await synth.call({
        type: 'batch',
        pool: 'val',
        n: Math.min(chunk, size - c * chunk),
        seed: base + c,
        strength: 1,
        augmentLevel: 1,
        families,
      });
      if (r.type === 'error') throw new Error(`validation synthesis failed: ${r.message}`);
      out.push(r.batch);
    }
    return out;
  };
  return { inFamily: await part(recipe.data.families, 900_001), heldOut: await part(HELD_OUT_FAMILIES, 700_001) };
}

async function validateAll(
  replicas: RpcWorker<ReplicaRequest, ReplicaReply>[],
  weights: Weight[],
  sets: ValSets,
  predictsFlow: boolean,
): Promise<Pick<EvalRow, 'inFamily' | 'heldOut' | 'deadShare'>> {
  const predictAll = async (batches: Batch[]) => {
    const preds: Prediction[] = new Array(batches.length);
    await Promise.all(
      replicas.map(async (r, ri) => {
        for (let i = ri; i < batches.length; i += replicas.length) {
          const rep = await r.call({ type: 'predict', weights, batch: batches[i]! });
          if (rep.type !== 'predict') throw new Error(rep.type === 'error' ? rep.message : 'unexpected reply');
          // As at inference: a model trained without flow terms predicts W = 0, not its untrained head's noise.
          preds[i] = predictsFlow ? rep : withoutFlow(rep);
        }
      }),
    );
    return preds;
  };
  const inPreds = await predictAll(sets.inFamily);
  const outPreds = await predictAll(sets.heldOut);
  return {
    inFamily: scorePart(sets.inFamily, inPreds),
    heldOut: scorePart(sets.heldOut, outPreds),
    deadShare: deadShare([...inPreds, ...outPreds]),
  };
}

/** Weights to fine-tune from, checked against the recipe's architecture so a mismatch fails here, not mid-step. */
async function initialWeights(dir: string, recipe: Recipe, seed: number): Promise<Weight[]> {
  const { weights } = await loadWeights(dir);
  const want = initWeights(recipe.arch, seed);
  const key = (w: Weight) => `${w.name}[${w.shape.join('x')}]`;
  // A context block the source lacks starts fresh (its output is 0 until trained); anything else must match.
  const added = (w: Weight) => w.name.startsWith(CONTEXT_PREFIX) && !weights.some((v) => v.name === w.name);
  const kept = want.filter((w) => !added(w));
  const missing = kept.map(key).filter((k) => !weights.some((w) => key(w) === k));
  if (missing.length > 0 || weights.length !== kept.length)
    throw new Error(
      `${dir} does not fit recipe ${recipe.name}'s architecture (first mismatch: ${missing[0] ?? 'count'})`,
    );
  return want.map((w) => (added(w) ? w : weights.find((v) => v.name === w.name)!));
}

function splitBatch(b: Batch, parts: number): Batch[] {
  const out: Batch[] = [];
  const per = Math.ceil(b.n / parts);
  const px = b.size * b.size;
  for (let start = 0; start < b.n; start += per) {
    const n = Math.min(per, b.n - start);
    out.push({
      n,
      size: b.size,
      images: b.images.slice(start * px * 3, (start + n) * px * 3),
      flows: b.flows.slice(start * px * 2, (start + n) * px * 2),
      labels: b.labels.slice(start, start + n),
      ...(b.originals ? { originals: b.originals.slice(start * px * 3, (start + n) * px * 3) } : {}),
    });
  }
  return out;
}

async function saveAdam(file: string, adam: AdamState): Promise<void> {
  const total = adam.m.reduce((s, m) => s + m.length, 0);
  const all = new Float32Array(1 + 2 * total);
  all[0] = adam.step;
  let o = 1;
  for (const m of adam.m) {
    all.set(m, o);
    o += m.length;
  }
  for (const v of adam.v) {
    all.set(v, o);
    o += v.length;
  }
  await writeFile(`${file}.tmp`, new Uint8Array(all.buffer));
  await rename(`${file}.tmp`, file);
}

async function loadAdam(file: string, weights: Weight[]): Promise<AdamState> {
  const sizes = weights.filter((w) => w.trainable).map((w) => w.data.length);
  const adam = createAdam(sizes);
  if (!(await exists(file))) return adam;
  const buf = await readFile(file);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  adam.step = all[0]!;
  let o = 1;
  for (const m of adam.m) {
    m.set(all.subarray(o, o + m.length));
    o += m.length;
  }
  for (const v of adam.v) {
    v.set(all.subarray(o, o + v.length));
    o += v.length;
  }
  return adam;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

export function formatRow(r: EvalRow): string {
  const part = (name: string, m: ValMetrics) =>
    `${name}: AP ${f3(m.ap)} (moved-map ${f3(m.apMoved)}) acc ${f3(m.accuracy)} FPR ${pct(m.fpr)} EPE ${f3(m.epe)}/${f3(m.zeroEpe)} px = ${pct(m.epeRatio)} of zero-flow, |W| on unedited ${f3(m.meanFlowUnedited)}`;
  return `[eval @ ${r.samples}] ${part('in-family', r.inFamily)} | ${part('held-out', r.heldOut)} | dead ${pct(r.deadShare)} | ${r.samplesPerSecond} samples/s`;
}

function progressLine(state: RunState, sps: number, loss: Record<string, number>, lr: number): string {
  const left = state.target - state.samples;
  const eta = sps > 0 ? left / sps : Number.NaN;
  const width = 24;
  const done = Math.round((width * state.samples) / state.target);
  const etaText = Number.isFinite(eta) ? `${Math.floor(eta / 60)}m${Math.round(eta % 60)}s` : '?';
  const lossText = Object.entries(loss)
    .map(([k, v]) => `${k} ${v.toFixed(3)}`)
    .join(' ');
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${state.samples}/${state.target} ${sps.toFixed(1)} samples/s ETA ${etaText} lr ${lr.toExponential(1)} | ${lossText}`;
}
