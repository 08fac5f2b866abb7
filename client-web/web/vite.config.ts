// The server serves `dist/` at `/` under a strict Content-Security-Policy
// (`script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`), so nothing may be
// inlined into index.html: scripts, styles, the WebAssembly core and images all
// stay separate files under /assets/ with content hashes (cached for a year).

import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    // `npm run dev` next to a kizuna-server on its default address: the API is
    // proxied to it (open the dev server as http://localhost:5173 for WebAuthn,
    // with KIZUNA_WEBAUTHN_ORIGINS including that origin).
    proxy: {
      '/api': { target: 'http://localhost:8080', changeOrigin: false },
    },
  },
});
