import { decodeRgb, fitMap } from './_internal/decode.ts';
import { readContentCredentials } from './c2pa.ts';
import { errorLevelAnalysis } from './ela.ts';
import { doubleCompressionHint, estimateJpegQuality } from './jpeg.ts';
import { readMetadata } from './metadata.ts';
import { noiseResidual } from './noise.ts';
import type { AidsOptions, AidsReport, RGBImage } from './types.ts';

export const JPEG_HOW_TO_READ =
  'The quality is estimated from the quantisation tables in the file header: it tells how hard the last save ' +
  'compressed the picture, not who saved it. Non-standard tables usually mean a camera or Photoshop wrote the file. ' +
  'The double-compression hint says whether the picture looks saved as JPEG at least twice; re-saving is routine ' +
  '(every upload does it), so it is a hint, not a verdict.';

export const METADATA_HOW_TO_READ =
  'What the file says about itself: camera, capture time, editing software, location. These fields are easy to ' +
  'edit or strip, and most sites remove them on upload, so what is present is a lead to check and what is missing ' +
  'proves nothing.';

export const C2PA_HOW_TO_READ =
  'Content Credentials are a signed edit history some cameras and editors attach. A valid signature shows the file is ' +
  'unchanged since the signer wrote it, not that the content is true; most photos carry none, which proves nothing.';

/**
 * Every classic aid on one photo: metadata, Content Credentials, ELA, noise residual and JPEG history. The report is
 * plain JSON; the two maps are RGB images at most 2048 px on the longer side (analysis runs at up to 4096 px).
 * Throws UndecodableImageError only when sharp cannot decode the bytes.
 */
export async function runAids(
  bytes: Uint8Array,
  opts: AidsOptions = {},
): Promise<{ report: AidsReport; images: { ela: RGBImage; noise: RGBImage } }> {
  // Decode first: undecodable bytes fail here with the typed error, before any other work.
  const { image } = await decodeRgb(bytes);
  // Sequential on purpose: these are CPU-bound and the service may run beside training on few cores.
  const metadata = await readMetadata(bytes);
  const contentCredentials = await readContentCredentials(bytes);
  const ela = await errorLevelAnalysis(image, opts.ela);
  const noise = await noiseResidual(image, opts.noise);
  const jpegQuality = estimateJpegQuality(bytes);
  const dq = await doubleCompressionHint(bytes);
  const [elaMap, noiseMap] = [await fitMap(ela.image), await fitMap(noise.image)];
  const report: AidsReport = {
    metadata: { ...metadata, howToRead: METADATA_HOW_TO_READ },
    contentCredentials: { ...contentCredentials, howToRead: C2PA_HOW_TO_READ },
    ela: {
      meanError: ela.meanError,
      maxError: ela.maxError,
      quality: ela.quality,
      scale: ela.scale,
      legend: ela.legend,
      howToRead: ela.howToRead,
    },
    noise: {
      meanResidual: noise.meanResidual,
      blockStd: noise.blockStd,
      outlierBlockFraction: noise.outlierBlockFraction,
      scale: noise.scale,
      legend: noise.legend,
      howToRead: noise.howToRead,
    },
    jpeg: {
      quality: jpegQuality.quality,
      standardTables: jpegQuality.standardTables,
      subsampling: jpegQuality.subsampling ?? null,
      doubleCompressionHint: dq,
      howToRead: JPEG_HOW_TO_READ,
    },
    analysis: { width: image.width, height: image.height, mapWidth: elaMap.width, mapHeight: elaMap.height },
  };
  return { report, images: { ela: elaMap, noise: noiseMap } };
}
