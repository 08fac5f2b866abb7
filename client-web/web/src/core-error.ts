// The WASM core throws `Error`s whose message is JSON `{code, en, ja, field?}`
// (client-web/README.md). One reader for them, used by the page and by the photo
// worker alike (so nothing here may touch the DOM).

export interface CoreError {
  code: string;
  en: string;
  ja: string;
  field?: string;
}

const UNEXPECTED: CoreError = {
  code: 'internal',
  en: 'Something went wrong. Reload the page and try again.',
  ja: '問題が起きました。ページを再読み込みしてもう一度お試しください。',
};

/** A core error as data; anything else as `fallback` (by default: reload and retry). */
export function coreError(error: unknown, fallback: CoreError = UNEXPECTED): CoreError {
  if (error instanceof Error) {
    try {
      const parsed = JSON.parse(error.message) as Partial<Record<keyof CoreError, unknown>>;
      if (typeof parsed.code === 'string' && typeof parsed.en === 'string' && typeof parsed.ja === 'string') {
        const found: CoreError = { code: parsed.code, en: parsed.en, ja: parsed.ja };
        if (typeof parsed.field === 'string') found.field = parsed.field;
        return found;
      }
    } catch {
      // not one of the core's errors
    }
  }
  return fallback;
}
