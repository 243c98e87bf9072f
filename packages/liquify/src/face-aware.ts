import { localAffine } from './brushes.ts';
import { composeAll, type Point, type Warp } from './warp.ts';

/**
 * Face-Aware Liquify's sliders, anchored on the 68 iBUG/300-W landmarks. Values run −100…100 like Photoshop's.
 * Amounts scale with the face width (jaw end to jaw end), so the same slider value means the same relative edit on
 * any photo: at ±100 the region's peak displacement is about 6% of the face width (≈ 30 px on a 500 px face).
 */
export const SLIDERS = [
  'eyeSize',
  'eyeHeight',
  'eyeWidth',
  'eyeTilt',
  'eyeDistance',
  'noseHeight',
  'noseWidth',
  'smile',
  'upperLip',
  'lowerLip',
  'mouthWidth',
  'mouthHeight',
  'forehead',
  'chinHeight',
  'jawline',
  'faceWidth',
] as const;
export type Slider = (typeof SLIDERS)[number];

/** Eye sliders can target one eye (Photoshop's unlinked mode); "left"/"right" are the subject's. */
export type SliderSetting = { slider: Slider; value: number; eye?: 'left' | 'right' | 'both' };

export type FaceGeometry = {
  faceWidth: number;
  rightEye: { center: Point; width: number };
  leftEye: { center: Point; width: number };
  nose: { tip: Point; base: Point; width: number };
  mouth: { center: Point; left: Point; right: Point; upper: Point; lower: Point; width: number };
  chin: Point;
  browCenter: Point;
  jaw: Point[];
};

const mean = (pts: Point[]): Point => [
  pts.reduce((s, p) => s + p[0], 0) / pts.length,
  pts.reduce((s, p) => s + p[1], 0) / pts.length,
];
const dist = (a: Point, b: Point) => Math.hypot(a[0] - b[0], a[1] - b[1]);

export function faceGeometry(lm: readonly Point[]): FaceGeometry {
  if (lm.length !== 68) throw new Error(`face-aware sliders need 68 landmarks, got ${lm.length}`);
  const P = (i: number) => lm[i]!;
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => P(a + i));
  return {
    faceWidth: dist(P(0), P(16)),
    rightEye: { center: mean(range(36, 41)), width: dist(P(36), P(39)) },
    leftEye: { center: mean(range(42, 47)), width: dist(P(42), P(45)) },
    nose: { tip: P(30), base: P(33), width: dist(P(31), P(35)) },
    mouth: {
      center: mean(range(48, 59)),
      right: P(48),
      left: P(54),
      upper: P(51),
      lower: P(57),
      width: dist(P(48), P(54)),
    },
    chin: P(8),
    browCenter: mean(range(17, 26)),
    jaw: range(0, 16),
  };
}

