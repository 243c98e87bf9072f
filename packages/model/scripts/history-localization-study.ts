// Does the JPEG history say where a face was edited? On simulator edits saved once as JPEG on the photo's grid, the
// window where the face's history breaks most (`compressionBreakWindow` of `@unwarp/aids`, at several window shares
// of the face's shorter side) is labelled "on the edit" when at least 5% of its pixels moved by more than 1 px (the
// rule of localization-study.ts), next to the network's top window and the share of windows on an edit (chance).
// Counted over edited faces whose history breaks at all, split by whether the history around the face is clear, and
// again over the faces the pipeline outlines (historyEvidence > HOTSPOT_MIN_EVIDENCE).
//   node --import tsx packages/model/scripts/history-localization-study.ts [--model models/unwarp-base] \
//     [--pool val/helen] [--count 300] [--seed 1] [--quality 90] [--shares 0.15,0.2,0.3,0.4] [--colour]
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  compressionBreakWindow,
  doubleJpegMap,
  HOTSPOT_MIN_EVIDENCE,
  historyFeatures,
  historyReading,
  ijgTable,
  isFaintHistory,
  lumaOf,
  STD_LUMA,
} from '@unwarp/aids';
import { type FlowField, movedShare, windowsOnEdit } from '@unwarp/flow';
import { simulatedSamples } from '../src/evaluate.ts';
import { loadDetector } from '../src/infer.ts';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/unwarp-base' },
    pool: { type: 'string', default: 'val/helen' },
    count: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    quality: { type: 'string', default: '90' },
    shares: { type: 'string', default: '0.15,0.2,0.3,0.4' },
    colour: { type: 'boolean', default: false },
  },
});
const shares = values.shares.split(',').map(Number);
const quality = Number(values.quality);
const steps = ijgTable(STD_LUMA, quality);
const data = path.resolve(import.meta.dirname, '../../../../shared/data');
const model = await loadDetector(values.model);
const { samples, source } = await simulatedSamples(
  {
    photoDirs: [path.join(data, values.pool)],
    count: Number(values.count),
    seed: Number(values.seed),
    jpegQuality: quality,
    colour: values.colour,
  },
  model.manifest,
);

type Box = { x0: number; y0: number; x1: number; y1: number };
/** Whether a window lies on the edit: at least 5% of its pixels moved by more than 1 px. */
const onEdit = (flow: FlowField, b: Box) => movedShare(flow, b) >= 0.05;

type Tally = { faces: number; hit: number; chance: number };
const tally = () => ({ faces: 0, hit: 0, chance: 0 });
const byShare = new Map(shares.map((s) => [s, { clear: tally(), faint: tally(), shown: tally() }]));
const network = { clear: tally(), faint: tally(), shown: tally() };
let edited = 0;
for await (const s of samples) {
  if (s.label !== 1) continue;
  edited++;
  const map = doubleJpegMap(lumaOf(s.modified.data, s.modified.width, s.modified.height), s.flow.width, s.flow.height, {
    steps,
  });
  if (map.frequencies.length === 0) continue;
  const regime = isFaintHistory(historyFeatures(map, s.faceBox), map.scale) ? 'faint' : 'clear';
  const leansEdited = historyReading(map, s.faceBox).evidence > HOTSPOT_MIN_EVIDENCE;
  let broke = false;
  for (const share of shares) {
    const w = compressionBreakWindow(map, s.faceBox, share);
    if (!w) continue;
    broke = true;
    const hit = onEdit(s.flow, w);
    const chance = windowsOnEdit(s.flow, s.faceBox, w.x1 - w.x0, { x: map.offsetX, y: map.offsetY });
    const tallies = byShare.get(share)!;
    for (const t of [tallies[regime], ...(leansEdited ? [tallies.shown] : [])]) {
      t.faces++;
      if (hit) t.hit++;
      t.chance += chance;
    }
  }
  if (!broke) continue;
  // The network's top window over the same face, by the rule of its score.
  const { grid } = await model.predict(s.modified, { region: s.faceBox, scoreOnly: true });
  const { rows, cols, cells, stride, logits } = grid;
  let best = -1;
  let labels = 0;
  let windows = 0;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const cx = (c + cells / 2) * stride;
      const cy = (r + cells / 2) * stride;
      if (cx < s.faceBox.x0 || cx >= s.faceBox.x1 || cy < s.faceBox.y0 || cy >= s.faceBox.y1) continue;
      const i = r * cols + c;
      if (best < 0 || logits[i]! > logits[best]!) best = i;
      windows++;
      if (onEdit(s.flow, windowBox(r, c, cells * stride, stride))) labels++;
    }
  if (best < 0) continue;
  const hit = onEdit(s.flow, windowBox(Math.floor(best / cols), best % cols, cells * stride, stride));
  for (const t of [network[regime], ...(leansEdited ? [network.shown] : [])]) {
    t.faces++;
    t.chance += labels / windows;
    if (hit) t.hit++;
  }
}
model.dispose();

function windowBox(r: number, c: number, side: number, stride: number): Box {
  return { x0: c * stride, y0: r * stride, x1: c * stride + side, y1: r * stride + side };
}

const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)}%` : '–');
const line = (name: string, t: { clear: Tally; faint: Tally; shown: Tally }) => {
  const all = {
    faces: t.clear.faces + t.faint.faces,
    hit: t.clear.hit + t.faint.hit,
    chance: t.clear.chance + t.faint.chance,
  };
  const cell = (x: Tally) => `${x.hit} of ${x.faces} (${pct(x.hit, x.faces)}; chance ${pct(x.chance, x.faces)})`;
  return `${name} | all ${cell(all)} | clear ${cell(t.clear)} | faint ${cell(t.faint)} | evidence > ${HOTSPOT_MIN_EVIDENCE} ${cell(t.shown)}`;
};
process.stdout.write(
  `${model.manifest.name}@${model.manifest.version}, ${source}, ${values.pool} seed ${values.seed}\n` +
    `${edited} edited faces; windows on an edit (>= 5% of pixels moved > 1 px), among faces whose history breaks:\n` +
    [...byShare].map(([share, t]) => line(`history window ${share}`, t)).join('\n') +
    `\n${line('network top window', network)}\n`,
);
