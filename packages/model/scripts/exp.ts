import { getRecipe, runTraining } from '../src/index.ts';

const [name = 'base', samples = '20000', seed = '1', resume = ''] = process.argv.slice(2);
const recipe = getRecipe(name);
await runTraining({
  recipe,
  samples: Number(samples),
  seed: Number(seed),
  runDir: `/work/main/runs/${name}-s${seed}`,
  photoDirs: { train: ['/work/shared/data/train/helen'], val: ['/work/shared/data/val/helen'] },
  resume: resume === 'resume',
  evalEvery: 2000,
  valSize: 128,
});
