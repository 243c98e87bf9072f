import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { getRecipe, listRecipeNames, runTraining } from '@unwarp/model';
import { num, parse, UsageError } from '../args.ts';
import { dataDir, repoRoot } from '../paths.ts';

const HELP = `Usage: unwarp train [--data <dir>...] [--recipe base] [--samples N | --epochs E] [--resume] [options]

Trains the warp model on pairs synthesised on the fly by the Liquify simulator from photos with 68-point .pts
landmarks (default: ../shared/data/train/helen). Validates on val photos at every --eval-every samples, checkpoints
every few minutes and at each validation into --run, and resumes from there with --resume after a kill.

Options:
      --data <dir>        training photo folder(s) with .pts files, or folders written by \`unwarp synth\` (repeatable)
      --val <dir>         validation photo folder(s) (default ../shared/data/val/helen)
      --recipe <name>     ${listRecipeNames().join(' | ')} (default base)
  -n, --samples <N>       total training samples
      --epochs <E>        alternatively: E passes over the training photos (samples = E x photos)
      --batch <B>         batch size (default: the recipe's)
      --size <px>         training patch size at model scale (default: the recipe's)
      --run <dir>         run folder (default runs/train-<recipe>)
      --resume            continue the run folder's checkpoint
      --init <dir>        start from these weights (fine-tuning)
      --export <dir>      copy the final weights there (e.g. models/unwarp-base)
      --eval-every <N>    samples between validations (default 4000)
      --replicas <R>      gradient replicas, sharing the cores (default 2)`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      data: { type: 'string', multiple: true },
      val: { type: 'string', multiple: true },
      recipe: { type: 'string' },
      samples: { type: 'string', short: 'n' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      size: { type: 'string' },
      run: { type: 'string' },
      resume: { type: 'boolean' },
      init: { type: 'string' },
      export: { type: 'string' },
      'eval-every': { type: 'string' },
      replicas: { type: 'string' },
    },
    HELP,
  );
  if (!args) return 0;
  const v = args.values;
  const recipe = structuredClone(getRecipe(v.recipe ?? 'base'));
  recipe.schedule.batch = num(v.batch, 'batch', recipe.schedule.batch, (n) => Number.isInteger(n) && n >= 2);
  recipe.data.patch = num(v.size, 'size', recipe.data.patch, (n) => Number.isInteger(n) && n >= 32);
  const train = v.data ?? [path.join(dataDir(), 'train/helen')];
  const val = v.val ?? [path.join(dataDir(), 'val/helen')];
  let samples = num(v.samples, 'samples', Number.NaN, (n) => Number.isInteger(n) && n > 0);
  if (v.epochs !== undefined) {
    const { listLandmarkedPhotos } = await import('@unwarp/liquify');
    samples = Math.round(num(v.epochs, 'epochs', 1, (n) => n > 0) * (await listLandmarkedPhotos(train)).length);
  }
  if (!Number.isFinite(samples)) throw new UsageError('give --samples N or --epochs E', HELP);
  const runDir = v.run ?? path.join(repoRoot(), 'runs', `train-${recipe.name}`);
  const state = await runTraining({
    recipe,
    samples,
    seed: 1,
    runDir,
    photoDirs: { train, val },
    resume: v.resume === true,
    ...(v.init ? { initFrom: v.init } : {}),
    evalEvery: num(v['eval-every'], 'eval-every', 4000, (n) => n > 0),
    ...(v.replicas !== undefined
      ? { replicas: num(v.replicas, 'replicas', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 8) }
      : {}),
  });
  if (v.export) {
    await mkdir(v.export, { recursive: true });
    for (const f of ['model.json', 'weights.bin']) await cp(path.join(runDir, 'checkpoint', f), path.join(v.export, f));
    process.stderr.write(`exported ${state.samples}-sample weights to ${v.export}\n`);
  }
  return 0;
}
