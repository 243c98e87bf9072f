// Stored pairs scored as users meet them: each sample's modified file through the whole pipeline (`analyze`: face
// detection, the crop, the model, its calibration, the JPEG history; no aids), the face nearest the sample's landmarks
// taken as its score. For sets of whole photos (`packages/liquify/scripts/foreign-edits.ts --whole`), where `unwarp
// eval --pairs` would hand the model the whole photo rather than the face crop. Prints AP, ROC AUC, the share of
// untouched and edited faces flagged, and the edited share per kind of edit (meta.json's software); for JPEG sets also
// where the face's JPEG history breaks: how many faces get a historyHotspot, and whether an edited face's lies on the
// edit (at least 5% of its pixels moved > 1 px by the pair's warp.flo, itself measured) against chance (the share of
// same-size windows centred in the face box on the edit).
//   node --import tsx packages/pipeline/scripts/pairs-through-pipeline.ts <pairs dir> [--model <dir>] [--count N]
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { averagePrecision, decodeFlo, movedShare, rocAuc, windowsOnEdit } from '@unwarp/flow';
import { createAnalyzer } from '../src/index.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string' }, count: { type: 'string' } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: pairs-through-pipeline.ts <pairs dir> [--model <dir>] [--count N]');
const samples = (await readdir(dir, { withFileTypes: true }))
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort()
  .slice(0, values.count ? Number(values.count) : undefined);

const analyzer = await createAnalyzer(values.model ? { modelDir: path.resolve(values.model) } : {});
const scores: number[] = [];
const labels: number[] = [];
const byKind = new Map<string, { faces: number; flagged: number }>();
let missed = 0;
/** Untouched faces flagged, to look at. */
const falseAlarms: string[] = [];
/** Faces outlined by their JPEG history (historyHotspot), and the edited ones whose box lies on the edit. */
const outlined = { untouched: 0, edited: 0, onEdit: 0, chance: 0 };
for (const name of samples) {
  const folder = path.join(dir, name);
  const file = (await readdir(folder)).find((f) => /^modified\.(jpe?g|png)$/.test(f));
  if (!file) continue;
  const meta = JSON.parse(await readFile(path.join(folder, 'meta.json'), 'utf8')) as {
    label: number;
    landmarks: [number, number][];
    software: string | null;
  };
  const { report } = await analyzer.analyze(await readFile(path.join(folder, file)), { aids: false, fileName: file });
  // The landmarks are on the stored image's grid, as the report's boxes are.
  const cx = meta.landmarks.reduce((s, [x]) => s + x, 0) / meta.landmarks.length;
  const cy = meta.landmarks.reduce((s, [, y]) => s + y, 0) / meta.landmarks.length;
  const face = report.faces
    .map((f) => ({ f, d: Math.hypot(f.box.x + f.box.width / 2 - cx, f.box.y + f.box.height / 2 - cy) }))
    .filter(({ f, d }) => d < Math.max(f.box.width, f.box.height) / 2)
    .sort((a, b) => a.d - b.d)[0]?.f;
  if (!face) {
    missed++;
    continue;
  }
  scores.push(face.probability);
  labels.push(meta.label);
  if (!meta.label && face.probability >= 0.5)
    falseAlarms.push(
      `${name} (${face.probability.toFixed(3)}, ${face.box.width} px face in ${report.image.width} x ${report.image.height})`,
    );
  const hotspot = face.historyHotspot?.box;
  if (hotspot && !meta.label) outlined.untouched++;
  if (hotspot && meta.label) {
    const W = decodeFlo(await readFile(path.join(folder, 'warp.flo')));
    const box = { x0: hotspot.x, y0: hotspot.y, x1: hotspot.x + hotspot.width, y1: hotspot.y + hotspot.height };
    const faceBox = {
      x0: face.box.x,
      y0: face.box.y,
      x1: face.box.x + face.box.width,
      y1: face.box.y + face.box.height,
    };
    outlined.edited++;
    if (movedShare(W, box) >= 0.05) outlined.onEdit++;
    outlined.chance += windowsOnEdit(W, faceBox, hotspot.width, { x: hotspot.x % 8, y: hotspot.y % 8 });
  }
  const kind = meta.label ? (meta.software?.match(/-(swirl|implode|distort)/)?.[1] ?? 'other') : 'untouched';
  const k = byKind.get(kind) ?? { faces: 0, flagged: 0 };
  byKind.set(kind, { faces: k.faces + 1, flagged: k.flagged + (face.probability >= 0.5 ? 1 : 0) });
}
analyzer.dispose();

const share = (label: number) => {
  const of = scores.filter((_, i) => labels[i] === label);
  return `${of.filter((p) => p >= 0.5).length} of ${of.length}`;
};
console.log(
  `${dir}: ${scores.length} faces (${labels.filter(Boolean).length} edited; ${missed} samples whose face was not found)`,
);
console.log(
  `AP ${averagePrecision(scores, labels).toFixed(3)} (chance ${(labels.filter(Boolean).length / Math.max(1, labels.length)).toFixed(3)}), ROC AUC ${rocAuc(scores, labels).toFixed(3)}`,
);
console.log(`flagged at 0.5: untouched ${share(0)}, edited ${share(1)}`);
for (const [kind, { faces, flagged }] of byKind) console.log(`  ${kind}: ${flagged} of ${faces} flagged`);
if (falseAlarms.length > 0) console.log(`untouched and flagged: ${falseAlarms.join('; ')}`);
if (outlined.edited + outlined.untouched > 0) {
  const pct = (a: number) => `${((100 * a) / Math.max(1, outlined.edited)).toFixed(1)}%`;
  console.log(
    `JPEG history outlined (historyHotspot): untouched ${outlined.untouched} of ${labels.filter((l) => !l).length}, edited ${outlined.edited} of ${labels.filter(Boolean).length}; on the edit ${outlined.onEdit} of ${outlined.edited} (${pct(outlined.onEdit)}; chance ${pct(outlined.chance)})`,
  );
}
