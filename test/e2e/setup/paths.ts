import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB = path.join(REPO, 'apps/web');
export const ARTIFACTS = path.join(REPO, 'test-artifacts/e2e');
export const FIXTURE_MODEL = path.join(REPO, 'packages/model/fixtures/tiny-model');
export const BAD_IMAGES = path.join(REPO, 'test/fixtures/bad-images');
/** Real photos, read in place (never copied into the repo). */
export const PHOTOS_DIR = path.join(REPO, '../shared/data/val/helen');

export function photos(): string[] {
  return readdirSync(PHOTOS_DIR)
    .filter((f) => f.endsWith('.jpg'))
    .sort()
    .map((f) => path.join(PHOTOS_DIR, f));
}

/** What global setup hands to the tests (vitest provide/inject). */
export type Stack = {
  baseUrl: string;
  /** Bearer key with the default limit. */
  key: string;
  /** Bearer key limited to 3 requests a minute (rate-limit test). */
  limitedKey: string;
  webhookSecret: string;
  maxUploadBytes: number;
  prefix: string;
  redisUrl: string;
};

declare module 'vitest' {
  export interface ProvidedContext {
    stack: Stack;
  }
}
