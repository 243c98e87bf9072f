import * as exifrModule from 'exifr';
import sharp, { type Metadata } from 'sharp';
import { readXmp, type XmpFacts } from './_internal/xmp.ts';
import { editorsIn } from './editors.ts';
import { UndecodableImageError } from './errors.ts';
import type { MetadataReport } from './types.ts';

type Exifr = Pick<typeof exifrModule, 'parse' | 'thumbnail'>;
// Node loads exifr's CJS build (everything under `default`); bundlers pick its ESM build (named exports).
const exifr: Exifr = (exifrModule as unknown as { default?: Exifr }).default ?? exifrModule;

type Tags = Record<string, unknown>;
type ExifBlocks = { ifd0?: Tags; exif?: Tags; gps?: Tags; ifd1?: Tags; iptc?: Tags };

const EXIFR_OPTIONS = {
  tiff: true,
  ifd1: true,
  exif: true,
  gps: true,
  interop: false,
  iptc: true,
  xmp: false, // read from sharp's XMP buffer below, for every container
  icc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  translateValues: false, // keep numbers (Orientation 6, not 'Rotate 90 CW')
  reviveValues: false, // keep EXIF date strings: reviving would silently apply the server's time zone
  mergeOutput: false,
};

/** Mean absolute difference (0-255, RGB at 64x64) above which the EXIF thumbnail is called a different picture. */
const THUMBNAIL_MAX_DIFFERENCE = 12;
/** Relative aspect-ratio difference above which the thumbnail is called a different crop. */
const THUMBNAIL_MAX_ASPECT_DIFF = 0.05;

/**
 * Camera, time, software, GPS, XMP and IPTC facts plus an embedded-thumbnail comparison. Never throws for a decodable
 * image without metadata (the report is simply empty); throws UndecodableImageError when sharp cannot read the bytes.
 */
export async function readMetadata(bytes: Uint8Array): Promise<MetadataReport> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { failOn: 'none' }).metadata();
  } catch (err) {
    throw new UndecodableImageError(`sharp cannot read this image: ${(err as Error).message}`, { cause: err });
  }
  const warnings: string[] = [];
  const blocks = await parseExif(bytes, meta);
  const ifd0 = blocks.ifd0 ?? {};
  const exif = blocks.exif ?? {};
  const hasExif = Object.keys(ifd0).length + Object.keys(exif).length > 0;

  const xmp = meta.xmp ? readXmp(meta.xmp.toString('utf8')) : null;

  const software = str(ifd0.Software);
  const processing = str(ifd0.ProcessingSoftware);
  const editorHints = new Set<string>();
  for (const e of editorsIn(software)) {
    editorHints.add(e);
    warnings.push(`The Software tag names ${e}: the file was saved by an editor.`);
  }
  for (const e of editorsIn(processing)) editorHints.add(e);
  for (const e of editorsIn(xmp?.creatorTool)) {
    if (!editorHints.has(e))
      warnings.push(`The XMP CreatorTool names ${e}: the file was made or saved with an editor.`);
    editorHints.add(e);
  }
  const historyEditors = new Set((xmp?.history ?? []).flatMap((h) => editorsIn(h.softwareAgent)));
  if (xmp && xmp.history.length > 0) {
    const names = [...historyEditors];
    warnings.push(
      `The XMP edit history lists ${xmp.history.length} step${xmp.history.length === 1 ? '' : 's'}` +
        (names.length > 0 ? ` by ${names.join(', ')}.` : '.'),
    );
  }
  for (const e of historyEditors) editorHints.add(e);

  const original = str(exif.DateTimeOriginal);
  const offset = str(exif.OffsetTimeOriginal) ?? str(exif.OffsetTime);
  const modified = str(ifd0.ModifyDate);
  const iso = exifDateToIso(original, offset);
  const modifiedIso = exifDateToIso(modified, str(exif.OffsetTime) ?? offset);
  if (iso && modifiedIso && Date.parse(modifiedIso) - Date.parse(iso) > 60_000) {
    warnings.push(`The file was modified (${modified}) after it was taken (${original}).`);
  }

  const gps = readGps(blocks.gps);
  if (gps) warnings.push('The file carries GPS coordinates. Treat them as a claim: they are easy to edit.');

  const actual = { width: meta.width ?? 0, height: meta.height ?? 0 };
  const ew = num(exif.ExifImageWidth);
  const eh = num(exif.ExifImageHeight);
  const exifDims = ew && eh ? { width: ew, height: eh } : null;
  // Some writers store the upright size: a swapped pair is not a mismatch.
  const dimsMismatch =
    exifDims !== null &&
    !(exifDims.width === actual.width && exifDims.height === actual.height) &&
    !(exifDims.width === actual.height && exifDims.height === actual.width);
  if (exifDims && dimsMismatch) {
    warnings.push(
      `EXIF says the picture was ${exifDims.width}x${exifDims.height} but it is ${actual.width}x${actual.height}: it was resized or cropped after the EXIF was written.`,
    );
  }

  const thumbnail = await compareThumbnail(bytes, blocks, meta);
  if (thumbnail.present && thumbnail.mismatch) {
    warnings.push(
      thumbnail.aspectThumbnail !== null &&
        thumbnail.aspectImage !== null &&
        relDiff(thumbnail.aspectThumbnail, thumbnail.aspectImage) > THUMBNAIL_MAX_ASPECT_DIFF
        ? 'The embedded EXIF thumbnail has a different shape from the picture: it was cropped after the thumbnail was written.'
        : 'The embedded EXIF thumbnail does not match the picture: the picture was changed after the thumbnail was written, or the thumbnail comes from another picture.',
    );
  }

  const iptcBlock = blocks.iptc ?? {};
  const iptc = readIptc(iptcBlock, xmp);
  if (!hasExif && !xmp) {
    warnings.push('No EXIF or XMP metadata. Many platforms strip it on upload, so its absence proves nothing.');
  }
  const orientation = num(ifd0.Orientation) ?? meta.orientation ?? null;
  return {
    format: meta.format ?? null,
    camera: { make: str(ifd0.Make), model: str(ifd0.Model), lens: str(exif.LensModel) ?? str(exif.LensMake) },
    captureTime: { original, offset, iso, modified },
    software,
    editorHints: [...editorHints],
    gps,
    dimensions: { exif: exifDims, actual, mismatch: dimsMismatch },
    orientation,
    xmp: xmp ? { creatorTool: xmp.creatorTool, history: xmp.history } : null,
    iptc,
    thumbnail,
    warnings,
  };
}

