// Prepares a photo off the page's thread: decode, turn upright, strip metadata,
// resize, re-encode and thumbnail a 12 MP photo take a noticeable fraction of a
// second, which would freeze the page. The worker loads its own instance of the
// WebAssembly core (the .wasm URL comes with each request; the file is cached).
//
// Request: {id, bytes: ArrayBuffer, wasmUrl}. Answer: {id, ok: true, photo} or
// {id, ok: false, error: {code, en, ja}}.

import type * as Core from '../wasm/kizuna_client_web.js';
import { coreError } from '../core-error';

const modules = import.meta.glob<typeof Core>('../wasm/kizuna_client_web.js', { eager: true });

interface Request {
  id: number;
  bytes: ArrayBuffer;
  wasmUrl: string;
}

interface Scope {
  onmessage: ((event: MessageEvent<Request>) => void) | null;
  postMessage: (message: unknown) => void;
}

const scope = self as unknown as Scope;
let ready: Promise<typeof Core> | null = null;

function load(wasmUrl: string): Promise<typeof Core> {
  ready ??= (async () => {
    const core = modules['../wasm/kizuna_client_web.js'];
    if (core === undefined) throw new Error('missing');
    await core.default({ module_or_path: wasmUrl });
    return core;
  })();
  return ready;
}

const PHOTO_FAILED = {
  code: 'photo_internal',
  en: 'The photo could not be prepared. Reload the page and try again.',
  ja: '写真を準備できませんでした。ページを再読み込みしてもう一度お試しください。',
};

scope.onmessage = (event) => {
  const { id, bytes, wasmUrl } = event.data;
  load(wasmUrl)
    .then((core) => {
      const photo = core.prepare_photo(new Uint8Array(bytes));
      scope.postMessage({ id, ok: true, photo });
    })
    .catch((error: unknown) => scope.postMessage({ id, ok: false, error: coreError(error, PHOTO_FAILED) }));
};
