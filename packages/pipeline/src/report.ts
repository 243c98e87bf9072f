import { z } from 'zod';

// zod only: this module is the light entry point `@unwarp/pipeline/report` (no tfjs, no sharp, no face detector), so
// the web app and the queue package can validate reports and name artifacts without loading the model.

/** report.json, version 1. The API, the worker and the CLI all emit and validate this one schema. */
export const REPORT_VERSION = 1;
export const DEFAULT_THRESHOLD = 0.5;

/** Files of one analysis that are always written, in this order. */
export const CORE_ARTIFACTS = [
  'report.json',
  'flow.flo',
  'recovered.png',
  'heatmap.png',
  'flow.png',
  'compare.png',
] as const;
/**
 * Written by an analysis with the model (not for a comparison with the original, where W is measured): evidence.png
 * always, history.png where the photo's JPEG history was read (a JPEG upload with a face: `report.jpegHistory`).
 */
export const MODEL_ARTIFACTS = ['evidence.png', 'history.png'] as const;
/** The forensic aids' maps: written only when the aids ran (`report.aids` present). */
export const AID_ARTIFACTS = ['ela.png', 'noise.png'] as const;
/** Every file an analysis can produce. Folders, storage and the API iterate this list. */
export const ARTIFACTS = [...CORE_ARTIFACTS, ...MODEL_ARTIFACTS, ...AID_ARTIFACTS] as const;
export type CoreArtifactName = (typeof CORE_ARTIFACTS)[number];
export type ModelArtifactName = (typeof MODEL_ARTIFACTS)[number];
export type AidArtifactName = (typeof AID_ARTIFACTS)[number];
export type ArtifactName = (typeof ARTIFACTS)[number];
/**
 * The rendered files: the core ones always, evidence.png for a model's analysis (history.png with a JPEG history), the
 * aid maps when the aids ran.
 */
export type Artifacts = Record<CoreArtifactName, Uint8Array> &
  Partial<Record<ModelArtifactName | AidArtifactName, Uint8Array>>;

const BoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const DisplacementSchema = z.object({
  max: z.number().describe('largest |W| in px (image pixels)'),
  mean: z.number().describe('mean |W| in px over the face crop'),
  p95: z.number().describe('95th percentile of |W| in px over the face crop'),
});
export const REGIONS = ['leftEye', 'rightEye', 'leftBrow', 'rightBrow', 'nose', 'mouth', 'jaw', 'outline'] as const;
/** The regions in words, as tables, exports and the web page name them (the subject's left and right). */
export const REGION_NAMES: Record<(typeof REGIONS)[number], string> = {
  leftEye: 'left eye',
  rightEye: 'right eye',
  leftBrow: 'left eyebrow',
  rightBrow: 'right eyebrow',
  nose: 'nose',
  mouth: 'mouth',
  jaw: 'jaw',
  outline: 'face outline',
};

