import { defineProject } from 'vitest/config';

// Unit tests of the server helpers (auth, limits, callback URLs, OpenAPI); the running app is tested in test/e2e.
export default defineProject({ test: { name: 'web', include: ['lib/**/*.test.ts'] } });
