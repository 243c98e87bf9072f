import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { isJpeg, jpegSegments } from './_internal/jpeg-segments.ts';
import type { C2paReport } from './types.ts';

type C2paWasm = typeof import('@contentauth/c2pa-wasm');

/**
 * Reader settings: nothing may leave the machine. Remote manifests and OCSP are never fetched, and no trust list is
 * shipped, so trust is not checked (the report says so) while signature and hash checks still run.
 */
const READER_CONTEXT = JSON.stringify({
  verify: { verify_trust: false, verify_timestamp_trust: false, ocsp_fetch: false, remote_manifest_fetch: false },
});

const NONE_REASON =
  'No Content Credentials (C2PA manifest) in this file. Most photos have none, so this proves nothing.';
const VALID_REASON =
  'Content Credentials found. Their signature and the hashes tying them to these pixels check out. The signer was not ' +
  'checked against a trust list (none is shipped here): the signer name is what the certificate itself claims.';
const INVALID_REASON =
  'Content Credentials found, but they do not check out (see validationStatus): the file was changed after signing, ' +
  'or the credentials are damaged or forged.';
const REMOTE_REASON =
  'No Content Credentials are embedded, but the XMP points to credentials stored on the web. This service does not ' +
  'fetch them.';

let wasm: Promise<C2paWasm> | null = null;

/** Loads the c2pa-rs WASM reader once, from the installed package; never over the network. */
function loadReader(): Promise<C2paWasm> {
  wasm ??= (async () => {
    const mod = await import('@contentauth/c2pa-wasm');
    const path = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    mod.initSync({ module: await readFile(path) });
    return mod;
  })();
  // A failed load may be a transient file-system error: let the next call try again.
  wasm.catch(() => {
    wasm = null;
  });
  return wasm;
}

/** Where an embedded C2PA manifest store sits, found by walking the container without the reader. */
export function findEmbeddedC2pa(bytes: Uint8Array): 'jpeg-app11' | 'png-caBX' | 'jumbf' | null {
  if (isJpeg(bytes)) {
    for (const seg of jpegSegments(bytes)) {
      // APP11 'JP' JUMBF payload whose superbox description says c2pa (ISO 19566-5, C2PA spec 11.3.1).
      if (seg.marker === 0xeb && seg.data[0] === 0x4a && seg.data[1] === 0x50 && hasC2paJumd(seg.data)) {
        return 'jpeg-app11';
      }
    }
    return null;
  }
  if (isPng(bytes)) {
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let p = 8;
    while (p + 12 <= bytes.length) {
      const len = v.getUint32(p);
      const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
      if (type === 'caBX') return 'png-caBX';
      if (type === 'IEND') break;
      p += 12 + len;
    }
    return null;
  }
  // WebP, HEIF, TIFF, ...: a plain scan for a c2pa-described JUMBF box.
  return hasC2paJumd(bytes) ? 'jumbf' : null;
}

function isPng(b: Uint8Array): boolean {
  return b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

const JUMD = [0x6a, 0x75, 0x6d, 0x64];
const C2PA = [0x63, 0x32, 0x70, 0x61];

/** A 'jumd' box whose type UUID starts with 'c2pa' or whose label is 'c2pa'. */
function hasC2paJumd(b: Uint8Array): boolean {
  for (let i = indexOf(b, JUMD, 0); i >= 0; i = indexOf(b, JUMD, i + 4)) {
    if (startsWith(b, C2PA, i + 4)) return true; // manifest-store type UUID
    if (startsWith(b, C2PA, i + 21) && b[i + 25] === 0) return true; // label after UUID + toggles byte
  }
  return false;
}

function indexOf(b: Uint8Array, pat: number[], from: number): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).indexOf(Uint8Array.from(pat), from);
}

function startsWith(b: Uint8Array, pat: number[], at: number): boolean {
  return pat.every((x, k) => b[at + k] === x);
}