/** One slider → its warp. Positive values enlarge / raise / widen, as in Photoshop. */
export function sliderWarp(g: FaceGeometry, setting: SliderSetting): Warp {
  const v = Math.max(-100, Math.min(100, setting.value)) / 100;
  const F = g.faceWidth;
  const shift = 0.06 * F * v; // peak displacement of translating sliders
  const eyes = setting.eye === 'left' ? [g.leftEye] : setting.eye === 'right' ? [g.rightEye] : [g.rightEye, g.leftEye];
  // In the picture the subject's right eye is on the left: outward is −x for it, +x for the left eye.
  const outward = (e: { center: Point }) => (e === g.rightEye ? -1 : 1);
  const eyeShape = (e: FaceGeometry['rightEye'], k = 1.3) => ({
    center: e.center,
    radius: k * e.width,
    radiusY: 0.85 * k * e.width,
    density: 0.4,
  });
  switch (setting.slider) {
    case 'eyeSize':
      return composeAll(eyes.map((e) => localAffine(eyeShape(e), [0, 0], [0.3 * v, 0, 0, 0.3 * v])));
    case 'eyeHeight':
      return composeAll(eyes.map((e) => localAffine(eyeShape(e), [0, -0.6 * shift])));
    case 'eyeWidth':
      return composeAll(eyes.map((e) => localAffine(eyeShape(e), [0, 0], [0.3 * v, 0, 0, 0])));
    case 'eyeTilt': {
      // Rotate each eye about its centre; mirrored so a positive value tilts both outer corners up.
      const ang = (10 * v * Math.PI) / 180;
      return composeAll(
        eyes.map((e) => {
          const s = outward(e) * ang;
          return localAffine(eyeShape(e), [0, 0], [0, s, -s, 0]);
        }),
      );
    }
    case 'eyeDistance':
      return composeAll(eyes.map((e) => localAffine(eyeShape(e, 1.5), [outward(e) * 0.5 * shift, 0])));
    case 'noseHeight':
      return localAffine(
        { center: g.nose.tip, radius: 1.4 * g.nose.width, radiusY: 1.6 * g.nose.width, density: 0.4 },
        [0, -0.5 * shift],
      );
    case 'noseWidth':
      return localAffine(
        { center: g.nose.base, radius: 1.3 * g.nose.width, radiusY: 1.3 * g.nose.width, density: 0.4 },
        [0, 0],
        [0.35 * v, 0, 0, 0],
      );
    case 'smile':
      // Corners up and slightly outward.
      return composeAll(
        [g.mouth.right, g.mouth.left].map((corner, i) =>
          localAffine({ center: corner, radius: 0.45 * g.mouth.width, density: 0.4 }, [
            (i === 0 ? -1 : 1) * 0.15 * shift,
            -0.45 * shift,
          ]),
        ),
      );
    case 'upperLip':
      return localAffine(
        { center: g.mouth.upper, radius: 0.55 * g.mouth.width, radiusY: 0.3 * g.mouth.width, density: 0.4 },
        [0, -0.3 * shift],
      );
    case 'lowerLip':
      return localAffine(
        { center: g.mouth.lower, radius: 0.55 * g.mouth.width, radiusY: 0.3 * g.mouth.width, density: 0.4 },
        [0, 0.3 * shift],
      );
    case 'mouthWidth':
      return localAffine(
        { center: g.mouth.center, radius: 0.9 * g.mouth.width, radiusY: 0.6 * g.mouth.width, density: 0.4 },
        [0, 0],
        [0.3 * v, 0, 0, 0],
      );
    case 'mouthHeight':
      return localAffine(
        { center: g.mouth.center, radius: 0.8 * g.mouth.width, radiusY: 0.6 * g.mouth.width, density: 0.4 },
        [0, 0],
        [0, 0, 0, 0.35 * v],
      );
    case 'forehead': {
      const c: Point = [g.browCenter[0], g.browCenter[1] - 0.3 * F];
      return localAffine({ center: c, radius: 0.55 * F, radiusY: 0.35 * F, density: 0.3 }, [0, -0.6 * shift]);
    }
    case 'chinHeight':
      return localAffine({ center: g.chin, radius: 0.35 * F, radiusY: 0.3 * F, density: 0.3 }, [0, 0.6 * shift]);
    case 'jawline':
      // Lower jaw (points 4-6 and 10-12): positive widens, negative slims.
      return composeAll(
        [g.jaw[5]!, g.jaw[11]!].map((p, i) =>
          localAffine({ center: p, radius: 0.3 * F, density: 0.3 }, [(i === 0 ? -1 : 1) * 0.6 * shift, 0]),
        ),
      );
    case 'faceWidth':
      return composeAll(
        [g.jaw[2]!, g.jaw[14]!].map((p, i) =>
          localAffine({ center: p, radius: 0.4 * F, radiusY: 0.5 * F, density: 0.3 }, [
            (i === 0 ? -1 : 1) * 0.7 * shift,
            0,
          ]),
        ),
      );
  }
}

export function faceAwareWarp(landmarks: readonly Point[], settings: readonly SliderSetting[]): Warp {
  const g = faceGeometry(landmarks);
  return composeAll(settings.filter((s) => s.value !== 0).map((s) => sliderWarp(g, s)));
}
