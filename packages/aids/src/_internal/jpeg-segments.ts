/** One marker segment of a JPEG header: `marker` is the second byte (0xdb = DQT), `data` excludes the length field. */
export type JpegSegment = { marker: number; offset: number; data: Uint8Array };

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Header segments up to and including the first SOS; stops quietly at anything malformed. */
export function jpegSegments(bytes: Uint8Array): JpegSegment[] {
  const out: JpegSegment[] = [];
  if (!isJpeg(bytes)) return out;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) break;
    const marker = bytes[p + 1] as number;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    if (marker === 0xd9) break;
    const len = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (len < 2 || p + 2 + len > bytes.length) break;
    out.push({ marker, offset: p, data: bytes.subarray(p + 4, p + 2 + len) });
    if (marker === 0xda) break;
    p += 2 + len;
  }
  return out;
}
