import { FAMILIES, type Family } from '@unwarp/liquify';

/**
 * A recipe is everything that decides what a training run learns: architecture, loss, data and schedule.
 * Recipes are small typed objects kept in the repository (see `recipes` below) so every experiment is replayable.
 */
export type Recipe = {
  name: string;
  description: string;
  arch: {
    /** Channels per level; level i runs at 1/2^i of the input. Flow is predicted at level `flowLevel`. */
    widths: number[];
    flowLevel: number;
    /** Feed a high-pass residual (x − box blur) beside RGB: resampling leaves its traces there. */
    highpass: boolean;
    /**
     * Feed log(local high-pass energy / surrounding high-pass energy) as one more channel: resampling lowers the first
     * against the second, and the ratio cancels how much texture a face has to begin with.
     */
    energyContrast?: boolean;
    /** Multiplier of the high-pass residual (default 4); skin residuals are ~1% of the range, so small gains drown. */
    highpassGain?: number;
    /** `instance` normalises each sample on its own: no batch statistics, so batch-mates cannot leak into a sample. */
    norm: 'none' | 'batch' | 'instance';
    /**
     * Extra stride-2 levels below the deepest whose features are added back to it before the decoder (default 0):
     * wider context for the field. The global head still reads the deepest level itself.
     */
    context?: number;
    /** Network outputs are multiplied by this to give pixels. */
    flowScale: number;
  };
  loss: {
    epe: number;
    /** Extra weight of pixels whose true |W| > 0.5 px (the edited ones) in the EPE average. */
    editedWeight: number;
    /** Binary cross-entropy of the per-pixel "moved" map. */
    mask: number;
    /** Binary cross-entropy of the global (patch / face) logit. */
    global: number;
    /** EPE of 2x and 4x average-pooled flows (the research model's multiscale term, on absolute warps). */
    multiscale: number;
    /**
     * The modified patch unwarped with the predicted W against the original (the research model's reconstruction
     * term; 0 or absent = off). Training then carries each sample's original.
     */
    reconstruction?: number;
  };
  data: {
    patch: number;
    /** Face crops resized to this short side before the edit; 0 = the photo's own pixels (seen natively at inference). */
    cropShortSide: number;
    families: Family[];
    positiveRate: number;
    /**
     * Put each edited patch and its own unedited twin (same photo, place and post-processing) in the same batch, so
     * the gradient contrasts exactly the warp's traces rather than two different faces. positiveRate is then ignored.
     */
    pairs?: boolean;
    /** Edit strength multiplier at the start, annealed linearly to 1 over `curriculumSamples`. */
    strengthStart: number;
    /**
     * Post-processing difficulty (0…1) at the start, annealed linearly to 1 over `curriculumSamples`. Below 0 means no
     * post-processing at all (level 0 still JPEG-encodes most pairs at quality 90–100) until the anneal passes 0.
     */
    augmentStart: number;
    /** Where the post-processing anneal ends (default 1, the full mix); -1 keeps a study on clean edits throughout. */
    augmentEnd?: number;
    curriculumSamples: number;
    /** Samples spent at the start values before the curriculum begins (default 0). */
    curriculumHold?: number;
    /** Share of training pairs left without any post-processing, whatever the anneal's level (default 0). */
    cleanShare?: number;
    /** Where re-saves put their JPEG blocks (`PairOptions.jpegGrid`; default `patch`). */
    jpegGrid?: 'photo' | 'patch';
    /** Show each training pair in one of the square's eight symmetries, drawn at random (W turned with it). */
    viewAugment?: boolean;
    /** Shrink some photos first so their faces are small (`PairOptions.shrinkFace`; default never). */
    shrinkFace?: { share: number; widths: [number, number] };
    /** Resize some photos first and keep them lossless (`PairOptions.resampleFirst`; default never). */
    resampleFirst?: { share: number; factors: [number, number] };
  };
  schedule: {
    batch: number;
    lr: number;
    finalLr: number;
    warmupSamples: number;
    /** Fraction of the run (by samples) after which lr drops to finalLr. */
    decayAt: number;
  };
};

/** Families the validation's held-out part uses; training recipes never include them. */
export const HELD_OUT_FAMILIES: Family[] = ['twirl', 'push-stroke'];
export const TRAIN_FAMILIES: Family[] = FAMILIES.filter((f) => !HELD_OUT_FAMILIES.includes(f));

