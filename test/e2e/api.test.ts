import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { verifyWebhook } from '@unwarp/jobs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BAD_IMAGES, photos } from './setup/paths.ts';
import { warpedPair } from './setup/warped.ts';

const stack = inject('stack');
const url = (p: string) => `${stack.baseUrl}${p}`;
const auth = (key = stack.key) => ({ authorization: `Bearer ${key}` });

type Upload = { bytes: Uint8Array<ArrayBuffer>; name: string; type?: string };

function form(files: Upload[], field = 'image', extra: Record<string, string> = {}) {
  const f = new FormData();
  for (const x of files) f.append(field, new Blob([x.bytes], { type: x.type ?? 'image/jpeg' }), x.name);
  for (const [k, v] of Object.entries(extra)) f.append(k, v);
  return f;
}
const photo = (i: number): Upload => {
  const p = photos()[i]!;
  return { bytes: new Uint8Array(readFileSync(p)), name: path.basename(p) };
};
const bad = (name: string): Upload => ({ bytes: new Uint8Array(readFileSync(path.join(BAD_IMAGES, name))), name });

async function submit(files: Upload[], extra: Record<string, string> = {}) {
  return fetch(url('/api/v1/analyses'), { method: 'POST', headers: auth(), body: form(files, 'image', extra) });
}

async function expectError(res: Response, status: number, code: string) {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect({ status: res.status, code: body.error?.code }, body.error?.message).toEqual({ status, code });
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error.message;
}

type Analysis = {
  id: string;
  status: string;
  report?: { probability: number; caveat: string; faces: unknown[]; image: { sha256: string } };
  artifacts?: Record<string, string>;
  error?: unknown;
};

/** The `status` events of a server-sent events body, in order. */
function statusEvents(text: string): { id: string; status: string; stage?: string; progress?: number }[] {
  return text
    .split('\n\n')
    .filter((chunk) => chunk.startsWith('event: status\n'))
    .map((chunk) => JSON.parse(chunk.slice(chunk.indexOf('data: ') + 6)));
}

