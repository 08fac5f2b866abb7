// The server serves `dist/` at `/` under a strict Content-Security-Policy
// (`script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`), so nothing may be
// inlined into index.html: scripts, styles, the WebAssembly core and images all
// stay separate files under /assets/ with content hashes (cached for a year).
//
// Besides index.html, the build has a second entry: the service worker
// (src/pwa/sw.ts), written unhashed as /sw.js. The plugin below prepends to it the
// list of this build's files and a version that changes whenever any of them does,
// so a new release ships a byte-different /sw.js, which browsers notice and
// install beside the running one.

import { defineConfig, type Plugin } from 'vite';

const SW_ENTRY = 'src/pwa/sw.ts';
const SW_FILE = 'sw.js';

/** Top-level files copied from public/ that the worker keeps when it can. */
const PUBLIC_FILES = [
  '/manifest.webmanifest',
  '/icon.svg',
  '/icon-192.png',
  '/icon-512.png',
  '/icon-maskable-192.png',
  '/icon-maskable-512.png',
  '/apple-touch-icon.png',
];

async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function serviceWorkerPlugin(): Plugin {
  return {
    name: 'kizuna-service-worker',
    apply: 'build',
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const worker = bundle[SW_FILE];
      if (worker === undefined || worker.type !== 'chunk') {
        this.error(`the service worker entry did not become ${SW_FILE}`);
      }
      if (worker.imports.length > 0 || worker.dynamicImports.length > 0) {
        // A classic worker script cannot import; keep sw.ts free of imports.
        this.error(`${SW_FILE} imports other chunks: ${worker.imports.join(', ')}`);
      }
      const names = Object.keys(bundle)
        .filter((name) => name !== SW_FILE && !name.startsWith('.'))
        .sort();
      if (!names.includes('index.html')) this.error('index.html is not in the bundle yet');
      const parts: string[] = [];
      for (const name of names) {
        const file = bundle[name];
        if (file === undefined) continue;
        parts.push(`${name} ${await sha256Hex(file.type === 'chunk' ? file.code : file.source)}`);
      }
      const version = (await sha256Hex(parts.join('\n'))).slice(0, 16);
      const files = ['/', ...names.filter((name) => name !== 'index.html').map((name) => `/${name}`)];
      const build = { version, files, extras: PUBLIC_FILES };
      worker.code = `var __KIZUNA_SW__ = ${JSON.stringify(build)};\n${worker.code}`;
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [serviceWorkerPlugin()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: true,
    rolldownOptions: {
      input: { index: 'index.html', sw: SW_ENTRY },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? SW_FILE : 'assets/[name]-[hash].js'),
      },
    },
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
