// Writes the tiny fixture model tests use (random weights, seeded): `node --import tsx scripts/make-fixture.ts`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRecipe, initWeights, saveWeights } from '../src/index.ts';

const recipe = getRecipe('tiny');
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/tiny-model');
await saveWeights(
  dir,
  { name: 'fixture-tiny', version: '0', recipe, training: { note: 'untrained, seeded random weights for tests' } },
  initWeights(recipe.arch, 42),
);
process.stdout.write(`wrote ${dir}\n`);
