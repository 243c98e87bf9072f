import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@unwarp/jobs';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverCallback } from './callbacks.ts';

const log = pino({ level: 'silent' });
const SECRET = 'test-secret-0123456789abcdef';

describe('deliverCallback', () => {
  let got: { headers: IncomingHttpHeaders; body: string; at: number }[] = [];
  let statuses: number[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      got.push({ headers: req.headers, body, at: Date.now() });
      res.writeHead(statuses.shift() ?? 204).end();
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  beforeEach(() => {
    got = [];
    statuses = [];
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('signs each attempt afresh and retries with growing pauses', async () => {
    statuses = [500, 503];
    const ok = await deliverCallback(
      `http://127.0.0.1:${port}/hook`,
      { id: 'a-1', status: 'done' },
      { timeoutMs: 2_000, log, secret: SECRET, allow: ['127.0.0.1'], backoffMs: 200, tries: 3 },
    );
    expect(ok).toBe(true);
    expect(got).toHaveLength(3);
    for (const g of got) {
      expect(g.body).toBe('{"id":"a-1","status":"done"}');
      expect(
        verifyWebhook(
          SECRET,
          {
            signature: g.headers['x-unwarp-signature'] as string,
            timestamp: g.headers['x-unwarp-timestamp'] as string,
          },
          g.body,
        ),
      ).toEqual({ ok: true });
    }
    // 200 ms, then 800 ms: exponential.
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(180);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(750);
    // Each attempt is signed when it is sent: the third one, a second later, carries a later timestamp.
    expect(Number(got[2]!.headers['x-unwarp-timestamp'])).toBeGreaterThan(
      Number(got[0]!.headers['x-unwarp-timestamp']),
    );
  });

  it('sends no signature headers without a secret, and gives up after the last try', async () => {
    statuses = [500, 500];
    const ok = await deliverCallback(
      `http://127.0.0.1:${port}/hook`,
      { id: 'a-2' },
      { timeoutMs: 2_000, log, allow: ['127.0.0.1'], backoffMs: 10, tries: 2 },
    );
    expect(ok).toBe(false);
    expect(got).toHaveLength(2);
    expect(got[0]!.headers['x-unwarp-signature']).toBeUndefined();
  });

  it('refuses, without retrying, a host that now resolves to a private address, and a private IP literal', async () => {
    const resolve = async () => ['127.0.0.1'];
    const opts = { timeoutMs: 2_000, log, secret: SECRET, backoffMs: 10, tries: 3, resolve };
    expect(await deliverCallback(`http://rebound.example:${port}/hook`, {}, opts)).toBe(false);
    expect(await deliverCallback(`http://127.0.0.1:${port}/hook`, {}, opts)).toBe(false);
    expect(await deliverCallback(`http://[::ffff:127.0.0.1]:${port}/hook`, {}, opts)).toBe(false);
    expect(got).toHaveLength(0);
    // The same host passes once it is on the allow-list, as in the web app.
    expect(
      await deliverCallback(`http://rebound.example:${port}/hook`, {}, { ...opts, allow: ['rebound.example'] }),
    ).toBe(true);
    expect(got).toHaveLength(1);
  });
});
