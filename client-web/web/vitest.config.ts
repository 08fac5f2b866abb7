// The unit tests of the UI's own logic (test/*.test.ts): the HTTP client, the
// live connection's reconnecting, the outbox's retries. They run in Node against
// fakes handed in (fetch, socket, clock), with no browser and no server.

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
