import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, signWebhook, TIMESTAMP_HEADER, verifyWebhook, webhookHeaders } from './webhook.ts';

describe('webhook signature', () => {
  const body = JSON.stringify({ id: 'a-1', status: 'done' });
  const now = 1_750_000_000;

  it('is HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed sha256=', () => {
    const hex = createHmac('sha256', 's3cret').update(`${now}.${body}`).digest('hex');
    expect(signWebhook('s3cret', now, body)).toBe(`sha256=${hex}`);
    expect(webhookHeaders('s3cret', body, now)).toEqual({
      [TIMESTAMP_HEADER]: String(now),
      [SIGNATURE_HEADER]: `sha256=${hex}`,
    });
  });

  it('verifies what it signs and nothing else', () => {
    const signature = signWebhook('s3cret', now, body);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now) }, body, { now })).toEqual({ ok: true });
    expect(verifyWebhook('other', { signature, timestamp: String(now) }, body, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now) }, `${body} `, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now + 1) }, body, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature: null, timestamp: String(now) }, body, { now }).ok).toBe(false);
    expect(verifyWebhook('s3cret', { signature, timestamp: 'soon' }, body, { now }).ok).toBe(false);
  });

  it('refuses old timestamps (replays)', () => {
    const signature = signWebhook('s3cret', now - 3600, body);
    expect(verifyWebhook('s3cret', { signature, timestamp: String(now - 3600) }, body, { now })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance/),
    });
  });
});
