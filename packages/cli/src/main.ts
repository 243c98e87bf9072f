import { UsageError } from './args.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> =
  {
    analyze: {
      summary: 'analyse photos: report, heatmap, flow, recovered image',
      load: () => import('./commands/analyze.ts'),
    },
    compare: {
      summary: 'measure the warp between an edited photo and its original (no model)',
      load: () => import('./commands/compare.ts'),
    },
    synth: { summary: 'make synthetic warped/original training pairs', load: () => import('./commands/synth.ts') },
    train: { summary: 'train (or resume training) the warp model', load: () => import('./commands/train.ts') },
    experiment: {
      summary: 'train a named recipe for N samples and record its metrics',
      load: () => import('./commands/experiment.ts'),
    },
    eval: {
      summary: 'measure a model on held-out faces against the zero-flow baseline',
      load: () => import('./commands/eval.ts'),
    },
    calibrate: {
      summary: "fit a model's probability scale on held-out faces (0.5 = its operating point)",
      load: () => import('./commands/calibrate.ts'),
    },
    doctor: { summary: 'show the live backend and run a self-test', load: () => import('./commands/doctor.ts') },
  };

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'Usage: unwarp <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `unwarp <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unwarp: unknown command "${name}"\n\n${usage()}\n`);
    return 1;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`unwarp ${name}: ${err.message}\n${err.help ? `\n${err.help}\n` : ''}`);
      return 1;
    }
    process.stderr.write(`unwarp ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.UNWARP_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}
