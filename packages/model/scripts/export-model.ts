// Copies a run's checkpoint into models/<name>/ with what is known about it:
//   node --import tsx packages/model/scripts/export-model.ts <runDir> <modelDir> [experimental note]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadWeights, saveWeights } from '../src/index.ts';
import type { RunState } from '../src/train/trainer.ts';

const [runDir, modelDir, experimental] = process.argv.slice(2);
if (!runDir || !modelDir) throw new Error('usage: export-model.ts <runDir> <modelDir> [experimental note]');
const { manifest, weights } = await loadWeights(path.join(runDir, 'checkpoint'));
const state = JSON.parse(await readFile(path.join(runDir, 'state.json'), 'utf8')) as RunState;
const last = state.history.at(-1);
await saveWeights(
  modelDir,
  {
    name: `unwarp-${manifest.recipe.name}`,
    version: `${state.samples}`,
    recipe: manifest.recipe,
    training: {
      samples: state.samples,
      seed: state.seed,
      trainSeconds: Math.round(state.trainSeconds),
      // A fine-tune names the weights it started from (their own history is in that folder's state.json).
      ...(state.initFrom ? { initFrom: path.relative(process.cwd(), state.initFrom) } : {}),
      validation: last ? { samples: last.samples, inFamily: last.inFamily, heldOut: last.heldOut } : null,
      ...(experimental ? { experimental } : {}),
    },
  },
  weights,
);
process.stdout.write(`exported ${runDir} (${state.samples} samples) to ${modelDir}\n`);
