// The one HTTP client of the UI: every request to `/api/v1` goes through it. JSON in
// and out, the session in the server's `HttpOnly; Secure; SameSite=Strict` cookie
// (scripts never hold it), every failure an `ApiError` (error.ts). When the server
// answers `403 reauth_required`, the person is asked to confirm it is them
// (reauth.ts) and the request is sent once more.
//
// What it uses is handed in (fetch, the confirmation, the fallback words), so the
// unit tests drive it with a fake fetch; index.ts makes the browser's instance.

import { isReauthRequired, networkError, unexpectedAnswer, refusal, type Words } from './error';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The part of `fetch` the client uses. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface ClientDeps {
  fetch: FetchLike;
  /** Asks for the password and passkey again; whether the server confirmed them. */
  confirmIdentity: () => Promise<boolean>;
  /** Words for a request without an answer, and for an answer that makes no sense. */
  words: { network: Words; unexpected: Words };
  /** Where the API lives (default `/api/v1`). */
  base?: string;
}

export interface RequestOptions {
  /** A JSON body. */
  json?: unknown;
  /** A raw body (attachments: ciphertext only). */
  bytes?: Uint8Array<ArrayBuffer>;
  /** The media type wanted (default JSON). */
  accept?: string;
  /**
   * Whether a `reauth_required` refusal asks the person to confirm and sends again
   * (default yes; the sign-in and confirmation ceremonies themselves say no).
   */
  reauth?: boolean;
}

/** One path segment: group IDs contain `/` and must stay one segment. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Runs a request; when the server wants a fresh confirmation first, asks for it and
 * runs the request once more. Declining gives back the refusal.
 */
export async function retryAfterConfirm<T>(call: () => Promise<T>, confirm: () => Promise<boolean>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isReauthRequired(error)) throw error;
    if (!(await confirm())) throw error;
    return call();
  }
}

export class HttpClient {
  constructor(private readonly deps: ClientDeps) {}

  /** `method {base}{path}` with an optional JSON body: the parsed answer (null when empty). */
  async json<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, body === undefined ? options : { ...options, json: body });
    return (await this.parse(response)) as T;
  }

  /** `GET {base}{path}`: the parsed answer and the value of response header `header`. */
  async jsonWithHeader<T>(path: string, header: string): Promise<[T, string | null]> {
    const response = await this.send('GET', path, {});
    const value = response.headers.get(header);
    return [(await this.parse(response)) as T, value];
  }

  /** `PUT` raw bytes; the parsed answer. */
  async putBytes(path: string, bytes: Uint8Array<ArrayBuffer>): Promise<unknown> {
    return this.parse(await this.send('PUT', path, { bytes }));
  }

  /** `GET` raw bytes. */
  async bytes(path: string): Promise<Uint8Array> {
    const response = await this.send('GET', path, { accept: '*/*' });
    return new Uint8Array(await this.read(response, (r) => r.arrayBuffer()));
  }

  /** `GET` a file of the given media type (a CSV download, say). */
  async blob(path: string, accept: string): Promise<Blob> {
    const response = await this.send('GET', path, { accept });
    return this.read(response, (r) => r.blob());
  }

  /** The answer when it is 2xx; otherwise the refusal as `ApiError`. */
  send(method: Method, path: string, options: RequestOptions): Promise<Response> {
    const once = (): Promise<Response> => this.sendOnce(method, path, options);
    return options.reauth === false ? once() : retryAfterConfirm(once, this.deps.confirmIdentity);
  }

  private async sendOnce(method: Method, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    const init: RequestInit = { method, credentials: 'same-origin', cache: 'no-store', headers };
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.json);
    } else if (options.bytes !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      init.body = options.bytes;
    }
    let response: Response;
    try {
      response = await this.deps.fetch(`${this.deps.base ?? '/api/v1'}${path}`, init);
    } catch {
      throw networkError(this.deps.words.network);
    }
    if (response.ok) return response;
    throw refusal(response.status, await this.read(response, (r) => r.text()), this.deps.words.unexpected);
  }

  /** The JSON of a 2xx answer (null when empty). */
  private async parse(response: Response): Promise<unknown> {
    const text = await this.read(response, (r) => r.text());
    if (text === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw unexpectedAnswer(response.status, this.deps.words.unexpected);
    }
  }

  /** Reads the body; a connection that breaks while reading is a network failure. */
  private async read<T>(response: Response, how: (response: Response) => Promise<T>): Promise<T> {
    try {
      return await how(response);
    } catch {
      throw networkError(this.deps.words.network);
    }
  }
}
