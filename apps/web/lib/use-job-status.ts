'use client';

import { useEffect, useState } from 'react';
import { apiJson, ClientApiError, streamEvents } from './client-api.ts';

type JobState = 'queued' | 'running' | 'done' | 'failed';

const POLL_MS = 1_500;

const unfinished = (s: { status: JobState }) => s.status === 'queued' || s.status === 'running';

/**
 * The status of one analysis or comparison at `url` (`/api/v1/…/{id}`), kept current until it is done or failed:
 * one GET, then its server-sent events at `${url}/events`, then a GET for the finished job (events carry the status,
 * not the report). When the stream fails or ends early, polling takes over. A `null` url waits (no API key yet).
 */
export function useJobStatus<T extends { status: JobState }>(
  url: string | null,
): { job: T | null; error: ClientApiError | null } {
  const [job, setJob] = useState<T | null>(null);
  const [error, setError] = useState<ClientApiError | null>(null);

  useEffect(() => {
    if (!url) return;
    const abort = new AbortController();
    const { signal } = abort;
    (async () => {
      try {
        let s = await apiJson<T>(url, { signal });
        if (signal.aborted) return;
        setJob(s);
        setError(null);
        if (!unfinished(s)) return;
        // Fetch-based SSE, as EventSource cannot send the API key. If it fails, the loop below polls instead.
        await streamEvents(
          `${url}/events`,
          (d) => {
            const event = d as Partial<T>;
            // `done` without its report would show an empty result: the GET below brings both.
            if (event.status !== 'done') setJob((prev) => prev && { ...prev, ...event });
          },
          signal,
        ).catch(() => {});
        for (;;) {
          if (signal.aborted) return;
          s = await apiJson<T>(url, { signal });
          if (signal.aborted) return;
          setJob(s);
          if (!unfinished(s)) return;
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        }
      } catch (e) {
        if (!signal.aborted)
          setError(e instanceof ClientApiError ? e : new ClientApiError(0, 'network', (e as Error).message));
      }
    })();
    return () => abort.abort();
  }, [url]);

  return { job, error };
}
