import type { FaceRegion, Point } from './types.ts';

/**
 * MediaPipe face-mesh vertex(es) for each of the 68 iBUG/300-W points; where two are listed the point is their
 * midpoint. Derivation: started from the hand-picked correspondence of github.com/PeizhiYan/Mediapipe_2_Dlib_Landmarks
 * (2024), then refit on 299 photos of shared/data/train/helen with scripts/fit-mapping.ts: per point, the vertex (or
 * pair from the 15 best vertices, kept only if 2% better) with the least mean error against the 300-W annotation. The
 * refit mostly moves the jaw outward (300-W traces the visible contour) and the brows to their centre line; on 150
 * val/helen photos the mean error fell from 6.2% to 5.3% of the outer-eye-corner distance.
 * MediaPipe's "right" is the subject's right as in 300-W (vertex 33 is the outer corner of the eye on the left of the
 * picture), so no mirroring is needed.
 */
// biome-ignore format: one row per face part reads better than 68 lines
export const MESH_TO_68: readonly (readonly number[])[] = [
  // jaw 0-16, subject's right ear to left ear
  [162, 227], [227, 137], [177, 137], [215], [172, 138], [136, 150], [149], [148], [152], [400, 377], [378], [365], [397, 367], [435], [401, 366], [454, 366], [356],
  // right brow 17-21, left brow 22-26
  [71, 156], [68, 53], [104, 65], [108, 27], [9, 65], [9, 295], [299, 441], [444, 299], [283, 298], [301, 383],
  // nose bridge 27-30, nose base 31-35
  [6, 8], [351, 196], [195, 5], [4], [98, 60], [97], [164, 370], [326, 328], [460],
  // right eye 36-41 from its outer corner, left eye 42-47 from its inner corner, clockwise
  [130], [158, 247], [222, 153], [22, 189], [145, 153], [163], [463, 381], [385], [387], [359, 263], [390, 373], [380, 374],
  // outer lips 48-59
  [61], [39, 74], [41, 164], [0, 11], [267], [304, 269], [291], [321, 405], [314], [17], [84], [181, 91],
  // inner lips 60-67
  [78, 77], [12, 41], [13], [268], [292], [317], [14], [87],
];

/** 68 points from a MediaPipe mesh (468 or 478 points, extra coordinates ignored). */
export function landmarks68FromMesh(mesh: readonly (readonly number[])[]): Point[] {
  if (mesh.length < 468) throw new Error(`expected a 468/478-point mesh, got ${mesh.length} points`);
  return MESH_TO_68.map((ids): Point => {
    let x = 0;
    let y = 0;
    for (const id of ids) {
      const p = mesh[id]!;
      x += p[0]!;
      y += p[1]!;
    }
    return [x / ids.length, y / ids.length];
  });
}

const RANGES: Record<Exclude<FaceRegion, 'outline'>, readonly [number, number]> = {
  jaw: [0, 17],
  rightBrow: [17, 22],
  leftBrow: [22, 27],
  nose: [27, 36],
  rightEye: [36, 42],
  leftEye: [42, 48],
  mouth: [48, 68],
};

/**
 * Splits 68 iBUG/300-W points into regions. `outline` is a closed polygon: the jaw from the subject's right ear to the
 * left, then the brows back from left to right, so it encloses eyes, nose and mouth.
 */
export function regionsFrom68(points: readonly Point[]): Record<FaceRegion, Point[]> {
  if (points.length !== 68) throw new Error(`expected 68 landmarks, got ${points.length}`);
  const take = ([a, b]: readonly [number, number]) => points.slice(a, b).map((p): Point => [p[0], p[1]]);
  const jaw = take(RANGES.jaw);
  const brows = [...take(RANGES.rightBrow), ...take(RANGES.leftBrow)];
  return {
    jaw,
    rightBrow: take(RANGES.rightBrow),
    leftBrow: take(RANGES.leftBrow),
    nose: take(RANGES.nose),
    rightEye: take(RANGES.rightEye),
    leftEye: take(RANGES.leftEye),
    mouth: take(RANGES.mouth),
    outline: [...jaw, ...brows.reverse()],
  };
}
