// Is the resampling trace there? Ratio of high-pass energy in moved vs unmoved 8x8 blocks of the same patch.
import { createRng, listLandmarkedPhotos, loadFacePhoto, makePair } from '../src/index.ts';

const refs = await listLandmarkedPhotos(['/work/shared/data/train/helen']);
for (const [level, strength, crop] of [
  [0, 1, 400],
  [0, 1, 0],
  [1, 1, 0],
  [0.3, 1, 0],
] as const) {
  const rng = createRng(5);
  const ratios: number[] = [];
  for (let i = 0; i < 60; i++) {
    const pair = await makePair(await loadFacePhoto(refs[(i * 13) % refs.length]!), rng, {
      patch: 96,
      cropShortSide: crop,
      positiveRate: 1,
      augment: true,
      augmentLevel: level,
      strength,
      keepOriginal: true,
      families: ['face-aware', 'bloat-pucker', 'landmark-push'],
    });
    const { modified: m, original: o, flow } = pair;
    const S = 96;
    const energy = (img: typeof m, x: number, y: number) => {
      let e = 0;
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) s += img.data[((y + dy) * S + x + dx) * 3 + c]!;
        const r = img.data[(y * S + x) * 3 + c]! - s / 9;
        e += r * r;
      }
      return e;
    };
    let mm = 0,
      mo = 0,
      n = 0;
    for (let y = 1; y < S - 1; y++)
      for (let x = 1; x < S - 1; x++) {
        const k = (y * S + x) * 2;
        if (Math.hypot(flow.data[k]!, flow.data[k + 1]!) > 1) {
          mm += energy(m, x, y);
          mo += energy(o!, x, y);
          n++;
        }
      }
    if (n > 200 && mo > 0) ratios.push(mm / mo);
  }
  ratios.sort((a, b) => a - b);
  const med = ratios[Math.floor(ratios.length / 2)]!;
  console.log(
    `crop ${crop} augment ${level} strength ${strength}: modified/original high-pass energy in moved pixels: median ${med.toFixed(3)}, p10 ${ratios[Math.floor(ratios.length * 0.1)]!.toFixed(3)}, p90 ${ratios[Math.floor(ratios.length * 0.9)]!.toFixed(3)} (n=${ratios.length})`,
  );
}
