import type { FaceReport, Report } from '@unwarp/pipeline/report';

export type Region = keyof FaceReport['regions'];

/** Plain names of the report's face regions, in display order: the pipeline's REGION_NAMES capitalised (a test keeps them equal). */
export const REGION_LABELS: Record<Region, string> = {
  leftEye: 'Left eye',
  rightEye: 'Right eye',
  leftBrow: 'Left eyebrow',
  rightBrow: 'Right eyebrow',
  nose: 'Nose',
  mouth: 'Mouth',
  jaw: 'Jaw',
  outline: 'Face outline',
};

/** The heatmap's |W| range in px (mirrors @unwarp/pipeline HEATMAP_RANGE; a test keeps them equal). */
export const HEATMAP_RANGE_PX = { min: 0.5, max: 7 } as const;

export type VerdictLevel = 'likely' | 'possibly' | 'inconclusive' | 'none' | 'unvalidated' | 'unknown';

/** The verdict's level, read from the report's own wording so the page never disagrees with report.json. */
export function verdictLevel(verdict: string | undefined): VerdictLevel {
  if (!verdict) return 'unknown';
  // A photo with no face still gets a whole-image verdict after this prefix.
  verdict = verdict.replace(/^no face found\.\s*/i, '');
  if (/^likely/i.test(verdict)) return 'likely';
  if (/^possibly/i.test(verdict)) return 'possibly';
  if (/^inconclusive/i.test(verdict)) return 'inconclusive';
  if (/^no sign/i.test(verdict)) return 'none';
  if (/^not validated/i.test(verdict)) return 'unvalidated';
  return 'unknown';
}

export const LEVEL_LABELS: Record<VerdictLevel, string> = {
  likely: 'Likely warped',
  possibly: 'Possibly warped',
  inconclusive: 'Inconclusive',
  none: 'No sign of warp',
  unvalidated: 'Unvalidated model',
  unknown: 'Not scored',
};

export const STAGE_LABELS: Record<string, string> = {
  queued: 'Queued',
  decoding: 'Reading the photo',
  'detecting faces': 'Detecting faces',
  predicting: 'Predicting the warp',
  measuring: 'Measuring the warp',
  rendering: 'Rendering images',
  storing: 'Saving results',
  done: 'Done',
  failed: 'Failed',
};

/**
 * A probability as a percentage: whole numbers, except next to the decision threshold, where rounding would show
 * "50%" for both a flagged and an unflagged photo.
 */
export function pct(p: number | undefined, threshold?: number): string {
  if (p === undefined) return '–';
  const near = threshold === undefined ? 1 : Math.abs(p - threshold);
  const digits = near >= 0.005 ? 0 : near >= 0.0005 ? 1 : 2;
  return `${(p * 100).toFixed(digits)}%`;
}
export const px = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)} px`);
export const bytes = (n: number) =>
  n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
export const db = (v: number | undefined) => (v === undefined ? '–' : v >= 99 ? 'identical' : `${v.toFixed(1)} dB`);

/**
 * One plain sentence on what the score's 50% means for a calibrated model (`unwarp calibrate`), as measured on its
 * calibration faces (their pools named: one may be a training pool, edited afresh); `null` for an uncalibrated model.
 */
export function calibrationNote(calibration: Report['model']['calibration']): string | null {
  if (!calibration) return null;
  const { pools, faces, falsePositiveRate, detectionRate } = calibration;
  const share = (r: number) => `${(r * 100).toFixed(1)}%`;
  const where = pools.length > 0 ? ` from ${pools.join(', ')}` : '';
  return (
    `Score calibrated on ${faces.toLocaleString('en-US')} faces${where}: ` +
    `it scored 50% or more on ${share(falsePositiveRate)} of untouched faces and ${share(detectionRate)} of faces given a Liquify-style warp.`
  );
}

/** Downloads that picture W: all-zero for a model that gives no field, so the page leaves them out (the API keeps them). */
export const WARP_FILES: ReadonlySet<string> = new Set([
  'heatmap.png',
  'flow.png',
  'recovered.png',
  'compare.png',
  'flow.flo',
]);

/**
 * The result page's download buttons: what the API says it can serve (`artifacts`, when it lists them), less the
 * warp pictures when the model gives no field.
 */
export function downloadsFor<T extends readonly [string, ...string[]]>(
  files: readonly T[],
  opts: { hasField: boolean; artifacts?: Record<string, unknown> },
): T[] {
  return files.filter(([f]) => (opts.hasField || !WARP_FILES.has(f)) && (!opts.artifacts || f in opts.artifacts));
}
