import { bloat, localAffine, pushStroke, twirl } from './brushes.ts';
import { faceGeometry, SLIDERS, type SliderSetting, sliderWarp } from './face-aware.ts';
import type { Rng } from './random.ts';
import { brushFalloff, composeAll, type Point, reconstruct, type Warp } from './warp.ts';

/** Serialisable description of one edit: what `meta.json` stores and what `warpFromEdits` replays. */
export type Edit =
  | ({ kind: 'slider' } & SliderSetting)
  | { kind: 'bloat'; center: Point; radius: number; density: number; rate: number }
  | { kind: 'twirl'; center: Point; radius: number; density: number; degrees: number }
  | { kind: 'push'; path: Point[]; radius: number; density: number; strength: number }
  | { kind: 'bump'; center: Point; radius: number; radiusY: number; density: number; shift: Point }
  | { kind: 'reconstruct'; center: Point; radius: number; amount: number };

/**
 * Warp families. The validation split holds some out of training (see packages/model recipes), so that a score
 * on them predicts how the detector does on other editors' tools.
 */
export const FAMILIES = ['face-aware', 'bloat-pucker', 'landmark-push', 'twirl', 'push-stroke'] as const;
export type Family = (typeof FAMILIES)[number];

export function warpFromEdits(edits: readonly Edit[], landmarks?: readonly Point[]): Warp {
  const geometry = landmarks ? faceGeometry(landmarks) : undefined;
  let acc: Warp = composeAll([]);
  for (const e of edits) {
    switch (e.kind) {
      case 'slider':
        if (!geometry) throw new Error('slider edits need 68 landmarks');
        acc = composeAll([acc, sliderWarp(geometry, e)]);
        break;
      case 'bloat':
        acc = composeAll([acc, bloat({ center: e.center, radius: e.radius, density: e.density }, e.rate)]);
        break;
      case 'twirl':
        acc = composeAll([acc, twirl({ center: e.center, radius: e.radius, density: e.density }, e.degrees)]);
        break;
      case 'push':
        acc = composeAll([acc, pushStroke(e.path, { radius: e.radius, density: e.density }, e.strength)]);
        break;
      case 'bump':
        acc = composeAll([
          acc,
          localAffine({ center: e.center, radius: e.radius, radiusY: e.radiusY, density: e.density }, e.shift),
        ]);
        break;
      case 'reconstruct':
        acc = reconstruct(acc, e.center, e.radius, e.amount, brushFalloff(0.5));
        break;
    }
  }
  return acc;
}

export type EditSamplerOptions = {
  families?: readonly Family[];
  /**
   * Probability that a slider goes the retoucher's usual way (bigger eyes, slimmer face and jaw, narrower nose, lifted
   * smile, fuller lips). 0.5 = either sign equally. Real beauty retouching is lopsided; default 0.75.
   */
  beautyBias?: number;
  /** Multiplies every amount: a curriculum starts > 1 (strong edits) and anneals to 1. */
  strength?: number;
};

/** The sign a beauty retouch usually takes per slider; 0 = no usual direction. */
const USUAL_SIGN: Record<SliderSetting['slider'], 1 | -1 | 0> = {
  eyeSize: 1,
  eyeHeight: 0,
  eyeWidth: 1,
  eyeTilt: 0,
  eyeDistance: 0,
  noseHeight: 0,
  noseWidth: -1,
  smile: 1,
  upperLip: 1,
  lowerLip: 1,
  mouthWidth: 0,
  mouthHeight: 0,
  forehead: -1,
  chinHeight: 0,
  jawline: -1,
  faceWidth: -1,
};

/** Regions a retoucher works on, as landmark indices (300-W order). */
const REGIONS: Record<string, number[]> = {
  eyes: [36, 39, 42, 45, 37, 44],
  nose: [30, 31, 33, 35],
  mouth: [48, 51, 54, 57, 62, 66],
  jaw: [3, 4, 5, 6, 8, 10, 11, 12, 13],
  cheeks: [1, 2, 14, 15],
  brows: [19, 24, 21, 22],
};

/**
 * Random realistic retouching: mostly subtle, some strong; 1–6 face-aware sliders at once, or brush work.
 * Seeded through `rng`, so a sample is reproducible from its seed.
 */
