import { defineConfig } from 'vitest/config';
import preact from '@preact/preset-vite';

// The Go local server serves the API and dist/ on one origin. For `npm run dev`, the API is
// proxied to it (default port 3999; override with API_URL).
const api = process.env.API_URL ?? 'http://127.0.0.1:3999';

export default defineConfig({
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: 'dist',
    target: 'es2022',
    manifest: true,
    sourcemap: false,
  },
  server: {
    proxy: { '/v1': api, '/_dev': api },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
