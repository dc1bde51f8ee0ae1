import { defineConfig } from 'vitest/config';

// Tests import workspace packages from their TypeScript sources (the `@outpost/source` export condition),
// so `vitest` needs no build first and never runs stale `dist/` output.
export default defineConfig({
  resolve: { conditions: ['@outpost/source'] },
  ssr: { resolve: { conditions: ['@outpost/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
