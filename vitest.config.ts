import { defineConfig } from 'vitest/config';

// One vitest run over every workspace: `npm test` at the root prints a single summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'workers/*', 'apps/*', 'test/*'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