export function sampleEdits(rng: Rng, landmarks: readonly Point[], opts: EditSamplerOptions = {}): Edit[] {
  const families = opts.families ?? FAMILIES;
  if (families.length === 0) throw new Error('no warp family to sample from');
  const k = opts.strength ?? 1;
  const g = faceGeometry(landmarks);
  const F = g.faceWidth;
  const edits: Edit[] = [];
  const nFamilies = rng.chance(0.2) && families.length > 1 ? 2 : 1;
  const chosen = new Set<Family>();
  while (chosen.size < nFamilies) chosen.add(rng.pick(families));
  const near = (region?: string): Point => {
    const idx = rng.pick(REGIONS[region ?? rng.pick(Object.keys(REGIONS))]!);
    const p = landmarks[idx]!;
    return [p[0] + rng.normal() * 0.03 * F, p[1] + rng.normal() * 0.03 * F];
  };
  const amount = () => (rng.chance(0.7) ? rng.uniform(0.15, 0.45) : rng.uniform(0.45, 1)) * k;
  for (const family of chosen) {
    switch (family) {
      case 'face-aware': {
        const n = rng.chance(0.5) ? rng.int(1, 2) : rng.int(3, 6);
        const sliders = new Set<string>();
        while (sliders.size < n) sliders.add(rng.pick(SLIDERS));
        for (const slider of sliders) {
          const usual = USUAL_SIGN[slider as SliderSetting['slider']];
          const sign = usual === 0 ? (rng.chance(0.5) ? 1 : -1) : rng.chance(opts.beautyBias ?? 0.75) ? usual : -usual;
          const value = Math.round(Math.min(100, amount() * 100)) * sign;
          const eye = slider.startsWith('eye') && rng.chance(0.25) ? rng.pick(['left', 'right'] as const) : undefined;
          edits.push({ kind: 'slider', slider: slider as SliderSetting['slider'], value, ...(eye ? { eye } : {}) });
        }
        break;
      }
      case 'bloat-pucker':
        for (let i = rng.int(1, 3); i > 0; i--)
          edits.push({
            kind: 'bloat',
            center: near(rng.pick(['eyes', 'nose', 'mouth', 'cheeks'])),
            radius: rng.uniform(0.1, 0.3) * F,
            density: rng.uniform(0.2, 0.8),
            rate: amount() * 0.35 * (rng.chance(0.6) ? 1 : -1),
          });
        break;
      case 'landmark-push':
        for (let i = rng.int(1, 4); i > 0; i--) {
          const ang = rng.uniform(0, 2 * Math.PI);
          const mag = amount() * 0.05 * F;
          const r = rng.uniform(0.1, 0.35) * F;
          edits.push({
            kind: 'bump',
            center: near(),
            radius: r,
            radiusY: r * rng.uniform(0.7, 1.3),
            density: rng.uniform(0.2, 0.8),
            shift: [mag * Math.cos(ang), mag * Math.sin(ang)],
          });
        }
        break;
      case 'twirl':
        for (let i = rng.int(1, 2); i > 0; i--)
          edits.push({
            kind: 'twirl',
            center: near(),
            radius: rng.uniform(0.12, 0.35) * F,
            density: rng.uniform(0.2, 0.8),
            degrees: amount() * 25 * (rng.chance(0.5) ? 1 : -1),
          });
        break;
      case 'push-stroke':
        for (let i = rng.int(1, 3); i > 0; i--) {
          const start = near(rng.pick(['jaw', 'cheeks', 'mouth', 'nose']));
          const ang = rng.uniform(0, 2 * Math.PI);
          const len = rng.uniform(0.05, 0.2) * F;
          const path: Point[] = [start];
          for (let j = rng.int(1, 3); j > 0; j--) {
            const last = path[path.length - 1]!;
            const a = ang + rng.normal() * 0.4;
            path.push([last[0] + (len * Math.cos(a)) / 2, last[1] + (len * Math.sin(a)) / 2]);
          }
          edits.push({
            kind: 'push',
            path,
            radius: rng.uniform(0.08, 0.25) * F,
            density: rng.uniform(0.2, 0.8),
            strength: Math.min(0.9, amount() * 0.5),
          });
        }
        break;
    }
  }
  if (rng.chance(0.1))
    edits.push({ kind: 'reconstruct', center: near(), radius: rng.uniform(0.1, 0.3) * F, amount: rng.uniform(0.3, 1) });
  return edits;
}

/** Centres of the edits, to aim training patches at edited regions. */
export function editCenters(edits: readonly Edit[], landmarks: readonly Point[]): Point[] {
  const g = faceGeometry(landmarks);
  return edits.flatMap((e): Point[] => {
    switch (e.kind) {
      case 'slider':
        if (e.slider.startsWith('eye')) return [g.rightEye.center, g.leftEye.center];
        if (e.slider.startsWith('nose')) return [g.nose.tip];
        if (e.slider === 'forehead') return [[g.browCenter[0], g.browCenter[1] - 0.3 * g.faceWidth]];
        if (e.slider === 'chinHeight') return [g.chin];
        if (e.slider === 'jawline') return [g.jaw[5]!, g.jaw[11]!];
        if (e.slider === 'faceWidth') return [g.jaw[2]!, g.jaw[14]!];
        return [g.mouth.center];
      case 'push':
        return [e.path[0]!];
      case 'reconstruct':
        return [];
      default:
        return [e.center];
    }
  });
}
