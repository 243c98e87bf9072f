// Can hand-made resampling statistics tell edited patches from unedited ones? Scores each patch by a few classic
// traces (local high-pass energy against its surroundings; high-pass against gradient energy, a spectral slope) and
// prints the AP of each next to chance. A quick bound on how visible the traces are, before any training.
//   node --import tsx packages/model/scripts/feature-probe.ts [count=240]
import { averagePrecision } from '@unwarp/flow';
import { createRng, type Family, listLandmarkedPhotos, loadFacePhoto, makePair } from '@unwarp/liquify';
import { HELD_OUT_FAMILIES, TRAIN_FAMILIES } from '../src/recipe.ts';

const S = 128;
const count = Number(process.argv[2] ?? 240);

function luma(data: Uint8Array): Float32Array {
  const g = new Float32Array(S * S);
  for (let i = 0; i < S * S; i++) g[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
  return g;
}

/** Separable box mean of radius r, clamped at the borders. */
function boxMean(a: Float32Array, r: number): Float32Array {
  const pass = (src: Float32Array, dx: number, dy: number) => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        let s = 0;
        let c = 0;
        for (let d = -r; d <= r; d++) {
          const xx = x + d * dx;
          const yy = y + d * dy;
          if (xx < 0 || yy < 0 || xx >= S || yy >= S) continue;
          s += src[yy * S + xx]!;
          c++;
        }
        out[y * S + x] = s / c;
      }
    return out;
  };
  return pass(pass(a, 1, 0), 0, 1);
}

function scores(g: Float32Array): Record<string, number> {
  const lap = new Float32Array(S * S);
  const grad = new Float32Array(S * S);
  for (let y = 1; y < S - 1; y++)
    for (let x = 1; x < S - 1; x++) {
      const i = y * S + x;
      const l = 4 * g[i]! - g[i - 1]! - g[i + 1]! - g[i - S]! - g[i + S]!;
      lap[i] = l * l;
      const gx = g[i + 1]! - g[i - 1]!;
      const gy = g[i + S]! - g[i - S]!;
      grad[i] = gx * gx + gy * gy;
    }
  const local = boxMean(lap, 4);
  const around = boxMean(lap, 20);
  const localGrad = boxMean(grad, 4);
  const contrast: number[] = [];
  const slope: number[] = [];
  for (let y = 8; y < S - 8; y++)
    for (let x = 8; x < S - 8; x++) {
      const i = y * S + x;
      contrast.push(Math.log((local[i]! + 1) / (around[i]! + 1)));
      slope.push(Math.log((local[i]! + 1) / (localGrad[i]! + 1)));
    }
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const std = (a: number[]) => Math.sqrt(mean(a.map((v) => v * v)) - mean(a) ** 2);
  // Resampling smooths: edited patches should have lower minima, lower mean slope, more spread.
  return {
    'min energy contrast': -Math.min(...contrast),
    'spread of contrast': std(contrast),
    'mean spectral slope': -mean(slope),
    'spread of slope': std(slope),
    'min spectral slope': -Math.min(...slope),
  };
}

const refs = await listLandmarkedPhotos(['/work/shared/data/val/helen']);
const cases: { families: Family[]; augmentLevel: number; strength: number; cropShortSide: number }[] = [
  { families: HELD_OUT_FAMILIES, augmentLevel: 1, strength: 1, cropShortSide: 400 },
  { families: TRAIN_FAMILIES, augmentLevel: 1, strength: 1, cropShortSide: 400 },
  { families: HELD_OUT_FAMILIES, augmentLevel: 0, strength: 1, cropShortSide: 400 },
  { families: HELD_OUT_FAMILIES, augmentLevel: 0, strength: 3, cropShortSide: 400 },
  { families: HELD_OUT_FAMILIES, augmentLevel: 0, strength: 3, cropShortSide: 0 },
];
for (const c of cases) {
  const rng = createRng(11);
  const byScore: Record<string, number[]> = {};
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const pair = await makePair(await loadFacePhoto(refs[i % refs.length]!), rng, {
      patch: S,
      cropShortSide: c.cropShortSide,
      positiveRate: 0.5,
      augment: true,
      augmentLevel: c.augmentLevel,
      strength: c.strength,
      keepOriginal: false,
      families: c.families,
    });
    labels.push(pair.label);
    for (const [k, v] of Object.entries(scores(luma(pair.modified.data)))) {
      byScore[k] ??= [];
      byScore[k].push(v);
    }
  }
  const chance = labels.filter((l) => l === 1).length / labels.length;
  const aps = Object.entries(byScore)
    .map(([k, v]) => `${k} ${averagePrecision(v, labels).toFixed(2)}`)
    .join(', ');
  console.log(
    `${c.families.join('+')}, post-processing ${c.augmentLevel}, strength ${c.strength}, crop ${c.cropShortSide || 'native'}: chance ${chance.toFixed(2)} | AP ${aps}`,
  );
}
