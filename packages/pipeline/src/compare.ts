import { createHash } from 'node:crypto';
import { type FaceDetector, ImageDecodeError, loadUpright, type RgbImage } from '@unwarp/faces';
import { estimateFlow, type FlowField, flowMagnitude, psnr, resizeFlow, unwarp } from '@unwarp/flow';
import sharp from 'sharp';
import { DEFAULT_MAX_PIXELS, detectFaces, displacementStats, inspect, MIN_SIDE, regionStats } from './analyze.ts';
import { type ComparisonReport, ComparisonReportSchema, REPORT_VERSION } from './report.ts';

export type CompareOptions = {
  /** Face detector for per-region statistics; without one the report has no faces. */
  faces?: FaceDetector;
  editedName?: string;
  originalName?: string;
  maxPixels?: number;
  /** The field is estimated on copies of at most this many pixels, then resized to the photo. Default 2 MP. */
  estimatePixels?: number;
};

export type Comparison = {
  /** The edited photo, upright. */
  image: RgbImage;
  /** W on the edited photo's grid: edited(p) = original(p + W(p)), measured. */
  flow: FlowField;
  /** The edited photo with W undone: what the warp alone changed, put back. */
  recovered: RgbImage;
  report: ComparisonReport;
};

/** A comparison that cannot be made: different framing, or an image that is not a photo. */
export class ComparisonError extends Error {
  readonly retry = false;
  constructor(
    readonly code: 'framing' | 'too-small',
    message: string,
  ) {
    super(message);
    this.name = 'ComparisonError';
  }
}

const DEFAULT_ESTIMATE_PIXELS = 2_000_000;
/** Aspect ratios closer than this are the same framing saved at another size; the original is resized to match. */
const ASPECT_TOLERANCE = 0.01;
/** |W| above which a pixel counts as moved, px (the heatmap's lower end). */
const MOVED_PX = 0.5;
/** RMS of the normalised luma left after removing W above which the photos differ by more than a warp. */
const RESIDUAL_WARNING = 0.08;
/** PSNR of identical images is infinite; JSON has no infinity. */
const PSNR_CAP = 99;

export const COMPARISON_HOW_TO_READ =
  'W is measured, not predicted: it is the field that best maps the original onto the edited photo. Where the ' +
  'heatmap is coloured, pixels were moved by that many pixels (a liquify or warp tool, or a lens/perspective ' +
  'correction); recovered.png is the edited photo with the warp undone. Changes that are not movement (colour, ' +
  'painted-out blemishes, added content) are not a warp and show in the residual instead.';

/**
 * "What did the liquify tool move?", answered from the original: when a journalist has the edited photo and the
 * photo it was made from (the photographer's file, an earlier post), the warp field is measured between the two
 * instead of predicted from one. Both must show the same framing; a copy saved at another size is resized to match.
 */
