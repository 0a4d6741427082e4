import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The interop suite needs a HAPI server: `npm run test:interop` (vitest.interop.config.ts).
    exclude: ['test/interop/**', '**/node_modules/**'],
    // FHIR definitions take ~1 s to index; one fork per file keeps module state isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
