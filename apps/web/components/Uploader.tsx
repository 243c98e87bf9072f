'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiKeyPanel, useApiKey } from '@/components/ApiKeyPanel.tsx';
import { apiJson, ClientApiError, streamEvents, uploadForm } from '@/lib/client-api.ts';
import { bytes as fmtBytes, LEVEL_LABELS, pct, STAGE_LABELS, verdictLevel } from '@/lib/labels.ts';

export type Limits = { maxBytes: number; maxPixels: number; maxFiles: number; formats: string[] };
type Status = 'rejected' | 'waiting' | 'uploading' | 'queued' | 'running' | 'done' | 'failed';
type Entry = {
  key: string;
  file: File;
  status: Status;
  uploaded: number;
  stage?: string;
  id?: string;
  error?: string;
  probability?: number;
  verdict?: string;
};

export const EXT: Record<string, string[]> = {
  jpeg: ['jpg', 'jpeg', 'jfif'],
  png: ['png'],
  webp: ['webp'],
  gif: ['gif'],
  avif: ['avif'],
  heif: ['heic', 'heif'],
  tiff: ['tif', 'tiff'],
  jp2: ['jp2', 'j2k'],
  jxl: ['jxl'],
};
/** libvips' `heif` loader: AVIF always, HEIC only where libvips was built with HEVC. */
const FORMAT_NAMES: Record<string, string> = { jpeg: 'JPEG', heif: 'AVIF/HEIF', jp2: 'JPEG 2000', jxl: 'JPEG XL' };
const STEPS = ['queued', 'detecting faces', 'predicting', 'rendering', 'done'] as const;
const STEP_INDEX: Record<string, number> = {
  queued: 0,
  decoding: 1,
  'detecting faces': 1,
  predicting: 2,
  rendering: 3,
  storing: 3,
  done: 4,
};

/** Refuses what the server would refuse anyway, before any byte is sent: size, and a type by MIME or extension. */
export function precheck(file: File, limits: Limits): string | null {
  const ext = file.name.split('.').pop()?.toLowerCase() ?? '';
  const okExt = limits.formats.flatMap((f) => EXT[f] ?? []);
  const okMime = /^image\/(jpeg|png|webp|gif|avif|heic|heif|tiff|jp2|jxl)$/.test(file.type);
  if (file.type === 'image/svg+xml' || ext === 'svg') return 'SVG drawings are not photographs';
  if (!okMime && !okExt.includes(ext)) return `not a supported photo type (${okExt.map((e) => `.${e}`).join(', ')})`;
  if (file.size === 0) return 'the file is empty';
  if (file.size > limits.maxBytes) return `${fmtBytes(file.size)} is over the ${fmtBytes(limits.maxBytes)} limit`;
  return null;
}

type AnalysisEvent = {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  stage?: string;
  error?: { message: string };
};
type BatchResponse = { batchId: string; ids: string[] };
type BatchStatus = {
  status: string;
  items: {
    id: string;
    status: AnalysisEvent['status'];
    stage?: string;
    probability?: number;
    verdict?: string;
    error?: { message: string };
  }[];
};

