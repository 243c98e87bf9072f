// The studies' shared sample: whole val/helen face crops edited at the photo's own resolution (every family, about
// half untouched), losslessly, so each study can then apply the one condition it is about.
import path from 'node:path';
import { createRng, FAMILIES, listLandmarkedPhotos, loadFacePhoto, makePair, type Pair } from '@unwarp/liquify';
import type { Region } from '../src/infer.ts';

export async function* losslessHeldOutFaces(count: number, seed: number): AsyncGenerator<Pair> {
  const refs = await listLandmarkedPhotos([path.resolve(import.meta.dirname, '../../../../shared/data/val/helen')]);
  for (let i = 0; i < count; i++) {
    const rng = createRng((seed * 7_368_787 + i) >>> 0);
    yield makePair(await loadFacePhoto(refs[i % refs.length]!), rng, {
      patch: 0,
      cropShortSide: 0,
      families: [...FAMILIES],
      positiveRate: 0.5,
      augment: false,
      keepOriginal: false,
    });
  }
}

/** The landmarks' extent, scaled by k: the region the face score is taken over. */
export function landmarkRegion(points: readonly (readonly number[])[], k = 1): Region {
  const xs = points.map((p) => p[0]! * k);
  const ys = points.map((p) => p[1]! * k);
  return { x0: Math.min(...xs), y0: Math.min(...ys), x1: Math.max(...xs), y1: Math.max(...ys) };
}