const base: Recipe = {
  name: 'base',
  description:
    'U-Net-ish encoder to 1/16, decoder to 1/4; high-pass input; batch norm; weighted EPE + mask + global BCE.',
  arch: { widths: [12, 24, 48, 64, 96], flowLevel: 2, highpass: true, norm: 'batch', flowScale: 4 },
  loss: { epe: 1, editedWeight: 10, mask: 1, global: 0.5, multiscale: 0.5 },
  data: {
    patch: 128,
    cropShortSide: 400,
    families: TRAIN_FAMILIES,
    positiveRate: 0.5,
    strengthStart: 2,
    augmentStart: 1,
    curriculumSamples: 8000,
  },
  schedule: { batch: 8, lr: 2e-3, finalLr: 4e-4, warmupSamples: 400, decayAt: 0.75 },
};

function variant(name: string, description: string, patch: (r: Recipe) => void, from: Recipe = base): Recipe {
  const r = structuredClone(from);
  r.name = name;
  r.description = description;
  patch(r);
  return r;
}

export const recipes: Record<string, Recipe> = {
  base,
  'no-highpass': variant('no-highpass', 'base without the high-pass input channels', (r) => {
    r.arch.highpass = false;
  }),
  'no-norm': variant('no-norm', 'base without batch norm', (r) => {
    r.arch.norm = 'none';
  }),
  'plain-epe': variant('plain-epe', 'base with unweighted EPE, no mask or multiscale terms (the naive loss)', (r) => {
    r.loss = { epe: 1, editedWeight: 0, mask: 0, global: 0.5, multiscale: 0 };
  }),
  'no-curriculum': variant('no-curriculum', 'base without the strong-to-subtle curriculum', (r) => {
    r.data.strengthStart = 1;
  }),
  wide: variant('wide', 'base with 1.5x channels', (r) => {
    r.arch.widths = [16, 32, 64, 96, 128];
  }),
  'easy-start': variant(
    'easy-start',
    'base on 96 px patches with a longer curriculum: edits 3x stronger and light post-processing at first, both annealed to the full mix by 14k samples',
    (r) => {
      r.data.patch = 96;
      r.data.strengthStart = 3;
      r.data.augmentStart = 0;
      r.data.curriculumSamples = 14000;
    },
  ),
  tiny: variant('tiny', 'a tiny net on 48 px patches: for tests and smoke runs', (r) => {
    r.arch.widths = [4, 8, 8, 8];
    r.data.patch = 48;
    r.schedule.batch = 4;
    r.data.curriculumSamples = 0;
    r.data.strengthStart = 1;
  }),
};

// Each step below changes one idea on top of the previous recipe, so a row in docs/training-experiments.md names it.
recipes['detect-first'] = variant(
  'detect-first',
  'easy-start with 4-sample batches (twice the optimiser steps per sample), the moved head started at its prior, and the loss led by detection (moved map x2, global x1) with EPE at 0.2 and no multiscale term',
  (r) => {
    r.schedule.batch = 4;
    r.schedule.warmupSamples = 200;
    r.loss = { epe: 0.2, editedWeight: 10, mask: 2, global: 1, multiscale: 0 };
  },
  recipes['easy-start'],
);
recipes.paired = variant(
  'paired',
  'detect-first with every edited patch and its unedited twin in the same batch (batch 4 = 2 pairs)',
  (r) => {
    r.data.pairs = true;
  },
  recipes['detect-first'],
);
recipes['paired-in'] = variant(
  'paired-in',
  'paired with instance norm instead of batch norm: with batch norm a patch could see its twin through the batch statistics (paired learned that in training and nothing that transfers)',
  (r) => {
    r.arch.norm = 'instance';
  },
  recipes.paired,
);

recipes['detect-only'] = variant(
  'detect-only',
  'paired-in with no flow terms at all (moved map x2, global x1): with the original in view the flow gradient swamped the trunk and stopped detection too (learnability PAIR_INPUT), so this asks only where and whether',
  (r) => {
    r.loss = { epe: 0, editedWeight: 10, mask: 2, global: 1, multiscale: 0 };
  },
  recipes['paired-in'],
);

recipes['detect-easy'] = variant(
  'detect-easy',
  'detect-only that stays on the easy end (3x edits, no post-processing) for 16k samples before annealing to the full mix over 24k more: on that data detection broke through only after ~3,000 steps (learnability probe), so the anneal must not start before it',
  (r) => {
    r.data.curriculumHold = 16000;
    r.data.curriculumSamples = 24000;
  },
  recipes['detect-only'],
);