export async function compareWithOriginal(
  edited: Buffer,
  original: Buffer,
  opts: CompareOptions = {},
): Promise<Comparison> {
  const start = performance.now();
  const timings: Record<string, number> = {};
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const [metaE, metaO] = await Promise.all([inspect(edited, maxPixels), inspect(original, maxPixels)]);
  const [image, reference0] = await Promise.all([
    loadUpright(edited, { maxPixels }),
    loadUpright(original, { maxPixels }),
  ]);
  for (const [img, which] of [
    [image, 'edited photo'],
    [reference0, 'original'],
  ] as const)
    if (img.width < MIN_SIDE || img.height < MIN_SIDE)
      throw new ComparisonError(
        'too-small',
        `the ${which} is ${img.width} x ${img.height} px: too small to compare (at least ${MIN_SIDE} px a side)`,
      );
  const warnings: string[] = [];
  let reference: RgbImage = reference0;
  if (reference0.width !== image.width || reference0.height !== image.height) {
    const ratio = image.width / image.height / (reference0.width / reference0.height);
    if (Math.abs(ratio - 1) > ASPECT_TOLERANCE)
      throw new ComparisonError(
        'framing',
        `the photos are framed differently (${image.width} x ${image.height} against ${reference0.width} x ${reference0.height}): ` +
          'compare the edited photo with an original of the same framing (crop the original to match first)',
      );
    reference = await resizeTo(reference0, image.width, image.height);
    warnings.push(
      `the original (${reference0.width} x ${reference0.height}) was resized to the edited photo's ${image.width} x ${image.height} before comparing`,
    );
  }
  timings.decode = Math.round(performance.now() - start);

  // Estimate on a copy of bounded size: the field is smooth, so resolution beyond ~2 MP buys nothing but time.
  let t = performance.now();
  const budget = opts.estimatePixels ?? DEFAULT_ESTIMATE_PIXELS;
  const scale = Math.min(1, Math.sqrt(budget / (image.width * image.height)));
  const w = Math.max(MIN_SIDE, Math.round(image.width * scale));
  const h = Math.max(MIN_SIDE, Math.round(image.height * scale));
  const [e, o] = scale < 1 ? await Promise.all([resizeTo(image, w, h), resizeTo(reference, w, h)]) : [image, reference];
  const estimate = estimateFlow(e, o);
  const flow = scale < 1 ? resizeFlow(estimate.flow, image.width, image.height) : estimate.flow;
  timings.estimate = Math.round(performance.now() - t);

  t = performance.now();
  const recovered = unwarp(image, flow, { interpolation: 'bicubic' }).image as RgbImage;
  timings.recover = Math.round(performance.now() - t);

  t = performance.now();
  const faces = opts.faces
    ? await detectFaces(opts.faces, image, Math.min(1, 1600 / Math.max(image.width, image.height)))
    : [];
  timings.faces = Math.round(performance.now() - t);

  const mag = flowMagnitude(flow);
  let moved = 0;
  for (const m of mag) if (m > MOVED_PX) moved++;
  const displacement = displacementStats(flow);
  if (displacement.max < MOVED_PX)
    warnings.push('no warp was found: the two photos line up to within half a pixel everywhere');
  if (estimate.residual.after > RESIDUAL_WARNING)
    warnings.push(
      'with the warp removed the photos still differ noticeably: retouching beyond a warp (colour, painted-out blemishes, added or removed content) or a different shot',
    );
  timings.total = Math.round(performance.now() - start);

  const describe = (bytes: Buffer, img: RgbImage, format: string | undefined, file?: string) => ({
    ...(file ? { file } : {}),
    width: img.width,
    height: img.height,
    format: format ?? 'unknown',
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  });
  const report: ComparisonReport = {
    version: REPORT_VERSION,
    kind: 'comparison',
    edited: describe(edited, image, metaE.format, opts.editedName),
    original: describe(original, reference0, metaO.format, opts.originalName),
    displacement,
    movedShare: round(moved / mag.length, 4),
    residual: { before: round(estimate.residual.before, 4), after: round(estimate.residual.after, 4) },
    psnr: {
      editedVsOriginal: round(Math.min(PSNR_CAP, psnr(image, reference)), 2),
      recoveredVsOriginal: round(Math.min(PSNR_CAP, psnr(recovered, reference)), 2),
    },
    faces: faces.map((face, index) => ({
      index,
      box: {
        x: Math.round(face.box.x),
        y: Math.round(face.box.y),
        width: Math.round(face.box.width),
        height: Math.round(face.box.height),
      },
      regions: regionStats(flow, face),
    })),
    estimation: {
      method: 'coarse-to-fine variational flow (Horn-Schunck, Charbonnier data term), on luma normalised per photo',
      scale: round(scale, 4),
    },
    howToRead: COMPARISON_HOW_TO_READ,
    warnings,
    timings,
    createdAt: new Date().toISOString(),
  };
  return { image, flow, recovered, report: ComparisonReportSchema.parse(report) };
}

async function resizeTo(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, {
    raw: { width: img.width, height: img.height, channels: 3 },
    limitInputPixels: false,
  })
    .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new ImageDecodeError('unsupported', 'resize did not give RGB');
  return { width, height, channels: 3, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const round = (v: number, d: number) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);
