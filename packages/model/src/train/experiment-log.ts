import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Recipe } from '../recipe.ts';
import type { EvalRow, RunState } from './trainer.ts';

const HEADER = `# Training experiments

Every \`unwarp experiment\` run appends one row here, failures included. Metrics come from the fixed validation set
(\`val/helen\` photos only, 128 px patches at model scale, seeded): **in** = the recipe's own warp families, **out** =
held-out families (twirl, push strokes) that no recipe trains on. EPE% = end-point error over pixels with |W| > 1 px
as a percentage of the zero-flow error (100% = learned nothing). FPR = unedited patches scored ≥ 0.5.

| date | recipe | seed | samples | samples/s | checkpoints: samples → in AP / out AP / out EPE% / out FPR / dead | conclusion |
|---|---|---|---|---|---|---|
`;

const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const pct = (v: number) => (Number.isFinite(v) ? `${Math.round(v * 100)}%` : 'n/a');

export function conclusion(h: EvalRow[]): string {
  const last = h.at(-1);
  if (!last) return 'no evaluation';
  const out = last.heldOut;
  const gate = out.ap >= 0.8 && out.epeRatio <= 0.8 && out.fpr <= 0.1;
  const beats = out.epeRatio < 0.97 || out.ap > 0.6;
  if (gate) return `passes the gate (held-out AP ${f2(out.ap)}, EPE ${pct(out.epeRatio)}, FPR ${pct(out.fpr)})`;
  if (beats) return `learns (held-out AP ${f2(out.ap)}, EPE ${pct(out.epeRatio)} of zero-flow) but misses the gate`;
  return `does not beat zero-flow on held-out warps (AP ${f2(out.ap)}, EPE ${pct(out.epeRatio)})`;
}

export async function appendExperiment(docPath: string, recipe: Recipe, state: RunState, note = ''): Promise<void> {
  await mkdir(path.dirname(docPath), { recursive: true });
  let existing = '';
  try {
    existing = await readFile(docPath, 'utf8');
  } catch {
    await writeFile(docPath, HEADER);
  }
  // The table may have been re-aligned by a formatter (padded cells), so match its header loosely.
  if (existing && !/^\|\s*date\s*\|\s*recipe\s*\|/m.test(existing)) await appendFile(docPath, `\n${HEADER}`);
  const points = state.history
    .filter((r) => r.samples > 0)
    .map(
      (r) =>
        `${r.samples} → ${f2(r.inFamily.ap)} / ${f2(r.heldOut.ap)} / ${pct(r.heldOut.epeRatio)} / ${pct(r.heldOut.fpr)} / ${pct(r.deadShare)}`,
    )
    .join('<br>');
  const sps = state.history.at(-1)?.samplesPerSecond ?? 0;
  const row = `| ${new Date().toISOString().slice(0, 10)} | ${recipe.name}${state.initFrom ? ` (from ${path.relative(process.cwd(), state.initFrom)})` : ''} | ${state.seed} | ${state.samples} | ${sps} | ${points} | ${conclusion(state.history)}${note ? `; ${note}` : ''} |\n`;
  await appendFile(docPath, row);
}

/** A small PNG of the curves (held-out AP, in-family AP, held-out EPE% of zero-flow) against samples. */
export async function plotCurves(file: string, title: string, history: EvalRow[]): Promise<void> {
  const W = 640;
  const H = 360;
  const m = { l: 50, r: 20, t: 30, b: 40 };
  const maxS = Math.max(1, ...history.map((r) => r.samples));
  const x = (s: number) => m.l + ((W - m.l - m.r) * s) / maxS;
  const y = (v: number) => m.t + (H - m.t - m.b) * (1 - Math.max(0, Math.min(1.2, v)) / 1.2);
  const line = (vals: number[], color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${history.map((r, i) => `${x(r.samples).toFixed(1)},${y(vals[i]!).toFixed(1)}`).join(' ')}"/>`;
  const grid = [0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2]
    .map(
      (v) =>
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${m.l - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v.toFixed(1)}</text>`,
    )
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="100%" height="100%" fill="white"/>${grid}
<text x="${W / 2}" y="18" font-size="14" text-anchor="middle" font-family="sans-serif">${title}</text>
<text x="${W / 2}" y="${H - 8}" font-size="12" text-anchor="middle" font-family="sans-serif">training samples (max ${maxS})</text>
${line(
  history.map((r) => r.heldOut.ap),
  '#d62728',
)}${line(
  history.map((r) => r.inFamily.ap),
  '#1f77b4',
)}${line(
  history.map((r) => r.heldOut.epeRatio),
  '#2ca02c',
)}
<line x1="${m.l}" x2="${W - m.r}" y1="${y(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 4"/>
<g font-size="12" font-family="sans-serif"><text x="${m.l + 10}" y="${m.t + 14}" fill="#d62728">held-out AP</text><text x="${m.l + 110}" y="${m.t + 14}" fill="#1f77b4">in-family AP</text><text x="${m.l + 210}" y="${m.t + 14}" fill="#2ca02c">held-out EPE / zero-flow (dashed = 1)</text></g></svg>`;
  await mkdir(path.dirname(file), { recursive: true });
  await sharp(Buffer.from(svg)).png().toFile(file);
}