recipes['detect-clean'] = variant(
  'detect-clean',
  "detect-easy with the learnability probe's data exactly during the hold: no post-processing at all (augmentStart -1), 3x edits, for 16k samples, then annealed over 40k; the probe broke through at 12-16k samples on such data, detect-easy (JPEG q90-100 in its easy phase) did not",
  (r) => {
    r.data.augmentStart = -1;
    r.data.curriculumSamples = 40000;
  },
  recipes['detect-easy'],
);

recipes['flow-on-detect'] = variant(
  'flow-on-detect',
  "for fine-tuning a trained detect-clean trunk (--init): the flow terms switched on at a small weight — EPE x0.2 and the research model's reconstruction after unwarping x5 — beside the detection terms, half the learning rate so the trunk is nudged rather than rebuilt, and the data where detect-clean's anneal is at 38k samples (2x edits, light post-processing) held 4k samples, then annealed to the full mix over 24k",
  (r) => {
    r.loss = { epe: 0.2, editedWeight: 10, mask: 2, global: 1, multiscale: 0, reconstruction: 5 };
    r.data.strengthStart = 2;
    r.data.augmentStart = 0;
    r.data.curriculumHold = 4000;
    r.data.curriculumSamples = 24000;
    r.schedule = { ...r.schedule, lr: 1e-3, finalLr: 2e-4, warmupSamples: 200 };
  },
  recipes['detect-clean'],
);

recipes['flow-clean'] = variant(
  'flow-clean',
  "a study, not a product recipe: can W be learned from one photo where the trunk demonstrably sees the edits? From a trained detect-clean trunk (--init), on clean edits only (no post-processing ever: there detect-clean's trunk scores held-out strength-1 edits at AP 0.87), 2x edits annealed to 1x over 16k samples, with the flow terms leading — EPE x1 and reconstruction x5 beside the detection terms. Its validation rows (post-processed) are not its measure: strength-sweep.ts prints EPE on clean edits",
  (r) => {
    r.loss = { epe: 1, editedWeight: 10, mask: 2, global: 1, multiscale: 0, reconstruction: 5 };
    r.data.strengthStart = 2;
    r.data.augmentStart = -1;
    r.data.augmentEnd = -1;
    r.data.curriculumHold = 0;
    r.data.curriculumSamples = 16000;
    r.schedule = { ...r.schedule, lr: 1e-3, finalLr: 2e-4, warmupSamples: 200 };
  },
  recipes['detect-clean'],
);

recipes['resave-anneal'] = variant(
  'resave-anneal',
  "flow-clean's loss and trunk (--init models/checkpoints/flow-clean-s1) moved slowly into re-saved photos: strength-1 edits, post-processing from level 0 (JPEG q90-100 on 90% of pairs, no rescale) annealed to the full mix over 60k samples, because the trunk reads a trace that JPEG q90 already halves (strength-sweep.ts) and faster anneals lost it",
  (r) => {
    r.data.strengthStart = 1;
    r.data.augmentStart = 0;
    r.data.augmentEnd = 1;
    r.data.curriculumHold = 0;
    r.data.curriculumSamples = 60000;
  },
  recipes['flow-clean'],
);

recipes['native-clean'] = variant(
  'native-clean',
  "flow-clean on the photos' own pixels (--init models/checkpoints/flow-clean-s1): every other recipe edits a crop already resized to 400 px (lanczos3), so its untouched inputs all carry that resize and a user's edit, made at the photo's resolution, reaches it only through the pipeline's own resize, which blurs the trace (scale-study.ts: clean AP 0.85 seen natively, 0.60 resized). Here pairs are cut from the photo as it is and the model is seen at native scale (inference.scale native follows from cropShortSide 0); strength 1, clean edits",
  (r) => {
    r.data.cropShortSide = 0;
    r.data.strengthStart = 1;
    r.data.curriculumSamples = 0;
    r.schedule = { ...r.schedule, lr: 5e-4, finalLr: 1e-4, warmupSamples: 200 };
  },
  recipes['flow-clean'],
);

recipes['native-resave'] = variant(
  'native-resave',
  "native-clean (--init models/unwarp-base/resume) moved into light re-saving: post-processing from level 0 (JPEG q90-100 on 90% of pairs, colour jitter, no rescale) to level 0.5 (JPEG q80-100, a 0.75-1.25x rescale on 30%) over 40k samples, strength 1. Does the trace survive a high-quality JPEG better when the net learns it at the photo's own pixels, where resave-anneal at 400 px crept (held-out AP 0.56 -> 0.61 in 44k)?",
  (r) => {
    r.data.augmentStart = 0;
    r.data.augmentEnd = 0.5;
    r.data.curriculumSamples = 40000;
  },
  recipes['native-clean'],
);

