import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@anchor/shared': src('./shared/src/index.ts'),
      '@anchor/migrations': src('./migrations/src/index.ts'),
    },
  },
  test: {
    include: ['shared/src/**/*.test.ts', 'server/test/**/*.test.ts', 'client/e2e/**/*.test.ts'],
    globalSetup: ['server/test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    // Browser and socket tests wait for conditions with expect.poll; on a busy 2-core CI machine 1 s (the default)
    // is not enough for a page to update. Waiting longer never lets a wrong value pass.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
