// Copies a run's checkpoint into models/<name>/ with what is known about it:
//   node --import tsx packages/model/scripts/export-model.ts <runDir> <modelDir> [experimental note]
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadWeights, type ModelManifest, saveWeights } from '../src/index.ts';
import type { RunState } from '../src/train/trainer.ts';

const [runDir, modelDir, experimental] = process.argv.slice(2);
if (!runDir || !modelDir) throw new Error('usage: export-model.ts <runDir> <modelDir> [experimental note]');
const { manifest, weights } = await loadWeights(path.join(runDir, 'checkpoint'));
const state = JSON.parse(await readFile(path.join(runDir, 'state.json'), 'utf8')) as RunState;
const last = state.history.at(-1);
// How the shipped model is used (field on or off, window rule) was measured for that folder: keep it, and say so.
const previousFile = path.join(modelDir, 'model.json');
const previous = existsSync(previousFile)
  ? (JSON.parse(await readFile(previousFile, 'utf8')) as ModelManifest).inference
  : undefined;
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
    ...(previous ? { inference: previous } : {}),
  },
  weights,
);
process.stdout.write(`exported ${runDir} (${state.samples} samples) to ${modelDir}\n`);
if (previous)
  process.stdout.write(
    `kept the inference settings of the model it replaced: ${JSON.stringify(previous)} (edit model.json to change)\n`,
  );
