import { defineConfig } from 'vitest/config';

// `npm run test:camel`: the CamelReplicator's Integrations run in Apache Camel (Java 17, Maven) against
// the gateway (test/support/gateway-setup.ts) and the brokers (scripts/brokers.sh), one file at a time.
export default defineConfig({
  test: {
    name: 'camel',
    include: ['test/**/*.camel.test.ts'],
    globalSetup: ['test/support/gateway-setup.ts'],
    setupFiles: ['test/support/gateway-cleanup.ts'],
    testTimeout: 300_000,
    hookTimeout: 900_000,
    teardownTimeout: 60_000,
    fileParallelism: false,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
