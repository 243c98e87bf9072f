import type { Logger } from 'pino';

/**
 * Best-effort webhook: a few tries with growing pauses, then give up and log. It never fails the job: the result is
 * already in storage and getAnalysis answers either way.
 */
export async function deliverCallback(
  url: string,
  body: unknown,
  opts: { timeoutMs: number; log: Logger; tries?: number },
): Promise<boolean> {
  const tries = opts.tries ?? 3;
  for (let i = 0; i < tries; i++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'unwarp-detector' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
        redirect: 'manual',
      });
      if (res.ok) return true;
      opts.log.warn({ url, status: res.status, attempt: i + 1 }, 'callback answered with an error status');
    } catch (err) {
      opts.log.warn({ url, err: (err as Error).message, attempt: i + 1 }, 'callback failed');
    }
    await new Promise((r) => setTimeout(r, 1_000 * 4 ** i));
  }
  return false;
}
