import path from 'node:path';
import { appendExperiment, getRecipe, plotCurves, recipes, runTraining } from '@unwarp/model';
import { num, parse, UsageError } from '../args.ts';
import { dataDir, repoRoot } from '../paths.ts';

const HELP = `Usage: unwarp experiment <recipe> --samples N [--seed S] [--resume] [options]

Trains a named recipe from scratch (or from --init weights) for N training samples and, every --eval-every samples, prints and records on the
fixed validation set (val/helen only; in-family and held-out warp families): AP, accuracy, FPR, EPE over |W| > 1 px
as a % of zero-flow, mean |W| on unedited patches, share of dead units, samples/s. Checkpoints let a killed run
--resume. At the end a row is appended to docs/training-experiments.md and the curves are plotted.

Recipes: ${Object.keys(recipes).join(', ')}

Options:
  -n, --samples <N>     training samples (required)
      --seed <S>        seed (default 1)
      --resume          continue runs/exp-<recipe>-s<seed> from its checkpoint
      --init <dir>      start from these weights (a checkpoint or model folder); the row says so
      --eval-every <N>  samples between evaluations (default 2000)
      --val-size <N>    validation patches per part (default 256)
      --replicas <R>    gradient replicas, sharing the cores (default 2)
      --data <dir>      photo pools root (default ../shared/data beside the repository)`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      samples: { type: 'string', short: 'n' },
      seed: { type: 'string' },
      resume: { type: 'boolean' },
      init: { type: 'string' },
      'eval-every': { type: 'string' },
      'val-size': { type: 'string' },
      replicas: { type: 'string' },
      data: { type: 'string' },
    },
    HELP,
  );
  if (!args) return 0;
  const name = args.positionals[0];
  if (!name) throw new UsageError('name a recipe', HELP);
  const recipe = getRecipe(name);
  const samples = num(args.values.samples, 'samples', Number.NaN, (n) => Number.isInteger(n) && n > 0);
  if (!Number.isFinite(samples)) throw new UsageError('--samples N is required', HELP);
  const seed = num(args.values.seed, 'seed', 1, Number.isInteger);
  const data = args.values.data ?? dataDir();
  const runDir = path.join(repoRoot(), 'runs', `exp-${recipe.name}-s${seed}`);
  const state = await runTraining({
    recipe,
    samples,
    seed,
    runDir,
    photoDirs: { train: [path.join(data, 'train/helen')], val: [path.join(data, 'val/helen')] },
    resume: args.values.resume === true,
    ...(args.values.init ? { initFrom: path.resolve(args.values.init) } : {}),
    evalEvery: num(args.values['eval-every'], 'eval-every', 2000, (n) => n > 0),
    valSize: num(args.values['val-size'], 'val-size', 256, (n) => n >= 16),
    ...(args.values.replicas !== undefined
      ? { replicas: num(args.values.replicas, 'replicas', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 8) }
      : {}),
  });
  await appendExperiment(path.join(repoRoot(), 'docs/training-experiments.md'), recipe, state);
  const plot = path.join(repoRoot(), 'docs/experiments', `${recipe.name}-s${seed}.png`);
  await plotCurves(plot, `${recipe.name} (seed ${seed})`, state.history);
  process.stderr.write(`recorded in docs/training-experiments.md; curves: ${path.relative(repoRoot(), plot)}\n`);
  return 0;
}