async function waitDone(id: string, timeoutMs = 100_000): Promise<Analysis> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url(`/api/v1/analyses/${id}`), { headers: auth() });
    expect(res.status).toBe(200);
    const a = (await res.json()) as Analysis;
    if (a.status === 'done' || a.status === 'failed') return a;
    if (Date.now() > end) throw new Error(`analysis ${id} still ${a.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('REST API v1', () => {
  let done: Analysis;
  const upload = photo(0);

  beforeAll(async () => {
    const res = await submit([upload]);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; statusUrl: string; status: string };
    expect(body.id).toMatch(/^a-[0-9a-f]{64}-[0-9a-f]{12}$/);
    expect(res.headers.get('location')).toBe(`/api/v1/analyses/${body.id}`);
    done = await waitDone(body.id);
  });

  it('serves its OpenAPI 3.1 description without a key', async () => {
    const res = await fetch(url('/api/v1/openapi.json'));
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      webhooks: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths).toHaveProperty('/api/v1/analyses');
    expect(doc.webhooks).toHaveProperty('analysisFinished');
  });

  it('analyses an uploaded photo: status, report and every artifact', async () => {
    expect(done.status, JSON.stringify(done.error)).toBe('done');
    const r = done.report!;
    expect(r.probability).toBeGreaterThanOrEqual(0);
    expect(r.probability).toBeLessThanOrEqual(1);
    expect(r.caveat).toMatch(/does not say who did it or why/);
    expect(r.image.sha256).toBe(createHash('sha256').update(upload.bytes).digest('hex'));
    if (r.faces.length > 0) expect(r.jpegHistory?.howToRead).toMatch(/earlier JPEG save/);
    const png = [0x89, 0x50, 0x4e, 0x47];
    for (const name of [
      'heatmap.png',
      'flow.png',
      'recovered.png',
      'compare.png',
      'evidence.png',
      // A JPEG with a face: its history map.
      ...(r.faces.length > 0 ? ['history.png'] : []),
      'ela.png',
      'noise.png',
    ]) {
      expect(done.artifacts).toHaveProperty(name);
      const res = await fetch(url(done.artifacts![name]!), { headers: auth() });
      expect(res.status, name).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      expect([...new Uint8Array(await res.arrayBuffer()).slice(0, 4)], name).toEqual(png);
    }
    const flo = new Uint8Array(
      await (await fetch(url(`/api/v1/analyses/${done.id}/flow.flo`), { headers: auth() })).arrayBuffer(),
    );
    expect(new TextDecoder().decode(flo.slice(0, 4))).toBe('PIEH');
    const report = (await (
      await fetch(url(`/api/v1/analyses/${done.id}/report.json`), { headers: auth() })
    ).json()) as { probability: number; aids?: { ela: { howToRead: string }; jpeg: { quality: number | null } } };
    expect(report.probability).toBe(r.probability);
    // The forensic aids ran in the worker: their section is in the report, with its how-to-read lines.
    expect(report.aids?.ela.howToRead).toMatch(/not a verdict/);
    expect(report.aids?.jpeg.quality).toBeGreaterThan(0);
    const original = await fetch(url(`/api/v1/analyses/${done.id}/original`), { headers: auth() });
    expect(original.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await original.arrayBuffer()).equals(Buffer.from(upload.bytes))).toBe(true);
    const thumb = await fetch(url(`/api/v1/analyses/${done.id}/original?w=64`), { headers: auth() });
    expect(thumb.status).toBe(200);
    const dl = await fetch(url(`/api/v1/analyses/${done.id}/heatmap.png?download=1`), { headers: auth() });
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename=".+-heatmap\.png"$/);
    await expectError(
      await fetch(url(`/api/v1/analyses/${done.id}/secrets.txt`), { headers: auth() }),
      404,
      'not-found',
    );
  });

  it('deduplicates a re-upload of the same bytes', async () => {
    const res = await submit([upload]);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id: done.id, status: 'done', deduplicated: true });
  });

  it('streams status as server-sent events and closes after done', async () => {
    const res = await fetch(url(`/api/v1/analyses/${done.id}/events`), { headers: auth() });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).toMatch(/event: status\ndata: \{"id":"[^"]+","status":"done"/);
  });

  it('answers 404 for unknown ids in the error shape', async () => {
    await expectError(
      await fetch(url(`/api/v1/analyses/a-${'0'.repeat(64)}-${'0'.repeat(12)}`), { headers: auth() }),
      404,
      'not-found',
    );
    await expectError(
      await fetch(url('/api/v1/analyses/..%2F..%2Fetc%2Fpasswd'), { headers: auth() }),
      404,
      'not-found',
    );
    await expectError(await fetch(url('/api/v1/nothing-here'), { headers: auth() }), 404, 'not-found');
    await expectError(await fetch(url(`/api/v1/batches/b-${'0'.repeat(32)}`), { headers: auth() }), 404, 'not-found');
  });

  it('refuses requests without a valid API key', async () => {
    const none = await fetch(url(`/api/v1/analyses/${done.id}`));
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectError(none, 401, 'unauthorized');
    await expectError(
      await fetch(url(`/api/v1/analyses/${done.id}`), { headers: auth('uw_wrong') }),
      401,
      'unauthorized',
    );
    await expectError(
      await fetch(url('/api/v1/analyses'), { method: 'POST', body: form([upload]) }),
      401,
      'unauthorized',
    );
  });

  it('rate-limits per key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 4; i++) {
      last = await fetch(url(`/api/v1/analyses/${done.id}`), { headers: auth(stack.limitedKey) });
      statuses.push(last.status);
      if (i < 3) await last.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectError(last!, 429, 'rate-limited');
    // The other key is not affected.
    expect((await fetch(url(`/api/v1/analyses/${done.id}`), { headers: auth() })).status).toBe(200);
  });

  it('refuses oversize, wrong-type and too-many-pixel uploads with clear 4xx errors', async () => {
    const big = new Uint8Array(stack.maxUploadBytes + 1024);
    big.set(upload.bytes);
    expect(await expectError(await submit([{ bytes: big, name: 'huge.jpg' }]), 413, 'too-large')).toMatch(/limit/);
    expect(await expectError(await submit([bad('text.jpg')]), 415, 'unsupported-type')).toMatch(/text\.jpg/);
    await expectError(await submit([bad('page.png')]), 415, 'unsupported-type');
    await expectError(await submit([{ ...bad('drawing.svg'), type: 'image/svg+xml' }]), 415, 'unsupported-type');
    await expectError(
      await fetch(url('/api/v1/analyses'), {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'image/jpeg' },
        body: upload.bytes,
      }),
      415,
      'unsupported-type',
    );
    expect(await expectError(await submit([bad('bomb.png')]), 422, 'too-many-pixels')).toMatch(/MP/);
    await expectError(await submit([bad('tiny-1x1.png')]), 422, 'image-too-small');
    await expectError(await submit([bad('empty.jpg')]), 422, 'empty-file');
    await expectError(
      await fetch(url('/api/v1/analyses'), { method: 'POST', headers: auth(), body: form([upload], 'photo') }),
      400,
      'bad-request',
    );
    await expectError(await submit([upload], { threshold: '7' }), 422, 'invalid-input');
  });

  it('refuses callback URLs that point at private or loopback addresses unless allowed', async () => {
    await expectError(await submit([upload], { callbackUrl: 'http://10.1.2.3/hook' }), 422, 'callback-url-forbidden');
    await expectError(await submit([upload], { callbackUrl: 'http://[::1]:9/hook' }), 422, 'callback-url-forbidden');
    await expectError(await submit([upload], { callbackUrl: 'file:///etc/passwd' }), 422, 'invalid-callback-url');
  });

  it('runs a batch, reports its progress and exports CSV and JSONL sorted by probability', async () => {
    const files = [upload, photo(1), photo(2)];
    const res = await fetch(url('/api/v1/batches'), { method: 'POST', headers: auth(), body: form(files, 'images') });
    expect(res.status).toBe(202);
    const { batchId, ids } = (await res.json()) as { batchId: string; ids: string[] };
    expect(ids).toHaveLength(3);
    const end = Date.now() + 110_000;
    let batch: {
      status: string;
      counts: { total: number; done: number; failed: number };
      items: { probability?: number; file: string; historyBreaks?: string[] }[];
    };
    for (;;) {
      batch = await (await fetch(url(`/api/v1/batches/${batchId}`), { headers: auth() })).json();
      if (batch.status === 'done' || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(batch.status).toBe('done');
    expect(batch.counts).toMatchObject({ total: 3, done: 3, failed: 0 });
    // Every finished item says which faces its JPEG history outlines (none is an empty list).
    for (const it of batch.items) expect(Array.isArray(it.historyBreaks), it.file).toBe(true);
    const csv = await fetch(url(`/api/v1/batches/${batchId}/export?format=csv`), { headers: auth() });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r\n/);
    expect(lines[0]).toBe('file,sha256,probability,verdict,faces,max displacement px,jpeg history breaks,status,error');
    expect(lines).toHaveLength(4);
    const jsonl = (
      await (await fetch(url(`/api/v1/batches/${batchId}/export?format=jsonl`), { headers: auth() })).text()
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { probability: number; file: string });
    expect(jsonl.map((r) => r.file).sort()).toEqual(files.map((f) => f.name).sort());
    const probs = jsonl.map((r) => r.probability);
    expect(probs).toEqual([...probs].sort((a, b) => b - a));
    await expectError(
      await fetch(url(`/api/v1/batches/${batchId}/export?format=xlsx`), { headers: auth() }),
      422,
      'invalid-input',
    );
  });

  it('refuses a batch whole when one file is bad, naming the file', async () => {
    const res = await fetch(url('/api/v1/batches'), {
      method: 'POST',
      headers: auth(),
      body: form([upload, bad('text.jpg')], 'images'),
    });
    expect(await expectError(res, 415, 'unsupported-type')).toMatch(/text\.jpg/);
  });

  describe('webhooks', () => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    let id: string;

    beforeAll(async () => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      // Loopback is refused by default; the stack allows 127.0.0.1 (UNWARP_CALLBACK_ALLOW_HOSTS) for this receiver.
      const res = await submit([photo(3)], { callbackUrl: `http://127.0.0.1:${port}/hook` });
      expect(res.status).toBe(202);
      id = ((await res.json()) as { id: string }).id;
      const end = Date.now() + 100_000;
      while (received.length === 0) {
        if (Date.now() > end) throw new Error('no callback POST within 100 s (see test-artifacts/e2e/worker.log)');
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    afterAll(() => {
      server.closeAllConnections();
      server.close();
    });

    it('POSTs the result to the callback URL when the analysis is done', () => {
      expect(JSON.parse(received[0]!.body)).toMatchObject({
        id,
        status: 'done',
        report: { probability: expect.any(Number) },
      });
    });

    it('signs the callback with HMAC-SHA256 over the timestamp and body', () => {
      const hit = received[0]!;
      const check = verifyWebhook(
        stack.webhookSecret,
        {
          signature: hit.headers['x-unwarp-signature'] as string,
          timestamp: hit.headers['x-unwarp-timestamp'] as string,
        },
        hit.body,
      );
      expect(
        check,
        'the worker must sign callbacks with UNWARP_WEBHOOK_SECRET: X-Unwarp-Timestamp and X-Unwarp-Signature: sha256=HMAC(secret, "<ts>.<body>") (@unwarp/jobs webhook.ts, apps/web/README.md)',
      ).toEqual({ ok: true });
    });
  });
});

