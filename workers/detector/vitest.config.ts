import { defineProject } from 'vitest/config';

// The *.int.test.ts suites spawn worker processes against Redis and share 2 CPU cores: one file at a time.
export default defineProject({
  test: { name: 'detector', fileParallelism: false, testTimeout: 120_000, hookTimeout: 60_000 },
});