export function Uploader({ needsKey, limits }: { needsKey: boolean; limits: Limits }) {
  const [apiKey, setKey] = useApiKey();
  const [entries, setEntries] = useState<Entry[]>([]);
  const [batchId, setBatchId] = useState<string | null>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const aborts = useRef<AbortController[]>([]);
  useEffect(
    () => () => {
      for (const a of aborts.current) a.abort();
    },
    [],
  );

  const patch = useCallback(
    (key: string, p: Partial<Entry>) => setEntries((es) => es.map((e) => (e.key === key ? { ...e, ...p } : e))),
    [],
  );
  const locked = needsKey && !apiKey;

  async function start(files: File[]) {
    if (locked || files.length === 0) return;
    setMessage(null);
    setBatchId(null);
    const list: Entry[] = files.map((file, i) => {
      const why = precheck(file, limits);
      return {
        key: `${Date.now()}-${i}`,
        file,
        status: why ? 'rejected' : 'waiting',
        uploaded: 0,
        ...(why ? { error: why } : {}),
      };
    });
    setEntries(list);
    const ok = list.filter((e) => e.status === 'waiting');
    if (ok.length === 0) return;
    if (ok.length > limits.maxFiles) {
      setMessage(`At most ${limits.maxFiles} photos at a time.`);
      return;
    }
    setBusy(true);
    try {
      if (ok.length === 1) await single(ok[0]!);
      else await batch(ok);
    } finally {
      setBusy(false);
    }
  }

  async function single(e: Entry) {
    const form = new FormData();
    form.append('image', e.file, e.file.name);
    patch(e.key, { status: 'uploading' });
    let id: string;
    try {
      const res = await uploadForm<{ id: string; status: AnalysisEvent['status'] }>(
        '/api/v1/analyses',
        form,
        (loaded, total) => patch(e.key, { uploaded: loaded / total }),
      );
      id = res.id;
      patch(e.key, { id, status: res.status, uploaded: 1 });
    } catch (err) {
      patch(e.key, { status: 'rejected', error: (err as Error).message });
      return;
    }
    const abort = new AbortController();
    aborts.current.push(abort);
    let last: AnalysisEvent['status'] | undefined;
    const apply = (ev: AnalysisEvent) => {
      last = ev.status;
      patch(e.key, {
        status: ev.status,
        ...(ev.stage ? { stage: ev.stage } : {}),
        ...(ev.error ? { error: ev.error.message } : {}),
      });
    };
    const finished = () => last === 'done' || last === 'failed';
    await streamEvents(`/api/v1/analyses/${id}/events`, (d) => apply(d as AnalysisEvent), abort.signal).catch(() => {});
    // The stream broke (proxy, network) or ended before the job did: poll until the job ends.
    while (!finished() && !abort.signal.aborted) {
      const s = await apiJson<AnalysisEvent>(`/api/v1/analyses/${id}`).catch(() => null);
      if (!s) break;
      apply(s);
      if (!finished()) await new Promise((r) => setTimeout(r, 1500));
    }
    // The headline of the finished result, so the list reads like a summary.
    const final = await apiJson<AnalysisEvent & { report?: { probability: number; verdict: string } }>(
      `/api/v1/analyses/${id}`,
    ).catch(() => null);
    if (final?.report) patch(e.key, { probability: final.report.probability, verdict: final.report.verdict });
  }

  async function batch(ok: Entry[]) {
    const form = new FormData();
    for (const e of ok) form.append('images', e.file, e.file.name);
    // Files go in order, so the bytes sent so far tell which file is on the wire and how far along it is.
    const sizes = ok.map((e) => e.file.size);
    const sum = sizes.reduce((a, b) => a + b, 0) || 1;
    for (const e of ok) patch(e.key, { status: 'uploading' });
    let res: BatchResponse;
    try {
      res = await uploadForm<BatchResponse>('/api/v1/batches', form, (loaded, total) => {
        let left = (loaded / total) * sum;
        ok.forEach((e, i) => {
          const part = Math.max(0, Math.min(1, left / sizes[i]!));
          left -= sizes[i]!;
          patch(e.key, { uploaded: part });
        });
      });
    } catch (err) {
      const m = err instanceof ClientApiError ? err.message : 'the upload failed';
      for (const e of ok) patch(e.key, { status: 'failed', error: m });
      setMessage(`The batch was refused: ${m}`);
      return;
    }
    setBatchId(res.batchId);
    for (const [i, e] of ok.entries()) patch(e.key, { id: res.ids[i], status: 'queued', uploaded: 1 });
    const abort = new AbortController();
    aborts.current.push(abort);
    while (!abort.signal.aborted) {
      const b = await apiJson<BatchStatus>(`/api/v1/batches/${res.batchId}`).catch(() => null);
      if (b) {
        b.items.forEach((it, i) => {
          const e = ok[i];
          if (e)
            patch(e.key, {
              status: it.status,
              ...(it.stage ? { stage: it.stage } : it.status === 'done' ? { stage: 'done' } : {}),
              ...(it.probability !== undefined ? { probability: it.probability } : {}),
              ...(it.verdict ? { verdict: it.verdict } : {}),
              ...(it.error ? { error: it.error.message } : {}),
            });
        });
        if (b.status === 'done') break;
      }
      await new Promise((r) => setTimeout(r, 1500));
    }
  }

  const onFiles = (list: FileList | null) => void start(list ? [...list] : []);

  return (
    <section aria-labelledby="upload-h" className="stack">
      <h2 id="upload-h" className="sr-only">
        Upload photos
      </h2>
      {needsKey ? <ApiKeyPanel apiKey={apiKey} onChange={setKey} /> : null}
      <section
        className={`dropzone${over ? ' over' : ''}`}
        data-testid="dropzone"
        aria-label="Drop area for photos"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          onFiles(e.dataTransfer.files);
        }}
        aria-disabled={locked}
      >
        <strong>Drop photos here</strong>
        <p className="muted small">
          {limits.formats.map((f) => FORMAT_NAMES[f] ?? f.toUpperCase()).join(', ')} · up to {fmtBytes(limits.maxBytes)}{' '}
          and {Math.round(limits.maxPixels / 1e6)} megapixels each · several at once make a batch
        </p>
        <button type="button" onClick={() => input.current?.click()} disabled={locked || busy}>
          Choose photos…
        </button>
        <input
          ref={input}
          type="file"
          multiple
          accept={limits.formats.flatMap((f) => (EXT[f] ?? []).map((x) => `.${x}`)).join(',') + ',image/*'}
          className="sr-only"
          tabIndex={-1}
          aria-label="Photos to analyse"
          onChange={(e) => {
            onFiles(e.target.files);
            e.target.value = '';
          }}
        />
      </section>
      {message ? (
        <p className="notice error" role="alert">
          {message}
        </p>
      ) : null}
      {batchId ? (
        <p>
          <a className="button" href={`/batches/${batchId}`}>
            Open the batch overview →
          </a>
        </p>
      ) : null}
      {entries.length > 0 ? (
        <ul className="files" aria-live="polite" aria-label="Photos">
          {entries.map((e) => (
            <FileRow key={e.key} e={e} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function FileRow({ e }: { e: Entry }) {
  const step = e.status === 'done' ? 4 : e.status === 'running' ? (STEP_INDEX[e.stage ?? 'detecting faces'] ?? 1) : 0;
  const state =
    e.status === 'rejected'
      ? 'Not sent'
      : e.status === 'waiting'
        ? 'Waiting'
        : e.status === 'uploading'
          ? `Uploading ${Math.round(e.uploaded * 100)}%`
          : e.status === 'failed'
            ? 'Failed'
            : e.status === 'done'
              ? 'Done'
              : (STAGE_LABELS[e.status === 'running' ? (e.stage ?? 'detecting faces') : 'queued'] ?? e.status);
  return (
    <li
      className={`file${e.status === 'rejected' || e.status === 'failed' ? ' rejected' : ''}`}
      data-status={e.status}
      data-testid="file-row"
    >
      <span className="name">
        {e.file.name} <span className="muted small">{fmtBytes(e.file.size)}</span>
      </span>
      <span className="state">
        {e.status === 'done' && e.id ? (
          <>
            {e.verdict ? (
              <span className="level" data-level={verdictLevel(e.verdict)} style={{ marginRight: '0.6rem' }}>
                {LEVEL_LABELS[verdictLevel(e.verdict)]} · {pct(e.probability, 0.5)}
              </span>
            ) : null}
            <a className="button" href={`/analyses/${e.id}`}>
              View result
            </a>
          </>
        ) : (
          state
        )}
      </span>
      {e.status === 'uploading' ? (
        <progress max={1} value={e.uploaded} aria-label={`Upload of ${e.file.name}`} />
      ) : null}
      {e.status === 'queued' || e.status === 'running' || e.status === 'done' ? (
        <ol className="steps" aria-label={`Progress of ${e.file.name}`}>
          {STEPS.map((s, i) => (
            <li key={s} data-state={i < step || step === 4 ? 'done' : i === step ? 'current' : 'todo'}>
              {STAGE_LABELS[s]}
            </li>
          ))}
        </ol>
      ) : null}
      {e.error ? <span className="err">{e.error}</span> : null}
    </li>
  );
}
