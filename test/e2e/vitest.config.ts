import { defineProject } from 'vitest/config';

// Browser and API tests against the running stack (Redis, a detector worker with the tiny fixture model, `next start`).
// globalSetup builds the web app when its sources changed and starts everything once for all files.
export default defineProject({
  test: {
    name: 'e2e',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    globalSetup: ['./setup/global.ts'],
    include: ['**/*.test.ts'],
  },
});
