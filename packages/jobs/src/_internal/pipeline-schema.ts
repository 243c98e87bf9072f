// The report schema comes straight from the pipeline's report.ts (zod only) instead of the `@unwarp/pipeline`
// barrel: the barrel loads tfjs, the face detector and sharp (~1 s and ~100 MB), which the web app and the
// worker's main process never need. Switch to `@unwarp/pipeline/report` once the pipeline exports that entry.
import type { ArtifactName } from '@unwarp/pipeline';

export type { Report } from '../../../pipeline/src/report.ts';
export { ReportSchema } from '../../../pipeline/src/report.ts';

/** Same list as the pipeline's ARTIFACTS; the type below fails to compile if they drift apart. */
export const ARTIFACT_NAMES = [
  'report.json',
  'flow.flo',
  'recovered.png',
  'heatmap.png',
  'flow.png',
  'compare.png',
] as const;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _same: Same<(typeof ARTIFACT_NAMES)[number], ArtifactName> = true;
void _same;

/** The pipeline's DEFAULT_THRESHOLD (checked by a test). */
export const DEFAULT_THRESHOLD = 0.5;