export const FaceReportSchema = z.object({
  index: z.number().int(),
  box: BoxSchema,
  cropBox: BoxSchema,
  /** Absent in reports before it was recorded. */
  networkScale: z
    .number()
    .positive()
    .optional()
    .describe("factor the face crop was resized by for the network: 1 = the photo's own pixels"),
  detectionScore: z.number(),
  probability: z.number().min(0).max(1),
  /** Absent in reports before it was recorded. */
  fieldShown: z
    .boolean()
    .optional()
    .describe(
      "whether W (flow.flo, the heatmaps, recovered.png) holds this face's predicted field; false where the model shows none: a face under the threshold, for a model that shows its field only on faces it flags, or a face size where its calibration found the field does not help",
    ),
  movedMax: z.number().min(0).max(1),
  /** Absent in reports before it was recorded. */
  hotspot: z
    .object({ box: BoxSchema, probability: z.number().min(0).max(1) })
    .optional()
    .describe("the face's most suspicious window (image pixels) and its probability: where the score comes from"),
  /** Absent for uploads that are not JPEGs, and in reports before it was recorded. */
  compressionBreak: z
    .number()
    .min(0)
    .optional()
    .describe(
      "no model: evidence (nats) that part of the face was JPEG-compressed once while the photo around it was compressed twice (the double-JPEG map of historyGrid); 0 when nothing breaks the photo's history, or when it has none to read (one save, or resized or re-coloured since)",
    ),
  /** Absent where compressionBreak is, and in reports before it was recorded. */
  historyEvidence: z
    .number()
    .optional()
    .describe(
      "no model: log-odds, from the same map, that the face was edited after the photo's earlier JPEG save (breaks at several window sizes against how clearly the blocks in and around the face keep that save); positive where part of the face lost the history the rest keeps, negative where the face keeps it throughout, 0 with no history to read; like compressionBreak it reads untouched faces as edited after an export below the earlier save's quality",
    ),
  /** Absent where the photo shows no earlier save around the face, and in reports before it was recorded. */
  historyGrid: z
    .enum(['aligned', 'shifted'])
    .optional()
    .describe(
      "no model: which earlier save compressionBreak and historyEvidence read: 'aligned', one on the last save's 8x8 grid; 'shifted', one found on another grid (jpegHistory.earlierSaveShift: the photo was cropped between the saves), weighed by a fit of its own",
    ),
  /**
   * Absent where historyEvidence is 1 or below (no clear lean to edited, or no history), where the model leaves the history out
   * of the score at this file's quality, and in reports before it was recorded.
   */
  historyHotspot: z
    .object({
      box: BoxSchema,
      nats: z.number().min(0),
      /** Absent in reports before it was recorded. */
      near: z
        .array(z.enum(REGIONS))
        .optional()
        .describe(
          "the face's regions with a landmark in the box (padded by 8% of the face width), the one whose landmark lies nearest the box's centre first",
        ),
    })
    .optional()
    .describe(
      'no model: for a face whose historyEvidence leans clearly edited (> 1) in a file the model counts it for (compressionBreakInScore not false), the window (image pixels) where its JPEG history breaks most, and by how much (nats): where the photo lost its earlier compression, as an edit after that save leaves it; drawn in history.png',
    ),
  /** Absent where compressionBreak is, and where the model does not weigh it at all. */
  compressionBreakInScore: z
    .boolean()
    .optional()
    .describe(
      "whether the JPEG-history evidence (compressionBreak or historyEvidence, as the model's manifest says) entered the face's probability: the model weighs it only for files saved last at a high enough JPEG quality (below it, an earlier finer save reads as broken on untouched faces too)",
    ),
  verdict: z.string(),
  displacement: DisplacementSchema,
  regions: z.record(z.enum(REGIONS), z.object({ mean: z.number(), max: z.number() })),
  landmarks: z.array(z.tuple([z.number(), z.number()])),
});

const LegendSchema = z.object({ zero: z.string(), max: z.string() });
const nullableString = z.string().nullable();

/**
 * report.aids: the classic forensic aids of `@unwarp/aids` (AidsReport). Loose objects: fields the aids add later are
 * kept, not stripped; the fields the UI and the API document are checked. Never a verdict: numbers, hints and the
 * `howToRead` sentence shown beside each aid.
 */