recipes['native-aligned'] = variant(
  'native-aligned',
  "native-clean (--init models/unwarp-base/resume, 120k) taught a re-save as an editor makes it: the whole photo saved again, so the new JPEG blocks sit on the photo's own (jpegGrid photo), which the simulator had never shown (it re-saved each patch from its own corner). Post-processing held at level 0 (JPEG q90-100 on 90% of pairs, colour jitter, no rescale) with 30% of pairs kept clean so the clean trace stays, at a low learning rate. Outside an edit an aligned re-save lands on blocks already quantised; inside it the warp has moved them off the grid. Does that difference carry the trace through q90, where the 120k weights fall to chance (grid-study.ts)?",
  (r) => {
    r.data.augmentStart = 0;
    r.data.augmentEnd = 0;
    r.data.cleanShare = 0.3;
    r.data.jpegGrid = 'photo';
    r.schedule = { ...r.schedule, lr: 2e-4, finalLr: 1e-4, warmupSamples: 200 };
  },
  recipes['native-clean'],
);

recipes['native-flow-160'] = variant(
  'native-flow-160',
  "native-clean (--init models/unwarp-base/resume, 200k) asked for the field's direction with more context: 160 px patches (a brush push or a bloat is often wider than 96 px, so a 96 px window may hold only its flank) and the EPE term x3, at a lower learning rate. flow-study.ts at 200k: mean cosine 0.30, 32% of moved pixels pointing the wrong way",
  (r) => {
    r.data.patch = 160;
    r.loss = { ...r.loss, epe: 3 };
    r.schedule = { ...r.schedule, lr: 3e-4, finalLr: 1e-4, warmupSamples: 200 };
  },
  recipes['native-clean'],
);

recipes['native-flow-sizes'] = variant(
  'native-flow-sizes',
  "native-flow-160 (--init its checkpoint) shown small faces: every training photo is Helen, faces 244-457 px wide, while val/afw's are 37-234 (median 85) and news photos often smaller; there the detector flags a fifth of clean edits (four fifths on Helen) and the field invents pushes several pixels long (field-shaping-study.ts). Half the pairs come from the photo shrunk first so the face is 40-240 px wide (stopping where a 160 px patch still fits) and saved as JPEG q88-95, as sites that downsize uploads do",
  (r) => {
    r.data.shrinkFace = { share: 0.5, widths: [40, 240] };
  },
  recipes['native-flow-160'],
);

recipes['native-context'] = variant(
  'native-context',
  "native-flow-sizes (--init its 176k weights) given context for the field's direction: the encoder sees ~130 px around a pixel, while a bloat or push is often 100-250 px across, and which way it went shows only across it (pixels compressed ahead of a push, stretched behind). Two stride-2 levels below the deepest (1/32, 1/64) are added back to it through a block that starts at exactly 0, so training begins from the shipped network; 192 px patches so the new levels have something to see",
  (r) => {
    r.arch.context = 2;
    r.data.patch = 192;
  },
  recipes['native-flow-sizes'],
);

recipes['native-flow-192'] = variant(
  'native-flow-192',
  "the control for native-context: the same start (--init native-flow-sizes@176k) and 192 px patches, without the context block. native-context's field improved within its first 7k samples while its block's gain stayed near 0, so which of the two did it?",
  (r) => {
    r.data.patch = 192;
  },
  recipes['native-flow-sizes'],
);

recipes['native-context-256'] = variant(
  'native-context-256',
  "native-context (--init its 44k weights) on 256 px patches: going from 160 to 192 px cut the field's error on moved pixels by a tenth within 7k samples, while the context block it came with stayed shut (the native-flow-192 control matched it). Does a still wider view help the field's direction again, and does the block open once the patch holds a whole push?",
  (r) => {
    r.data.patch = 256;
  },
  recipes['native-context'],
);

recipes['native-views-256'] = variant(
  'native-views-256',
  'native-context-256 (--init its checkpoint) shown its pairs mirrored, flipped and transposed at random. The network trained on upright faces reads dy well and dx poorly (on clean val/helen edits: correlation with the true dy 0.86, dx 0.36), and read on the transposed crop its dy channel finds dx better than its dx channel does: the sideways push was learned from upright-face habits, not from the resampling trace. Seeing every orientation asks for one estimator that works along both axes',
  (r) => {
    r.data.viewAugment = true;
  },
  recipes['native-context-256'],
);

