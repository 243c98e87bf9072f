#!/usr/bin/env node
// Prints the SHA-256 of an API key, the form UNWARP_API_KEYS stores. Give the key as an argument or on stdin;
// with no argument a new random key is made and both are printed. Keep the key secret, put only the hash in config.
import { createHash, randomBytes } from 'node:crypto';

const hash = (k) => createHash('sha256').update(k, 'utf8').digest('hex');
let key = process.argv[2];
if (!key && !process.stdin.isTTY) key = (await new Response(process.stdin).text()).trim();
if (!key) {
  key = `uw_${randomBytes(24).toString('base64url')}`;
  process.stdout.write(`key:  ${key}\nhash: ${hash(key)}\n`);
} else {
  process.stdout.write(`${hash(key)}\n`);
}
