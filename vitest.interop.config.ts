import { defineConfig } from 'vitest/config';

/**
 * The interop suite: studybridge against a real HAPI FHIR JPA server (`npm run test:interop`, which builds and
 * starts it; or `INTEROP_FHIR_BASE_URL` for a running server). Files run one after another because they share
 * the server and reset it.
 */
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    globalSetup: ['test/interop/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