export const AidsSectionSchema = z.looseObject({
  metadata: z.looseObject({
    format: nullableString,
    camera: z.looseObject({ make: nullableString, model: nullableString, lens: nullableString }),
    captureTime: z.looseObject({
      original: nullableString,
      offset: nullableString,
      iso: nullableString,
      modified: nullableString,
    }),
    software: nullableString,
    editorHints: z.array(z.string()),
    gps: z.object({ latitude: z.number(), longitude: z.number() }).nullable(),
    dimensions: z.looseObject({
      exif: z.object({ width: z.number(), height: z.number() }).nullable(),
      actual: z.object({ width: z.number(), height: z.number() }),
      mismatch: z.boolean(),
    }),
    orientation: z.number().nullable(),
    xmp: z
      .looseObject({
        creatorTool: nullableString,
        history: z.array(
          z.looseObject({ action: nullableString, softwareAgent: nullableString, when: nullableString }),
        ),
      })
      .nullable(),
    iptc: z.looseObject({ byline: nullableString, credit: nullableString, copyright: nullableString }).nullable(),
    thumbnail: z.looseObject({
      present: z.boolean(),
      mismatch: z.boolean(),
      difference: z.number().nullable(),
      aspectThumbnail: z.number().nullable(),
      aspectImage: z.number().nullable(),
    }),
    warnings: z.array(z.string()),
    howToRead: z.string(),
  }),
  contentCredentials: z.looseObject({
    present: z.boolean(),
    validated: z.boolean().nullable(),
    validationState: z.string().optional(),
    signer: z.string().optional(),
    claimGenerator: z.string().optional(),
    actions: z.array(z.string()).optional(),
    validationStatus: z.array(z.string()).optional(),
    reason: z.string().optional(),
    howToRead: z.string(),
  }),
  ela: z.looseObject({
    meanError: z.number(),
    maxError: z.number(),
    quality: z.number(),
    scale: z.number(),
    legend: LegendSchema,
    howToRead: z.string(),
  }),
  noise: z.looseObject({
    meanResidual: z.number(),
    blockStd: z.object({ min: z.number(), median: z.number(), max: z.number(), blocks: z.number() }),
    outlierBlockFraction: z.number(),
    scale: z.number(),
    legend: LegendSchema,
    howToRead: z.string(),
  }),
  jpeg: z.looseObject({
    quality: z.number().nullable(),
    standardTables: z.boolean(),
    subsampling: nullableString,
    doubleCompressionHint: z.looseObject({
      suspected: z.boolean().nullable(),
      score: z.number().nullable(),
      method: z.string(),
      note: z.string(),
    }),
    howToRead: z.string(),
  }),
  analysis: z.looseObject({ width: z.number(), height: z.number(), mapWidth: z.number(), mapHeight: z.number() }),
});

/** An input file as decoded: display name, upright size, format, content hash and byte count. */
const ImageFileSchema = z.object({
  file: z.string().optional(),
  width: z.number().int(),
  height: z.number().int(),
  format: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int(),
});

export const ReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  probability: z.number().min(0).max(1),
  verdict: z.string(),
  caveat: z.string(),
  threshold: z.number(),
  image: ImageFileSchema.extend({
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
  /** Present where the photo's JPEG history was read: a JPEG upload with a face. */
  jpegHistory: z
    .object({
      lastQuality: z.number().nullable().describe("the last save's JPEG quality (IJG scale), read from its table"),
      earlierSaveFound: z
        .boolean()
        .describe(
          'whether the blocks show an earlier JPEG save, on the same 8x8 grid or on another (earlierSaveShift); without one there is no history',
        ),
      earlierSaveShift: z
        .object({ x: z.number().int(), y: z.number().int() })
        .nullable()
        .optional()
        .describe(
          "where an earlier save was found on another 8x8 grid than the last save's, the pixel where that save's blocks start (mod 8): the photo was cropped off the grid between the two saves. history.png then maps that save, and faces with historyGrid 'shifted' read their compressionBreak, historyEvidence and historyHotspot from it (weighed by a fit of their own; a face whose last grid keeps the history more clearly reads that grid). Reported only where some face read it; null otherwise",
        ),
      colourScale: z
        .number()
        .describe(
          "the factor the earlier save's coefficients were scaled by before the last save (1: none found; else a colour or tone edit between the saves, which makes the history faint)",
        ),
      countedInScore: z
        .boolean()
        .nullable()
        .describe(
          "whether the history entered the faces' probabilities (the model weighs it only for files saved last at a high enough quality); null for a model that never weighs it",
        ),
      howToRead: z.string(),
    })
    .optional(),
  model: z.object({
    name: z.string(),
    version: z.string(),
    /** False when the model gives no warp field (W is zero: empty heatmap, recovered = input); absent in old reports. */
    predictsFlow: z.boolean().optional(),
    /** Absent for a model that reads each field once. */
    refinePasses: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'residual passes in each shown field: the face unwarped by the field so far is read again and what is still displaced is added (inference.refine)',
      ),
    /** Present when the model's probabilities were calibrated (`unwarp calibrate`): what 0.5 means, as measured. */
    calibration: z
      .object({
        pools: z.array(z.string()),
        faces: z.number(),
        falsePositiveRate: z.number(),
        detectionRate: z.number(),
        /**
         * The model's field is an expected displacement: W × the gain for the face's width (px on the network's
         * input; the band with the largest minFaceWidth the face reaches) × the face's probability, gains that undid
         * the calibration faces' edits best (PSNR), fitted apart for files last saved as JPEG and losslessly (the bands
         * listed are this file's). Absent when the field is shown as predicted.
         */
        fieldGains: z.array(z.object({ minFaceWidth: z.number(), gain: z.number() })).optional(),
      })
      .optional(),
  }),
  backend: z.string(),
  timings: z.record(z.string(), z.number()),
  warnings: z.array(z.string()),
  /** Absent when the aids were turned off or failed (a warning then says why). */
  aids: AidsSectionSchema.optional(),
  createdAt: z.string(),
});

