'use client';

import { useState } from 'react';
import { EXT, type Limits, precheck } from '@/components/Uploader.tsx';
import { ClientApiError, getApiKey, uploadForm } from '@/lib/client-api.ts';

type Submitted = { id: string; resultPage: string };

/**
 * "Have the original?": an edited photo and the photo it was made from go to POST /api/v1/comparisons; the result
 * page follows the job. Measuring needs no model, so it answers "what was moved, and by how much" directly.
 */
export function CompareForm({ needsKey, limits }: { needsKey: boolean; limits: Limits }) {
  const [edited, setEdited] = useState<File | null>(null);
  const [original, setOriginal] = useState<File | null>(null);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const accept = `${limits.formats.flatMap((f) => (EXT[f] ?? []).map((x) => `.${x}`)).join(',')},image/*`;

  async function submit() {
    setError(null);
    if (!edited || !original) return setError('Choose both photos: the edited one and its original.');
    if (needsKey && !getApiKey()) return setError('Give your API key above first.');
    for (const [file, what] of [
      [edited, 'The edited photo'],
      [original, 'The original'],
    ] as const) {
      const why = precheck(file, limits);
      if (why) return setError(`${what} (${file.name}): ${why}.`);
    }
    const form = new FormData();
    form.append('edited', edited, edited.name);
    form.append('original', original, original.name);
    setUploaded(0);
    try {
      const res = await uploadForm<Submitted>('/api/v1/comparisons', form, (loaded, total) =>
        setUploaded(loaded / total),
      );
      window.location.assign(res.resultPage);
    } catch (err) {
      setUploaded(null);
      setError(err instanceof ClientApiError ? err.message : 'the upload failed');
    }
  }

  const busy = uploaded !== null;
  return (
    <section className="card" aria-labelledby="compare-form-h" data-testid="compare-form">
      <h2 id="compare-form-h">Have the original?</h2>
      <p className="small" style={{ maxWidth: '46rem' }}>
        If you have the photo the edited one was made from (the photographer&apos;s file, an earlier post), Unwarp can{' '}
        <strong>measure</strong> what was moved instead of estimating it: where, in which direction and by how many
        pixels. Both photos must show the same framing.
      </p>
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="field">
          <label htmlFor="compare-edited">Edited photo</label>
          <input
            id="compare-edited"
            name="edited"
            type="file"
            accept={accept}
            disabled={busy}
            onChange={(e) => setEdited(e.target.files?.[0] ?? null)}
          />
        </div>
        <div className="field">
          <label htmlFor="compare-original">Original photo</label>
          <input
            id="compare-original"
            name="original"
            type="file"
            accept={accept}
            disabled={busy}
            onChange={(e) => setOriginal(e.target.files?.[0] ?? null)}
          />
        </div>
        <div className="field">
          <button type="submit" disabled={busy}>
            {busy ? `Uploading ${Math.round((uploaded ?? 0) * 100)}%` : 'Compare the two photos'}
          </button>
        </div>
      </form>
      {busy ? <progress max={1} value={uploaded ?? 0} aria-label="Upload of the two photos" /> : null}
      {error ? (
        <p className="notice error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
