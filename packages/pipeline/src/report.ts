import { z } from 'zod';

/** report.json, version 1. The API, the worker and the CLI all emit and validate this one schema. */
export const REPORT_VERSION = 1;

const BoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const DisplacementSchema = z.object({
  max: z.number().describe('largest |W| in px (image pixels)'),
  mean: z.number().describe('mean |W| in px over the face crop'),
  p95: z.number().describe('95th percentile of |W| in px over the face crop'),
});
export const REGIONS = ['leftEye', 'rightEye', 'leftBrow', 'rightBrow', 'nose', 'mouth', 'jaw', 'outline'] as const;

export const FaceReportSchema = z.object({
  index: z.number().int(),
  box: BoxSchema,
  cropBox: BoxSchema,
  detectionScore: z.number(),
  probability: z.number().min(0).max(1),
  movedMax: z.number().min(0).max(1),
  verdict: z.string(),
  displacement: DisplacementSchema,
  regions: z.record(z.enum(REGIONS), z.object({ mean: z.number(), max: z.number() })),
  landmarks: z.array(z.tuple([z.number(), z.number()])),
});

export const ReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  probability: z.number().min(0).max(1),
  verdict: z.string(),
  caveat: z.string(),
  threshold: z.number(),
  image: z.object({
    file: z.string().optional(),
    width: z.number().int(),
    height: z.number().int(),
    format: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int(),
    exifOrientation: z.number().int(),
    orientationApplied: z.boolean(),
  }),
  faces: z.array(FaceReportSchema),
  noFace: z.boolean(),
  imageScore: z
    .object({
      probability: z.number().min(0).max(1),
      method: z.string(),
      /** |W| over the whole image, only when the whole image was one crop (--no-crop). */
      displacement: DisplacementSchema.optional(),
    })
    .optional()
    .describe('present when no face was analysed: the score of the whole image'),
  model: z.object({ name: z.string(), version: z.string() }),
  backend: z.string(),
  timings: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
  aids: z.unknown().optional(),
  createdAt: z.string(),
});

export type FaceReport = z.infer<typeof FaceReportSchema>;
export type Report = z.infer<typeof ReportSchema>;

export const CAVEAT =
  'A high score means the geometry looks pushed by a liquify-type tool; it does not say who did it or why, and a low score does not prove a photo is untouched.';

export function verdictFor(probability: number, threshold: number): string {
  if (probability >= Math.max(threshold, 0.8))
    return 'Likely warped: the face shows strong signs of a liquify-type edit.';
  if (probability >= threshold) return 'Possibly warped: some signs of a liquify-type edit.';
  if (probability >= threshold * 0.6) return 'Inconclusive: weak signs, below the threshold.';
  return 'No sign of a liquify-type warp was found.';
}
