import path from 'node:path';
import { evaluateModel } from '@unwarp/model';
import { DEFAULT_MODEL_DIR } from '@unwarp/pipeline';
import { num, parse, UsageError } from '../args.ts';
import { dataDir } from '../paths.ts';
import { createProgress } from '../progress.ts';

const HELP = `Usage: unwarp eval [--data <dir>... | --pairs <dir>...] [--model <dir>] [--count N] [--seed S] [--clean | --jpeg Q [--colour] [--off-grid]] [--json]

Measures a model on whole face crops from held-out photos (default: val/helen, which no training run uses and
\`unwarp calibrate\` does not fit on; several --data pools are drawn on in turn), edited by the simulator with every warp family at the
photo's own resolution, as a user's editor would, half left untouched; each crop then reaches the model at the size
the pipeline gives it (the model's training crop size, or its own pixels for a model seen natively). Prints accuracy at the threshold, AP, ROC AUC, FPR on untouched faces, EPE over pixels with |W| > 1 px and
over the face box, and the PSNR gain of the unwarped face over the modified one, each next to the zero-flow baseline.

--clean leaves out the simulator's post-processing after the edit (JPEG re-save, rescale, colour changes): the best
case, an edit exported losslessly. Compare it with the default to see what re-saving costs the model.

--jpeg Q instead saves each edited photo once as JPEG at quality Q and nothing else, as an editor exporting the
whole photo does (its 8 px blocks stay on the photo's own grid): the common case between --clean and the full mix.
--colour with it changes each photo's brightness, contrast and saturation first (the mix's ranges), as a user who
corrects the tones before exporting does. --off-grid with it saves each photo first at a quality from 70 to 90 and
makes the export on a grid 1-7 px off that save's, as an editor that opens, crops, retouches and exports does: the
earlier save then lies on another grid.

--pairs <dir> evaluates on stored pairs instead: folders of <sample>/{original.jpg, modified.jpg, warp.flo,
meta.json} as \`unwarp synth\` writes them, or edits made by other software with W measured against the original
(packages/liquify/scripts/foreign-edits.ts). --count caps how many are read.`;

export async function run(argv: string[]): Promise<number> {
  const args = parse(
    argv,
    {
      data: { type: 'string', multiple: true },
      pairs: { type: 'string', multiple: true },
      model: { type: 'string' },
      count: { type: 'string', short: 'n' },
      seed: { type: 'string' },
      threshold: { type: 'string' },
      clean: { type: 'boolean' },
      jpeg: { type: 'string' },
      colour: { type: 'boolean' },
      'off-grid': { type: 'boolean' },
      json: { type: 'boolean' },
    },
    HELP,
  );
  if (!args) return 0;
  const v = args.values;
  if (v.data && v.pairs)
    throw new UsageError('give --data (photos for the simulator) or --pairs (stored pairs), not both', HELP);
  if (v.clean && v.pairs) throw new UsageError('--clean applies to simulated edits, not to stored pairs', HELP);
  if (v.jpeg && (v.clean || v.pairs)) throw new UsageError('--jpeg applies to simulated edits, without --clean', HELP);
  if (v.colour && !v.jpeg)
    throw new UsageError('--colour applies with --jpeg Q (a colour edit before that export)', HELP);
  if (v['off-grid'] && !v.jpeg)
    throw new UsageError('--off-grid applies with --jpeg Q (an earlier save on another grid than that export)', HELP);
  const count = num(v.count, 'count', 300, (n) => Number.isInteger(n) && n > 0);
  const jpegQuality =
    v.jpeg === undefined ? undefined : num(v.jpeg, 'jpeg', 90, (n) => Number.isInteger(n) && n >= 1 && n <= 100);
  const progress = createProgress(count, 'eval ');
  const report = await evaluateModel({
    modelDir: v.model ?? process.env.UNWARP_MODEL_DIR ?? DEFAULT_MODEL_DIR,
    photoDirs: v.data ?? [path.join(dataDir(), 'val/helen')],
    ...(v.pairs ? { pairDirs: v.pairs } : {}),
    count,
    ...(v.clean ? { postprocess: false } : {}),
    ...(jpegQuality !== undefined ? { jpegQuality } : {}),
    ...(v.colour ? { colour: true } : {}),
    ...(v['off-grid'] ? { offGrid: true } : {}),
    seed: num(v.seed, 'seed', 1, Number.isInteger),
    threshold: num(v.threshold, 'threshold', 0.5, (n) => n > 0 && n < 1),
    onProgress: (d) => progress.update(d),
  });
  progress.done();
  if (v.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return 0;
  }
  const r = report;
  process.stdout.write(
    [
      `model ${r.model}: ${r.samples} held-out faces (${r.positives} edited), ${r.seconds} s; ${r.source}`,
      `accuracy @${r.threshold}     ${r.accuracy}   (zero-flow / constant score: ${(1 - r.positives / r.samples).toFixed(4)})`,
      `average precision   ${r.ap}   (chance: ${(r.positives / r.samples).toFixed(4)}); from the moved map: ${r.apMoved}`,
      `ROC AUC             ${r.auc}   (chance: 0.5)`,
      `FPR on untouched    ${r.fprUntouched}`,
      `EPE |W|>1 px        ${r.epeMoved.model} px vs zero-flow ${r.epeMoved.zeroFlow} px = ${(100 * r.epeMoved.ratio).toFixed(1)}%`,
      `EPE face box        ${r.epeFaceBox.model} px vs zero-flow ${r.epeFaceBox.zeroFlow} px = ${(100 * r.epeFaceBox.ratio).toFixed(1)}%`,
      `PSNR face           modified ${r.psnr.modified} dB -> unwarped ${r.psnr.recovered} dB: gain ${r.psnr.gain >= 0 ? '+' : ''}${r.psnr.gain} dB (zero-flow: +0, true W: ${r.psnr.trueFlowGain >= 0 ? '+' : ''}${r.psnr.trueFlowGain} dB)`,
      `JPEG history break  AP ${r.compressionBreak.ap}, ROC AUC ${r.compressionBreak.auc} (no model: where the face lost the photo's earlier JPEG compression)`,
      `JPEG history evidence AP ${r.historyEvidence.ap}, ROC AUC ${r.historyEvidence.auc} (no model: the breaks at several window sizes against the history kept in and around the face)`,
      `network alone       AP ${r.network.ap}, ROC AUC ${r.network.auc} (the score without the JPEG-history term)`,
    ].join('\n') + '\n',
  );
  return 0;
}
