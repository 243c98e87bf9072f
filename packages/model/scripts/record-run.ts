// Appends a stopped run to docs/training-experiments.md and plots it:
//   node --import tsx packages/model/scripts/record-run.ts runs/exp-<recipe>-s<seed> "why it was stopped"
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { appendExperiment, getRecipe, plotCurves } from '../src/index.ts';
import type { RunState } from '../src/train/trainer.ts';

const [runDir, note = ''] = process.argv.slice(2);
if (!runDir) throw new Error('usage: record-run.ts <runDir> [note]');
const repo = path.resolve(import.meta.dirname, '../../..');
const state = JSON.parse(await readFile(path.join(runDir, 'state.json'), 'utf8')) as RunState;
const recipe = getRecipe(state.recipe);
await appendExperiment(path.join(repo, 'docs/training-experiments.md'), recipe, state, note);
await plotCurves(
  path.join(repo, 'docs/experiments', `${recipe.name}-s${state.seed}.png`),
  `${recipe.name} (seed ${state.seed})`,
  state.history,
);
