'use client';

/** Browser side of the API: the optional API key (kept for this tab only), authenticated fetches, uploads with progress. */
const KEY = 'unwarp.apiKey';

export const getApiKey = (): string | null =>
  typeof window === 'undefined' ? null : window.sessionStorage.getItem(KEY);
export const setApiKey = (key: string | null) =>
  key ? window.sessionStorage.setItem(KEY, key) : window.sessionStorage.removeItem(KEY);

export function authHeaders(): Record<string, string> {
  const k = getApiKey();
  return k ? { authorization: `Bearer ${k}` } : {};
}

export type ApiErrorBody = { error: { code: string; message: string } };

export class ClientApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function apiJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...authHeaders(), ...(init.headers as Record<string, string>) } });
  const body = (await res.json().catch(() => null)) as T | ApiErrorBody | null;
  if (!res.ok) {
    const e = (body as ApiErrorBody | null)?.error;
    throw new ClientApiError(res.status, e?.code ?? 'http', e?.message ?? `request failed (${res.status})`);
  }
  return body as T;
}

/** multipart POST through XHR, the one browser API that reports upload progress. */
export function uploadForm<T>(
  url: string,
  form: FormData,
  onProgress: (loaded: number, total: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded, e.total);
    xhr.onerror = () => reject(new ClientApiError(0, 'network', 'the upload failed: network error'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else {
        const e = (body as ApiErrorBody | null)?.error;
        reject(new ClientApiError(xhr.status, e?.code ?? 'http', e?.message ?? `upload failed (${xhr.status})`));
      }
    };
    xhr.send(form);
  });
}

/**
 * Server-sent events over fetch (EventSource cannot send an Authorization header). Calls `onEvent` with each
 * `data:` payload; resolves when the stream ends. Abort with the signal.
 */
export async function streamEvents(url: string, onEvent: (data: unknown) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { headers: { ...authHeaders(), accept: 'text/event-stream' }, signal });
  if (!res.ok || !res.body) throw new ClientApiError(res.status, 'http', `event stream failed (${res.status})`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const chunk = buf.slice(0, i);
      buf = buf.slice(i + 2);
      i = buf.indexOf('\n\n');
      const data = chunk
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trimStart())
        .join('\n');
      if (data) onEvent(JSON.parse(data));
    }
  }
}

/** Saves a URL as a file; with an API key the bytes are fetched first (a plain link cannot carry the header). */
export async function download(url: string, fileName: string): Promise<void> {
  const a = document.createElement('a');
  if (getApiKey()) {
    const res = await fetch(url, { headers: authHeaders() });
    if (!res.ok) throw new ClientApiError(res.status, 'http', `download failed (${res.status})`);
    a.href = URL.createObjectURL(await res.blob());
  } else {
    a.href = url;
  }
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  if (a.href.startsWith('blob:')) setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
