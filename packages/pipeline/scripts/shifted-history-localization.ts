// Does the map of an earlier JPEG save on another grid (`shiftedJpegHistory`, what history.png shows after a crop
// between the saves) say where a face was edited? Each photo of a landmarked pool is saved at `--earlier` quality,
// cropped 3 px from the left and 5 from the top (off the grid), half of them edited with Face-Aware sliders (one to
// three sliders at ±30–100, `liquifyPhoto`: one family, not the simulator's mix), and saved at `--quality`. Prints how
// often the earlier save is found, how often the face's worst 0.2 window (`compressionBreakWindow`, as the pipeline
// would place a box) lies on the edit (>= 5% of its pixels moved > 1 px) against the share of windows on the edit
// (chance), and how well `compressionBreak` over the face ranks edited above untouched faces (AP): what an outline or
// a score term would have to stand on.
//   node --import tsx packages/pipeline/scripts/shifted-history-localization.ts --pool ../shared/data/val/helen \
//     [--count 100] [--earlier 85] [--quality 90] [--seed 1] [--cut nats]
// `--cut` reports the shares of edited and untouched faces whose break exceeds it (default: the untouched 95th
// percentile).
import { parseArgs } from 'node:util';
import {
  BREAK_HOTSPOT_SHARE,
  compressionBreak,
  compressionBreakWindow,
  gridOffset,
  lumaOf,
  shiftedJpegHistory,
} from '@unwarp/aids';
import { averagePrecision, movedShare, windowsOnEdit } from '@unwarp/flow';
import { createRng, landmarkBox, liquifyPhoto, listLandmarkedPhotos, loadFacePhoto, SLIDERS } from '@unwarp/liquify';
import sharp from 'sharp';

const { values } = parseArgs({
  options: {
    pool: { type: 'string', default: '../shared/data/val/helen' },
    count: { type: 'string', default: '100' },
    earlier: { type: 'string', default: '85' },
    quality: { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
    cut: { type: 'string' },
  },
});
const refs = await listLandmarkedPhotos([values.pool]);
const rng = createRng(Number(values.seed));
const tally = { untouched: 0, edited: 0, foundUntouched: 0, foundEdited: 0, onEdit: 0, windows: 0, chance: 0 };
const breaks: number[] = [];
const labels: number[] = [];
for (let i = 0; i < Math.min(Number(values.count), refs.length); i++) {
  const photo = await loadFacePhoto(refs[i]!);
  const { width, height } = photo.image;
  const rawOf = (w: number, h: number) => ({ raw: { width: w, height: h, channels: 3 as const } });
  const earlier = await sharp(photo.image.data, rawOf(width, height))
    .jpeg({ quality: Number(values.earlier) })
    .toBuffer();
  const { data, info } = await sharp(earlier)
    .extract({ left: 3, top: 5, width: width - 3, height: height - 5 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const image = { width: info.width, height: info.height, channels: 3 as const, data: new Uint8Array(data) };
  const landmarks = photo.landmarks.map(([x, y]) => [x - 3, y - 5] as [number, number]);
  const edit = i % 2 === 1;
  const settings = Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => ({
    slider: SLIDERS[Math.floor(rng.next() * SLIDERS.length)]!,
    value: Math.round(rng.uniform(30, 100)) * (rng.chance(0.5) ? 1 : -1),
  }));
  const { modified, W } = edit ? liquifyPhoto(image, landmarks, settings) : { modified: image, W: undefined };
  const last = await sharp(modified.data, rawOf(info.width, info.height))
    .jpeg({ quality: Number(values.quality) })
    .toBuffer();
  const decoded = new Uint8Array(await sharp(last).raw().toBuffer());
  const luma = lumaOf(decoded, info.width, info.height);
  const shifted = shiftedJpegHistory(luma, info.width, info.height, gridOffset(luma, info.width, info.height), {
    rgb: decoded,
  });
  const box = landmarkBox(landmarks);
  const face = { x0: box.x, y0: box.y, x1: box.x + box.width, y1: box.y + box.height };
  const moved = W && movedShare(W, face) > 0;
  if (edit && !moved) continue;
  tally[edit ? 'edited' : 'untouched']++;
  if (!shifted) continue;
  tally[edit ? 'foundEdited' : 'foundUntouched']++;
  breaks.push(compressionBreak(shifted.map, face));
  labels.push(edit ? 1 : 0);
  if (!W) continue;
  const window = compressionBreakWindow(shifted.map, face, BREAK_HOTSPOT_SHARE);
  if (!window) continue;
  tally.windows++;
  if (movedShare(W, window) >= 0.05) tally.onEdit++;
  tally.chance += windowsOnEdit(W, face, window.x1 - window.x0, { x: shifted.map.offsetX, y: shifted.map.offsetY });
  process.stderr.write(`\r${i + 1} photos`);
}
const of = (label: number) => breaks.filter((_, i) => labels[i] === label);
const cut = values.cut !== undefined ? Number(values.cut) : quantile(of(0), 0.95);
const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
process.stdout.write(
  `\n${values.pool}: q${values.earlier} → crop 3 x 5 → ${tally.edited} edited / ${tally.untouched} untouched → q${values.quality}\n` +
    `earlier save found: untouched ${tally.foundUntouched} of ${tally.untouched}, edited ${tally.foundEdited} of ${tally.edited}\n` +
    `worst ${BREAK_HOTSPOT_SHARE} window on the edit: ${tally.onEdit} of ${tally.windows} (${pct(tally.onEdit, tally.windows)}; chance ${pct(tally.chance, tally.windows)})\n` +
    `compressionBreak over the face, edited vs untouched (where found): AP ${averagePrecision(breaks, labels).toFixed(3)} (chance ${(labels.filter(Boolean).length / Math.max(1, labels.length)).toFixed(3)})\n` +
    `untouched breaks (nats) 90th / 95th percentile / max: ${[0.9, 0.95, 1].map((q) => quantile(of(0), q).toFixed(1)).join(' / ')}; ` +
    `edited faces above ${values.cut ?? 'the 95th'}: ${pct(of(1).filter((v) => v > cut).length, of(1).length)}, untouched ${pct(of(0).filter((v) => v > cut).length, of(0).length)}\n`,
);

function quantile(v: number[], q: number): number {
  const sorted = [...v].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}
