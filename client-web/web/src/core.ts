// The end-to-end encryption core: the Rust `kizuna-client-web` crate compiled to
// WebAssembly by `ops/build-web.sh` (wasm-bindgen, `--target web`) into
// `src/wasm/`. The glob import lets the UI build before the bindings exist; the
// page then says the engine is not built in yet.

interface CoreModule {
  default: (input?: { module_or_path?: string | URL }) => Promise<unknown>;
  version?: () => string;
}

const modules = import.meta.glob<CoreModule>('./wasm/kizuna_client_web.js');

export type CoreStatus = { state: 'ready'; version: string } | { state: 'missing' } | { state: 'failed' };

let loading: Promise<CoreStatus> | null = null;

async function load(): Promise<CoreStatus> {
  const importer = modules['./wasm/kizuna_client_web.js'];
  if (importer === undefined) return { state: 'missing' };
  try {
    const core = await importer();
    await core.default();
    return { state: 'ready', version: typeof core.version === 'function' ? core.version() : '?' };
  } catch (error) {
    console.error('kizuna core failed to load', error);
    return { state: 'failed' };
  }
}

/** Loads the WebAssembly core once; later calls share the result. */
export function loadCore(): Promise<CoreStatus> {
  loading ??= load();
  return loading;
}
