import sharp from 'sharp';
import { assertRgb, decodeRgb, rawInput } from './_internal/decode.ts';
import type { ElaOptions, ElaResult, LegendScale, RGBImage } from './types.ts';

export const ELA_HOW_TO_READ =
  'Brighter means re-saving as JPEG changed those pixels more. Similar surfaces (skin, sky, walls) should glow about ' +
  'equally; a patch that is much brighter or darker than its surroundings was saved a different number of times or ' +
  'at a different quality. Edges and fine texture are always brighter. An aid, not a verdict.';

function legend(scale: number): LegendScale {
  const top = Math.ceil(255 / scale);
  return {
    zero: 'Black: re-saving changed nothing here.',
    max: `White: re-saving changed this pixel by ${top} or more levels (out of 255).`,
  };
}

/**
 * Error level analysis: re-save at a known JPEG quality with sharp and map |original - re-saved| per channel,
 * multiplied by `scale` and clipped to 255. Runs at the decoded size (up to 4096 px on the longer side; larger
 * photos are downscaled first, which weakens ELA). Throws UndecodableImageError for bytes sharp cannot read.
 */
export async function errorLevelAnalysis(input: Uint8Array | RGBImage, opts: ElaOptions = {}): Promise<ElaResult> {
  const quality = Math.round(opts.quality ?? 90);
  const scale = opts.scale ?? 20;
  if (!(quality >= 1 && quality <= 100)) throw new RangeError('errorLevelAnalysis: quality must be within 1..100');
  if (!(scale > 0)) throw new RangeError('errorLevelAnalysis: scale must be positive');
  let img: RGBImage;
  if (input instanceof Uint8Array) {
    img = (await decodeRgb(input)).image;
  } else {
    assertRgb(input, 'errorLevelAnalysis');
    img = input;
  }
  // Fixed encoder settings so the same input always gives the same map: baseline, 4:2:0, no mozjpeg tricks.
  const resaved = await sharp(img.data, rawInput(img))
    .jpeg({ quality, chromaSubsampling: '4:2:0', mozjpeg: false, optimiseCoding: false })
    .toBuffer();
  const back = await sharp(resaved).raw().toBuffer();
  const n = img.data.length;
  const out = new Uint8Array(n);
  let total = 0;
  let maxError = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs((img.data[i] as number) - (back[i] as number));
    total += d;
    if (d > maxError) maxError = d;
    out[i] = Math.min(255, Math.round(d * scale));
  }
  return {
    image: { width: img.width, height: img.height, channels: 3, data: out },
    meanError: Math.round((total / n) * 1000) / 1000,
    maxError,
    quality,
    scale,
    analysedSize: { width: img.width, height: img.height },
    legend: legend(scale),
    howToRead: ELA_HOW_TO_READ,
  };
}
