import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getRecipe } from '../recipe.ts';
import { appendExperiment, conclusion } from './experiment-log.ts';
import type { EvalRow, RunState } from './trainer.ts';
import type { ValMetrics } from './validate.ts';

const metrics = (ap: number, epeRatio: number, fpr: number): ValMetrics => ({
  n: 100,
  ap,
  accuracy: 0.5,
  fpr,
  apMoved: ap,
  epe: epeRatio * 2,
  zeroEpe: 2,
  epeRatio,
  meanFlowUnedited: 0,
});
const row = (samples: number, ap: number, epeRatio: number, fpr = 0.05): EvalRow => ({
  samples,
  seconds: samples / 10,
  samplesPerSecond: 10,
  loss: {},
  inFamily: metrics(ap, epeRatio, fpr),
  heldOut: metrics(ap, epeRatio, fpr),
  deadShare: 0,
});
const state = (history: EvalRow[]): RunState => ({
  recipe: 'tiny',
  seed: 1,
  samples: history.at(-1)?.samples ?? 0,
  target: 4000,
  trainSeconds: 1,
  history,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'unwarp-explog-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('experiment log', () => {
  it('starts the doc with its header once, then appends one row per run', async () => {
    const doc = path.join(dir, 'runs.md');
    await appendExperiment(doc, getRecipe('tiny'), state([row(2000, 0.5, 1)]));
    await appendExperiment(doc, getRecipe('tiny'), state([row(2000, 0.5, 1), row(4000, 0.9, 0.5)]), 'second');
    const text = await readFile(doc, 'utf8');
    expect(text.match(/^# Training experiments/gm)).toHaveLength(1);
    const rows = text.split('\n').filter((l) => /^\| \d{4}-/.test(l));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      /\| tiny \| 1 \| 4000 \| 10 \| 2000 → 0\.50 .*<br>4000 → 0\.90 \/ 0\.90 \/ 50% \/ 5% \/ 0%/,
    );
    expect(rows[1]).toMatch(/passes the gate.*; second \|$/);
  });

  it('does not add a second header when a formatter has padded the table', async () => {
    const doc = path.join(dir, 'padded.md');
    await writeFile(
      doc,
      '# Training experiments\n\nNotes.\n\n| date       | recipe | seed |\n| ---------- | ------ | ---- |\n| 2026-01-01 | base   | 1    |\n',
    );
    await appendExperiment(doc, getRecipe('tiny'), state([row(2000, 0.5, 1)]));
    const text = await readFile(doc, 'utf8');
    expect(text.match(/^# Training experiments/gm)).toHaveLength(1);
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/^\| \d{4}-\d\d-\d\d \| tiny \|/);
  });

  it('concludes from the held-out part only against the gate', () => {
    expect(conclusion([row(2000, 0.5, 1, 0)])).toMatch(/^does not beat zero-flow/);
    expect(conclusion([row(2000, 0.7, 0.9)])).toMatch(/^learns .* misses the gate/);
    expect(conclusion([row(2000, 0.85, 0.7, 0.05)])).toMatch(/^passes the gate/);
    expect(conclusion([row(2000, 0.85, 0.7, 0.2)])).toMatch(/misses the gate/);
  });
});
