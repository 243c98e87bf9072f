import { describe, expect, it } from 'vitest';
import { checkCallbackUrl, isPrivateAddress } from './callback-url.ts';

const resolveTo = (ips: string[]) => async () => ips;

describe('callback URLs', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const ip of [
      '127.0.0.1',
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
    ])
      expect(isPrivateAddress(ip), ip).toBe(true);
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('accepts public http(s) URLs', async () => {
    await expect(checkCallbackUrl('https://hooks.example.org/unwarp', [], resolveTo(['93.184.216.34']))).resolves.toBe(
      'https://hooks.example.org/unwarp',
    );
  });

  it('refuses hosts that resolve to the server network, unless allowed', async () => {
    await expect(
      checkCallbackUrl('http://internal.example/x', [], resolveTo(['93.184.216.34', '10.0.0.5'])),
    ).rejects.toMatchObject({ code: 'callback-url-forbidden', status: 422 });
    await expect(checkCallbackUrl('http://127.0.0.1:9999/x', [])).rejects.toMatchObject({
      code: 'callback-url-forbidden',
    });
    await expect(checkCallbackUrl('http://[::1]:9999/x', [])).rejects.toMatchObject({ code: 'callback-url-forbidden' });
    await expect(checkCallbackUrl('http://127.0.0.1:9999/x', ['127.0.0.1'])).resolves.toContain('127.0.0.1');
    await expect(
      checkCallbackUrl('http://receiver.local/x', ['receiver.local'], resolveTo(['10.0.0.5'])),
    ).resolves.toContain('receiver.local');
    await expect(checkCallbackUrl('http://10.9.9.9/x', ['*'])).resolves.toContain('10.9.9.9');
  });

  it('refuses other schemes, credentials and unresolvable hosts', async () => {
    await expect(checkCallbackUrl('ftp://example.org/x', [])).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(
      checkCallbackUrl('https://user:pw@example.org/x', [], resolveTo(['93.184.216.34'])),
    ).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(checkCallbackUrl('not a url', [])).rejects.toMatchObject({ code: 'invalid-callback-url' });
    await expect(
      checkCallbackUrl('https://nowhere.invalid/x', [], async () => {
        throw new Error('ENOTFOUND');
      }),
    ).rejects.toMatchObject({ code: 'invalid-callback-url' });
  });
});