async function parseExif(bytes: Uint8Array, meta: Metadata): Promise<ExifBlocks> {
  try {
    const out = (await exifr.parse(bytes, EXIFR_OPTIONS)) as ExifBlocks | undefined;
    if (out) return out;
  } catch {
    // exifr knows JPEG, TIFF, HEIF, PNG; other containers (WebP) fall through to sharp's raw EXIF block.
  }
  if (!meta.exif || meta.exif.length < 8) return {};
  const raw = new Uint8Array(meta.exif.buffer, meta.exif.byteOffset, meta.exif.length);
  const tiff = raw[0] === 0x45 && raw[1] === 0x78 ? raw.subarray(6) : raw; // drop 'Exif\0\0'
  try {
    return ((await exifr.parse(tiff, EXIFR_OPTIONS)) as ExifBlocks | undefined) ?? {};
  } catch {
    return {};
  }
}

function str(v: unknown): string | null {
  if (typeof v === 'string') {
    const s = v.replace(/\0+$/, '').trim();
    return s === '' ? null : s;
  }
  if (Array.isArray(v)) return v.map(str).filter(Boolean).join('; ') || null;
  return null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** 'YYYY:MM:DD HH:MM:SS' (+ '+02:00') -> ISO 8601; without an offset the ISO string is local camera time. */
function exifDateToIso(date: string | null, offset: string | null): string | null {
  const m = date ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(date) : null;
  if (!m || m[1] === '0000') return null;
  const base = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  return offset && /^[+-]\d{2}:\d{2}$/.test(offset) ? `${base}${offset}` : base;
}

function readGps(gps: Tags | undefined): MetadataReport['gps'] {
  if (!gps) return null;
  const toDeg = (v: unknown): number | null => {
    if (typeof v === 'number') return v;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number')) return null;
    const [d = 0, m = 0, s = 0] = v as number[];
    return d + m / 60 + s / 3600;
  };
  const lat = toDeg(gps.GPSLatitude);
  const lon = toDeg(gps.GPSLongitude);
  if (lat === null || lon === null || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  const latitude = str(gps.GPSLatitudeRef)?.toUpperCase() === 'S' ? -lat : lat;
  const longitude = str(gps.GPSLongitudeRef)?.toUpperCase() === 'W' ? -lon : lon;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  return { latitude: round(latitude, 7), longitude: round(longitude, 7) };
}

function readIptc(iptc: Tags, xmp: XmpFacts | null): MetadataReport['iptc'] {
  const byline = str(iptc.Byline) ?? xmp?.creator ?? null;
  const credit = str(iptc.Credit) ?? xmp?.credit ?? null;
  const copyright = str(iptc.CopyrightNotice) ?? xmp?.rights ?? null;
  return byline || credit || copyright ? { byline, credit, copyright } : null;
}

async function compareThumbnail(
  bytes: Uint8Array,
  blocks: ExifBlocks,
  meta: Metadata,
): Promise<MetadataReport['thumbnail']> {
  const absent = { present: false, mismatch: false, difference: null, aspectThumbnail: null, aspectImage: null };
  if (!blocks.ifd1 || (blocks.ifd1.ThumbnailOffset === undefined && blocks.ifd1.JPEGInterchangeFormat === undefined)) {
    return absent;
  }
  let thumb: Uint8Array | undefined;
  try {
    thumb = (await exifr.thumbnail(bytes)) ?? undefined;
  } catch {
    thumb = undefined;
  }
  if (!thumb || thumb.length === 0) return absent;
  try {
    const tmeta = await sharp(thumb).metadata();
    const aspectThumbnail = round((tmeta.width ?? 1) / (tmeta.height ?? 1), 4);
    const aspectImage = round((meta.width ?? 1) / (meta.height ?? 1), 4);
    // Neither is rotated: the thumbnail is stored in the same orientation as the main pixels.
    const [a, b] = await Promise.all([tiny(thumb), tiny(bytes)]);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs((a[i] as number) - (b[i] as number));
    const difference = round(diff / a.length, 2);
    const mismatch =
      difference > THUMBNAIL_MAX_DIFFERENCE || relDiff(aspectThumbnail, aspectImage) > THUMBNAIL_MAX_ASPECT_DIFF;
    return { present: true, mismatch, difference, aspectThumbnail, aspectImage };
  } catch {
    // A thumbnail sharp cannot decode is reported as present but not compared.
    return { present: true, mismatch: false, difference: null, aspectThumbnail: null, aspectImage: null };
  }
}

async function tiny(input: Uint8Array): Promise<Buffer> {
  return sharp(input, { failOn: 'none' })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(64, 64, { fit: 'fill' })
    .removeAlpha()
    .raw()
    .toBuffer();
}

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(a, b);
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
