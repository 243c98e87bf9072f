// Builders for test inputs with known properties. Used by the tests only; never exported from the package.
import type { DoubleJpegMap } from '../dq-map.ts';
import { jpegSegments } from './jpeg-segments.ts';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Inserts a marker segment (APPn etc.) right after SOI and any APP0 (JFIF) segment. */
export function insertJpegSegment(jpeg: Uint8Array, marker: number, payload: Uint8Array): Uint8Array {
  if (payload.length + 2 > 0xffff) throw new RangeError('segment payload too large');
  const app0 = jpegSegments(jpeg).find((s) => s.marker === 0xe0);
  const at = app0 ? app0.offset + 4 + app0.data.length : 2;
  const head = new Uint8Array([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  return concat([jpeg.subarray(0, at), head, payload, jpeg.subarray(at)]);
}

/** A JPEG with an EXIF APP1 holding IFD0 Make and an IFD1 thumbnail (`thumbJpeg`), little-endian TIFF. */
export function withExifThumbnail(jpeg: Uint8Array, thumbJpeg: Uint8Array, make = 'UnwarpCam'): Uint8Array {
  const makeBytes = new TextEncoder().encode(`${make}\0`);
  const ifd0 = 8;
  const makeAt = ifd0 + 2 + 12 + 4;
  const ifd1 = makeAt + makeBytes.length + (makeBytes.length & 1);
  const thumbAt = ifd1 + 2 + 3 * 12 + 4;
  const tiff = new Uint8Array(thumbAt + thumbJpeg.length);
  const v = new DataView(tiff.buffer);
  tiff.set([0x49, 0x49], 0);
  v.setUint16(2, 42, true);
  v.setUint32(4, ifd0, true);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    v.setUint16(at, tag, true);
    v.setUint16(at + 2, type, true);
    v.setUint32(at + 4, count, true);
    if (type === 3) v.setUint16(at + 8, value, true);
    else v.setUint32(at + 8, value, true);
  };
  v.setUint16(ifd0, 1, true);
  entry(ifd0 + 2, 0x010f, 2, makeBytes.length, makeAt);
  v.setUint32(ifd0 + 14, ifd1, true);
  tiff.set(makeBytes, makeAt);
  v.setUint16(ifd1, 3, true);
  entry(ifd1 + 2, 0x0103, 3, 1, 6);
  entry(ifd1 + 14, 0x0201, 4, 1, thumbAt);
  entry(ifd1 + 26, 0x0202, 4, 1, thumbJpeg.length);
  v.setUint32(ifd1 + 38, 0, true);
  tiff.set(thumbJpeg, thumbAt);
  return insertJpegSegment(jpeg, 0xe1, concat([new TextEncoder().encode('Exif\0\0'), tiff]));
}

/** A JPEG with an IPTC-IIM block (APP13 Photoshop 3.0 / 8BIM 0x0404) holding By-line (2:80) and Credit (2:110). */
export function withIptc(jpeg: Uint8Array, byline: string, credit: string): Uint8Array {
  const enc = new TextEncoder();
  const ds = (n: number, s: string) => {
    const b = enc.encode(s);
    return concat([new Uint8Array([0x1c, 2, n, b.length >> 8, b.length & 0xff]), b]);
  };
  const iim = concat([new Uint8Array([0x1c, 2, 0, 0, 2, 0, 4]), ds(80, byline), ds(110, credit)]);
  const padded = iim.length & 1 ? concat([iim, new Uint8Array(1)]) : iim;
  const res = new Uint8Array(12 + padded.length);
  res.set(enc.encode('8BIM'), 0);
  new DataView(res.buffer).setUint16(4, 0x0404);
  // empty Pascal name (2 bytes, padded to even), then 4-byte size
  new DataView(res.buffer).setUint32(8, iim.length);
  res.set(padded, 12);
  return insertJpegSegment(jpeg, 0xed, concat([enc.encode('Photoshop 3.0\0'), res]));
}

/** Minimal JUMBF superbox labelled like a C2PA manifest store, wrapped as a JPEG APP11 payload (ISO 19566-5). */
export function c2paApp11Payload(label = 'c2pa'): Uint8Array {
  const enc = new TextEncoder();
  const labelBytes = enc.encode(`${label}\0`);
  // jumd: 16-byte type UUID ('c2pa' + ISO suffix), toggles 0x03 (requestable + label), label
  const jumdBody = concat([
    // type UUID: the 4-char label then the ISO suffix ('c2pa' + 0011-0010-8000-00AA00389B71 for a manifest store)
    enc.encode(label.padEnd(4, ' ').slice(0, 4)),
    new Uint8Array([0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]),
    new Uint8Array([0x03]),
    labelBytes,
  ]);
  const box = (type: string, body: Uint8Array) => {
    const b = new Uint8Array(8 + body.length);
    new DataView(b.buffer).setUint32(0, b.length);
    b.set(enc.encode(type), 4);
    b.set(body, 8);
    return b;
  };
  const jumb = box('jumb', box('jumd', jumdBody));
  // 'JP', instance 1, sequence 1, then the box
  return concat([new Uint8Array([0x4a, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01]), jumb]);
}

/**
 * Raw pixels of a real photo (HELEN validation images, read in place) resampled to `width`, which erases the
 * source's own JPEG grid; a synthetic textured image when the data set is not on this machine.
 */
export async function photoPng(index = 0, width = 480): Promise<Uint8Array> {
  const { existsSync, readdirSync } = await import('node:fs');
  const { default: sharp } = await import('sharp');
  const dir = '/work/shared/data/val/helen';
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.jpg'))
        .sort()
    : [];
  const file = files[index % Math.max(1, files.length)];
  const src = file
    ? sharp(`${dir}/${file}`)
    : sharp({
        create: {
          width: 800,
          height: 600,
          channels: 3,
          background: { r: 90 + 40 * index, g: 120, b: 150 },
          noise: { type: 'gaussian', mean: 128, sigma: 40 },
        },
      }).blur(1.2);
  return new Uint8Array(await src.resize({ width }).png().toBuffer());
}

/** A fresh temp directory for generated test files, removed by the returned cleanup. */
export async function tempDir(): Promise<{
  dir: string;
  write: (name: string, b: Uint8Array) => Promise<Uint8Array>;
  cleanup: () => Promise<void>;
}> {
  const { mkdtemp, rm, writeFile, readFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'unwarp-aids-'));
  return {
    dir,
    // Written to disk and read back, so each test reads a real file with known properties.
    write: async (name, b) => {
      await writeFile(join(dir, name), b);
      return new Uint8Array(await readFile(join(dir, name)));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * Signs `jpeg` with a real C2PA manifest (c2pa-rs WASM builder) using a throw-away CA and leaf certificate made with
 * the openssl CLI in `dir`. Returns null when openssl is missing. The WASM signer wants a finished COSE_Sign1
 * ("direct COSE handling"), so a minimal CBOR encoder builds it here: protected {alg: ES256, x5chain}, padded to
 * the reserved size.
 */
export async function signC2paTestJpeg(jpeg: Uint8Array, dir: string): Promise<Uint8Array | null> {
  const { execFileSync } = await import('node:child_process');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { X509Certificate, createPrivateKey, sign } = await import('node:crypto');
  const { createRequire } = await import('node:module');
  const p = (f: string) => join(dir, f);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    const quiet = { stdio: 'ignore' as const };
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        p('ca.key'),
        '-out',
        p('ca.pem'),
        '-days',
        '30',
        '-subj',
        '/CN=Unwarp Test Root/O=Unwarp Tests',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
      ],
      quiet,
    );
    execFileSync(
      'openssl',
      [
        'req',
        '-new',
        ...ec,
        '-keyout',
        p('leaf.key'),
        '-out',
        p('leaf.csr'),
        '-subj',
        '/CN=Unwarp Test Signer/O=Unwarp Tests',
      ],
      quiet,
    );
    writeFileSync(
      p('ext.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
        'extendedKeyUsage=emailProtection\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    execFileSync(
      'openssl',
      [
        'x509',
        '-req',
        '-in',
        p('leaf.csr'),
        '-CA',
        p('ca.pem'),
        '-CAkey',
        p('ca.key'),
        '-CAcreateserial',
        '-days',
        '30',
        '-out',
        p('leaf.pem'),
        '-extfile',
        p('ext.cnf'),
      ],
      quiet,
    );
  } catch {
    return null;
  }
  const leaf = new Uint8Array(new X509Certificate(readFileSync(p('leaf.pem'))).raw);
  const ca = new Uint8Array(new X509Certificate(readFileSync(p('ca.pem'))).raw);
  const key = createPrivateKey(readFileSync(p('leaf.key')));

  const head = (mt: number, n: number) =>
    n < 24
      ? Uint8Array.of((mt << 5) | n)
      : n < 256
        ? Uint8Array.of((mt << 5) | 24, n)
        : n < 65536
          ? Uint8Array.of((mt << 5) | 25, n >> 8, n & 255)
          : Uint8Array.of((mt << 5) | 26, (n >>> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255);
  const int = (v: number) => (v >= 0 ? head(0, v) : head(1, -1 - v));
  const bstr = (b: Uint8Array) => concat([head(2, b.length), b]);
  const tstr = (s: string) => bstr(new TextEncoder().encode(s)).map((x, i) => (i === 0 ? x + 0x20 : x));
  const arr = (...xs: Uint8Array[]) => concat([head(4, xs.length), ...xs]);
  const map = (...kv: Uint8Array[]) => concat([head(5, kv.length / 2), ...kv]);
  const reserveSize = 20000;
  const signer = {
    alg: 'es256',
    reserveSize,
    sign: async (payload: Uint8Array) => {
      const prot = map(int(1), int(-7), int(33), arr(bstr(leaf), bstr(ca)));
      const tbs = arr(tstr('Signature1'), bstr(prot), bstr(new Uint8Array(0)), bstr(payload));
      const sig = new Uint8Array(sign('sha256', tbs, { key, dsaEncoding: 'ieee-p1363' }));
      const cose = (pad: number) =>
        concat([
          Uint8Array.of(0xd2),
          arr(bstr(prot), map(tstr('pad'), bstr(new Uint8Array(pad))), Uint8Array.of(0xf6), bstr(sig)),
        ]);
      let pad = reserveSize - cose(0).length;
      while (cose(pad).length > reserveSize) pad--;
      return cose(pad);
    },
  };

  const mod = await import('@contentauth/c2pa-wasm');
  const wasmPath = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
  mod.initSync({ module: readFileSync(wasmPath) });
  // The builder reads its source through the browser-only FileReaderSync; Node gets a stand-in backed by the bytes.
  const backing = new WeakMap<Blob, Uint8Array>();
  class BytesBlob extends Blob {
    constructor(bytes: Uint8Array, type: string) {
      super([bytes], { type });
      backing.set(this, bytes);
    }
    override slice(start?: number, end?: number, type?: string): Blob {
      return new BytesBlob((backing.get(this) as Uint8Array).slice(start, end), type ?? '');
    }
  }
  const g = globalThis as { FileReaderSync?: unknown };
  const had = 'FileReaderSync' in g;
  g.FileReaderSync ??= class {
    readAsArrayBuffer(b: Blob): ArrayBuffer {
      const u = backing.get(b) as Uint8Array;
      return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
    }
  };
  try {
    const builder = mod.WasmBuilder.fromJson(
      JSON.stringify({
        claim_generator_info: [{ name: 'unwarp-aids-test', version: '0.1' }],
        title: 'signed.jpg',
        assertions: [
          {
            label: 'c2pa.actions',
            data: {
              actions: [
                {
                  action: 'c2pa.created',
                  digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture',
                },
                { action: 'c2pa.edited' },
              ],
            },
          },
        ],
      }),
      JSON.stringify({
        verify: { verify_after_sign: false, verify_trust: false, ocsp_fetch: false, remote_manifest_fetch: false },
      }),
    );
    const out = await builder.sign(signer as never, [], 'image/jpeg', new BytesBlob(jpeg, 'image/jpeg'));
    builder.free();
    return new Uint8Array(out);
  } finally {
    if (!had) delete g.FileReaderSync;
  }
}

/**
 * A copy of the RGB image with the box resampled half a pixel right and down (bilinear), as a warp does: an earlier
 * JPEG save's lattice is gone there.
 */
export function resampleBox<T extends { width: number; height: number; data: Uint8Array }>(
  img: T,
  x0: number,
  y0: number,
  size: number,
): T {
  const out = new Uint8Array(img.data);
  const at = (x: number, y: number, c: number) => img.data[(y * img.width + x) * 3 + c] as number;
  for (let y = y0; y < y0 + size; y++)
    for (let x = x0; x < x0 + size; x++)
      for (let c = 0; c < 3; c++)
        out[(y * img.width + x) * 3 + c] = Math.round(
          (at(x, y, c) + at(x + 1, y, c) + at(x, y + 1, c) + at(x + 1, y + 1, c)) / 4,
        );
  return { ...img, data: out };
}

/** An RGB image, 3 bytes a pixel. */
export type Rgb = { width: number; height: number; data: Uint8Array };

/** Decoded to RGB (alpha dropped). */
export async function decode(bytes: Buffer | Uint8Array): Promise<Rgb> {
  const { default: sharp } = await import('sharp');
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Mean block LLR of a double-JPEG map inside and outside a pixel box (blocks by their centres). */
export function meanLlr(map: DoubleJpegMap, box: { x0: number; y0: number; x1: number; y1: number }) {
  const sums = { inside: 0, nIn: 0, outside: 0, nOut: 0 };
  for (let r = 0; r < map.rows; r++)
    for (let c = 0; c < map.cols; c++) {
      const [x, y] = [map.offsetX + 8 * c + 4, map.offsetY + 8 * r + 4];
      const v = map.llr[r * map.cols + c] as number;
      if (x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1) {
        sums.inside += v;
        sums.nIn++;
      } else {
        sums.outside += v;
        sums.nOut++;
      }
    }
  return { inside: sums.inside / sums.nIn, outside: sums.outside / sums.nOut };
}