/** Media type for the reader, from magic bytes; null for containers the aid does not hand to the reader. */
function sniffFormat(b: Uint8Array): string | null {
  if (isJpeg(b)) return 'image/jpeg';
  if (isPng(b)) return 'image/png';
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b.length > 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (b.length > 4 && (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*')) return 'image/tiff';
  if (b.length > 12 && ascii(4, 8) === 'ftyp') {
    const brand = ascii(8, 12);
    if (brand === 'avif' || brand === 'avis') return 'image/avif';
    if (brand.startsWith('hei') || brand.startsWith('mif1') || brand === 'heix') return 'image/heic';
  }
  return null;
}

type ManifestJson = {
  claim_generator?: string;
  claim_generator_info?: { name?: string; version?: string }[];
  signature_info?: { issuer?: string; common_name?: string };
  assertions?: { label?: string; data?: { actions?: { action?: string }[] } }[];
};
type StoreJson = {
  active_manifest?: string;
  manifests?: Record<string, ManifestJson>;
  validation_status?: { code?: string; explanation?: string }[];
  validation_state?: string;
};

/**
 * Embedded Content Credentials: whether there are any, who signed them, the recorded actions, and whether the
 * signature and hard-binding hashes check out (c2pa-rs compiled to WASM, fully offline). Never throws.
 */
export async function readContentCredentials(bytes: Uint8Array): Promise<C2paReport> {
  const embedded = findEmbeddedC2pa(bytes);
  const format = sniffFormat(bytes);
  // JPEG and PNG are walked exactly above; skip loading the 9 MB reader when they carry nothing.
  if (!embedded && (format === null || format === 'image/jpeg' || format === 'image/png')) {
    return { present: false, validated: null, reason: mentionsRemoteManifest(bytes) ? REMOTE_REASON : NONE_REASON };
  }
  let mod: C2paWasm;
  try {
    mod = await loadReader();
  } catch (err) {
    return {
      present: embedded !== null,
      validated: embedded ? false : null,
      reason: `No C2PA validator could be loaded here (${(err as Error).message}).`,
    };
  }
  let reader: Awaited<ReturnType<C2paWasm['WasmReader']['fromBytes']>> | undefined;
  try {
    reader = await mod.WasmReader.fromBytes(format ?? 'application/octet-stream', bytes, READER_CONTEXT);
    return summarise(JSON.parse(reader.json()) as StoreJson);
  } catch (err) {
    const msg = typeof err === 'string' ? err : ((err as Error)?.message ?? String(err));
    if (!embedded && /JumbfNotFound|ProvenanceMissing|UnsupportedType/.test(msg)) {
      return { present: false, validated: null, reason: mentionsRemoteManifest(bytes) ? REMOTE_REASON : NONE_REASON };
    }
    if (/RemoteManifest/.test(msg)) return { present: false, validated: null, reason: REMOTE_REASON };
    return {
      present: true,
      validated: false,
      reason: `A C2PA manifest is embedded but could not be read (${msg}): it is damaged or in an unsupported form.`,
    };
  } finally {
    reader?.free();
  }
}

function summarise(store: StoreJson): C2paReport {
  const active = store.active_manifest ? store.manifests?.[store.active_manifest] : undefined;
  if (!active) return { present: false, validated: null, reason: NONE_REASON };
  const state = store.validation_state;
  const validated = state === 'Valid' || state === 'Trusted';
  const report: C2paReport = {
    present: true,
    validated,
    reason: validated ? VALID_REASON : INVALID_REASON,
  };
  if (state) report.validationState = state;
  const sig = active.signature_info;
  const signer =
    sig?.issuer && sig.common_name && sig.issuer !== sig.common_name
      ? `${sig.issuer} (${sig.common_name})`
      : (sig?.issuer ?? sig?.common_name);
  if (signer) report.signer = signer;
  const gen = active.claim_generator_info?.[0];
  const claimGenerator = active.claim_generator ?? (gen?.name ? [gen.name, gen.version].filter(Boolean).join(' ') : '');
  if (claimGenerator) report.claimGenerator = claimGenerator;
  const actions = (active.assertions ?? [])
    .filter((a) => a.label?.startsWith('c2pa.actions'))
    .flatMap((a) => a.data?.actions ?? [])
    .map((a) => a.action)
    .filter((a): a is string => typeof a === 'string');
  if (actions.length > 0) report.actions = actions;
  const status = (store.validation_status ?? []).map((s) => [s.code, s.explanation].filter(Boolean).join(': '));
  if (status.length > 0) report.validationStatus = status;
  return report;
}

function mentionsRemoteManifest(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes('dcterms:provenance');
}