describe('comparisons with the original', () => {
  type Comparison = {
    id: string;
    status: string;
    error?: { code: string; message: string; retryable: boolean };
    report?: {
      kind: string;
      displacement: { max: number; p95: number; mean: number };
      movedShare: number;
      psnr: { editedVsOriginal: number; recoveredVsOriginal: number };
      faces: { regions: Record<string, { mean: number; max: number }> }[];
      howToRead: string;
    };
    artifacts?: Record<string, string>;
  };
  let pair: Awaited<ReturnType<typeof warpedPair>>;
  beforeAll(async () => {
    pair = await warpedPair();
  });
  const compare = (edited: Uint8Array, original: Uint8Array, key = stack.key) => {
    const f = new FormData();
    f.append('edited', new Blob([new Uint8Array(edited)], { type: 'image/jpeg' }), 'edited.jpg');
    f.append('original', new Blob([new Uint8Array(original)], { type: 'image/jpeg' }), 'original.jpg');
    return fetch(url('/api/v1/comparisons'), { method: 'POST', headers: auth(key), body: f });
  };
  async function waitComparison(id: string, timeoutMs = 100_000): Promise<Comparison> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const res = await fetch(url(`/api/v1/comparisons/${id}`), { headers: auth() });
      expect(res.status).toBe(200);
      const c = (await res.json()) as Comparison;
      if (c.status === 'done' || c.status === 'failed') return c;
      if (Date.now() > end) throw new Error(`comparison ${id} still ${c.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('measures the warp between an edited photo and its original: status, report and artifacts', async () => {
    const res = await compare(pair.edited, pair.original);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: string; statusUrl: string; eventsUrl: string; resultPage: string };
    expect(body.id).toMatch(/^c-[0-9a-f]{64}$/);
    expect(res.headers.get('location')).toBe(`/api/v1/comparisons/${body.id}`);
    expect(body.resultPage).toBe(`/comparisons/${body.id}`);
    expect(body.eventsUrl).toBe(`/api/v1/comparisons/${body.id}/events`);
    // Opened while the job is queued or running: the stream follows it live and ends by itself after done.
    const stream = await fetch(url(body.eventsUrl), { headers: auth(), signal: AbortSignal.timeout(100_000) });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = statusEvents(await stream.text());
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.id === body.id)).toBe(true);
    expect(events.at(-1)).toMatchObject({ status: 'done', stage: 'done', progress: 100 });
    const c = await waitComparison(body.id);
    expect(c.error).toBeUndefined();
    expect(c.report?.kind).toBe('comparison');
    expect(c.report!.displacement.max).toBeGreaterThan(2);
    expect(c.report!.movedShare).toBeGreaterThan(0);
    expect(c.report!.psnr.recoveredVsOriginal).toBeGreaterThan(c.report!.psnr.editedVsOriginal);
    expect(c.report!.faces).toHaveLength(1);
    expect(c.report!.howToRead).toMatch(/measured, not predicted/);
    expect(Object.keys(c.artifacts ?? {}).sort()).toEqual(
      [
        'compare.png',
        'edited',
        'flow.flo',
        'flow.png',
        'heatmap.png',
        'original',
        'recovered.png',
        'report.json',
      ].sort(),
    );
    const heat = await fetch(url(c.artifacts!['heatmap.png']!), { headers: auth() });
    expect(heat.status).toBe(200);
    expect(heat.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await heat.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const report = await fetch(url(`${c.artifacts!['report.json']}?download=1`), { headers: auth() });
    expect(report.headers.get('content-disposition')).toMatch(
      /^attachment; filename="edited-vs-original-report.json"$/,
    );
    expect(((await report.json()) as { kind: string }).kind).toBe('comparison');
    const edited = await fetch(url(c.artifacts!.edited!), { headers: auth() });
    expect(Buffer.from(await edited.arrayBuffer()).equals(pair.edited)).toBe(true);
    // The same pair again is the same comparison, answered from storage.
    const again = await compare(pair.edited, pair.original);
    expect(await again.json()).toMatchObject({ id: body.id, status: 'done', deduplicated: true });
  });

  it('fails a pair framed differently with the code framing and says why', async () => {
    const res = await compare(pair.cropped, pair.original);
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const c = await waitComparison(id, 60_000);
    expect(c.status).toBe('failed');
    expect(c.error).toMatchObject({ code: 'framing', retryable: false });
    expect(c.error!.message).toMatch(/framed differently/);
    const events = statusEvents(
      await (await fetch(url(`/api/v1/comparisons/${id}/events`), { headers: auth() })).text(),
    );
    expect(events.at(-1)).toMatchObject({ id, status: 'failed', error: { code: 'framing' } });
    await expectError(await fetch(url(`/api/v1/comparisons/${id}/heatmap.png`), { headers: auth() }), 409, 'not-ready');
  });

  it('refuses incomplete requests, unknown ids and missing keys in the error shape', async () => {
    const onlyOne = new FormData();
    onlyOne.append('edited', new Blob([new Uint8Array(pair.edited)], { type: 'image/jpeg' }), 'e.jpg');
    expect(
      await expectError(
        await fetch(url('/api/v1/comparisons'), { method: 'POST', headers: auth(), body: onlyOne }),
        400,
        'bad-request',
      ),
    ).toMatch(/"original"/);
    await expectError(await compare(new Uint8Array(0), pair.original), 422, 'empty-file');
    await expectError(
      await fetch(url(`/api/v1/comparisons/c-${'0'.repeat(64)}`), { headers: auth() }),
      404,
      'not-found',
    );
    await expectError(await fetch(url('/api/v1/comparisons/not-an-id'), { headers: auth() }), 404, 'not-found');
    await expectError(
      await fetch(url(`/api/v1/comparisons/c-${'0'.repeat(64)}/events`), { headers: auth() }),
      404,
      'not-found',
    );
    await expectError(await compare(pair.edited, pair.original, 'wrong'), 401, 'unauthorized');
  });
});