recipes['native-resampled'] = variant(
  'native-resampled',
  "native-context (--init its 44k weights) shown photos resized before their edit and kept lossless: a third of the photos shrinkFace leaves alone are first resized x0.5-1.5 (lanczos3, cubic, mitchell or linear). Its every training photo was either the camera's own pixels or shrunk and then re-saved as JPEG, so it learned that a clean resampling trace means moved pixels: on untouched val/helen crops resized x0.6-1.3 without a save after, it reads 0.9-2.1 px of motion (0.02 px as they are; resize-study.ts), and on ImageMagick edits of crops resized first its field costs 4.5 dB",
  (r) => {
    r.data.resampleFirst = { share: 0.33, factors: [0.5, 1.5] };
  },
  recipes['native-context'],
);

recipes['native-resampled-fine'] = variant(
  'native-resampled-fine',
  'native-resampled (--init its shipped 28k state) at a low rate with half of the untouched-by-shrinkFace photos resized first: resumed at 3e-4 to 64k its field grew a little better on edits (raw EPE 46.7% against 47.5%) and read three times the phantom motion on resized crops. Does a low rate and a larger resize share keep the first without the second?',
  (r) => {
    r.data.resampleFirst = { share: 0.5, factors: [0.5, 1.5] };
    r.schedule.lr = 1e-4;
    r.schedule.finalLr = 5e-5;
  },
  recipes['native-resampled'],
);

recipes['face-128'] = variant(
  'face-128',
  'paired-in on the whole face at low resolution: crop shorter side 128 px, 128 px patches, so proportions (eye size against face width, jaw against cheeks) are in view at once; the energy-contrast channel added',
  (r) => {
    r.data.cropShortSide = 128;
    r.data.patch = 128;
    r.arch.energyContrast = true;
  },
  recipes['paired-in'],
);

export function getRecipe(name: string): Recipe {
  const r = recipes[name];
  if (!r) throw new Error(`unknown recipe "${name}"; known: ${Object.keys(recipes).join(', ')}`);
  validateRecipe(r);
  return r;
}

export function validateRecipe(r: Recipe): void {
  const fail = (msg: string) => {
    throw new Error(`recipe ${r.name}: ${msg}`);
  };
  if (r.arch.widths.length < 2) fail('needs at least 2 levels');
  if (r.arch.flowLevel < 0 || r.arch.flowLevel >= r.arch.widths.length) fail('flowLevel outside the levels');
  const context = r.arch.context ?? 0;
  if (!(Number.isInteger(context) && context >= 0 && context <= 4)) fail('context must be an integer in 0…4');
  const stride = 2 ** (r.arch.widths.length - 1);
  if (r.data.patch % stride !== 0) fail(`patch ${r.data.patch} must be a multiple of ${stride}`);
  for (const f of r.data.families) if (HELD_OUT_FAMILIES.includes(f)) fail(`trains on held-out family ${f}`);
  if (r.data.families.length === 0) fail('no training family');
  if (!(r.schedule.batch >= 2)) fail('batch must be ≥ 2 (batch norm, two replicas)');
  if (r.data.pairs && r.schedule.batch % 4 !== 0) fail('paired batches need a multiple of 4 (a pair per replica)');
  if (!(r.schedule.lr > 0 && r.schedule.finalLr > 0)) fail('learning rates must be positive');
  if ((r.data.curriculumHold ?? 0) < 0 || r.data.curriculumSamples < 0) fail('curriculum lengths must be ≥ 0');
  if (r.data.augmentStart < -1 || r.data.augmentStart > 1) fail('augmentStart must be in -1…1');
  const clean = r.data.cleanShare ?? 0;
  if (!(clean >= 0 && clean <= 1)) fail('cleanShare must be in 0…1');
  const end = r.data.augmentEnd ?? 1;
  if (end < -1 || end > 1) fail('augmentEnd must be in -1…1');
  const shrink = r.data.shrinkFace;
  if (
    shrink &&
    !(shrink.share >= 0 && shrink.share <= 1 && shrink.widths[0] > 0 && shrink.widths[1] >= shrink.widths[0])
  )
    fail('shrinkFace needs a share in 0…1 and widths 0 < min ≤ max');
  const first = r.data.resampleFirst;
  if (first && !(first.share >= 0 && first.share <= 1 && first.factors[0] > 0 && first.factors[1] >= first.factors[0]))
    fail('resampleFirst needs a share in 0…1 and factors 0 < min ≤ max');
  const weights = [r.loss.epe, r.loss.mask, r.loss.global, r.loss.multiscale, r.loss.reconstruction ?? 0];
  if (weights.some((w) => !(w >= 0))) fail('loss weights must be ≥ 0');
}

export function listRecipeNames(): string[] {
  return Object.keys(recipes);
}