/** report.json of `compareWithOriginal`: W measured between an edited photo and its original. */
export const ComparisonReportSchema = z.object({
  version: z.literal(REPORT_VERSION),
  kind: z.literal('comparison'),
  edited: ImageFileSchema,
  original: ImageFileSchema,
  displacement: DisplacementSchema,
  /** Share of the edited photo's pixels moved more than 0.5 px. */
  movedShare: z.number().min(0).max(1),
  /** RMS of the normalised luma difference, before and after warping the original by W. */
  residual: z.object({ before: z.number(), after: z.number() }),
  psnr: z.object({ editedVsOriginal: z.number(), recoveredVsOriginal: z.number() }),
  faces: z.array(
    z.object({
      index: z.number().int(),
      box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
      regions: FaceReportSchema.shape.regions,
    }),
  ),
  estimation: z.object({ method: z.string(), scale: z.number() }),
  howToRead: z.string(),
  warnings: z.array(z.string()),
  timings: z.record(z.string(), z.number()),
  createdAt: z.string(),
});

export type ComparisonReport = z.infer<typeof ComparisonReportSchema>;
export type FaceReport = z.infer<typeof FaceReportSchema>;
export type Report = z.infer<typeof ReportSchema>;
export type AidsSection = z.infer<typeof AidsSectionSchema>;

export const CAVEAT =
  'A high score means the geometry looks pushed by a liquify-type tool; it does not say who did it or why, and a low score does not prove a photo is untouched.';

/** The verdict of a model that has not met its validation targets: its scores are shown, never read as findings. */
export const UNVALIDATED_VERDICT =
  'Not validated: the model is experimental, so this score is not evidence either way. Treat what it shows, and the forensic aids, as leads only.';

/**
 * Each outlined face's JPEG history break in words, for tables and exports: the region nearest it ("right eye"), with
 * the face's index where the photo has several faces ("face 1: nose"); empty where no face is outlined.
 */
export function historyBreaksInWords(report: Pick<Report, 'faces'>): string[] {
  return report.faces.flatMap((f) => {
    if (!f.historyHotspot) return [];
    const near = f.historyHotspot.near?.[0];
    const where = near ? REGION_NAMES[near] : 'face';
    return [`${report.faces.length > 1 ? `face ${f.index}: ` : ''}${where}`];
  });
}

export const JPEG_HISTORY_HOW_TO_READ =
  "history.png shades each 8x8 block of the photo: teal where the block still shows the photo's earlier JPEG save (quantised twice), magenta where it was compressed only once, as pixels moved or painted after that save are; grey where a block carries no evidence (flat or detail-free). A magenta patch inside a face whose surroundings are teal is where the face changed after the earlier save; one spread over the whole photo means the history is faint (a resize, a strong colour edit, or a last save below the earlier one's quality), and then the map says little. Where earlierSaveShift is given, the photo was cropped off the 8x8 grid between the two saves: the map then shows that earlier save on its own grid, teal where a block keeps it and magenta where it changed after it; faces with historyGrid 'shifted' read their history from that map.";

export function verdictFor(probability: number, threshold: number, opts: { experimental?: boolean } = {}): string {
  if (opts.experimental) return UNVALIDATED_VERDICT;
  if (probability >= Math.max(threshold, 0.8))
    return 'Likely warped: the face shows strong signs of a liquify-type edit.';
  if (probability >= threshold) return 'Possibly warped: some signs of a liquify-type edit.';
  if (probability >= threshold * 0.6) return 'Inconclusive: weak signs, below the threshold.';
  return 'No sign of a liquify-type warp was found.';
}
