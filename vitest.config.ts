import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing running; `gateway` runs *.gateway.test.ts against a real Ceph
// RADOS Gateway that test/support/gateway-setup.ts starts once per run (or reuses).
export default defineConfig({
  test: {
    // The global setup may stop the lab it started; that takes about 6 s.
    teardownTimeout: 60_000,
    // The SDK's notice that future versions need Node 22 would otherwise repeat in every worker.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.gateway.test.ts', 'test/**/*.camel.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'gateway',
          include: ['test/**/*.gateway.test.ts'],
          globalSetup: ['test/support/gateway-setup.ts'],
          setupFiles: ['test/support/gateway-cleanup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // Two cores are shared by the tests, radosgw and the OSD: two test files at a time.
          maxWorkers: 2,
          // Runs after the unit tests (a project with its own maxWorkers needs its own group).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
