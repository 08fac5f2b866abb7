// The engine's HTTP calls: JSON in and out under /api/v1, the session in the
// same-site cookie, failures as the shared ApiError / NetworkError (api.ts), so the
// views word them the same way everywhere.

import { ApiError, NetworkError, readAnswer } from '../api';
import { withReauth } from '../reauth';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** One path segment: group IDs contain `/` and must stay one segment. */
export function seg(value: string): string {
  return encodeURIComponent(value);
}

/**
 * `method /api/v1{path}` with an optional JSON body; the parsed answer (null when
 * empty). Sent once more after a password + passkey confirmation when the server
 * asks for one (reauth.ts).
 */
export function call<T>(method: Method, path: string, body?: unknown): Promise<T> {
  return withReauth(() => callOnce<T>(method, path, body));
}

async function callOnce<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
  };
  if (body !== undefined) init.body = JSON.stringify(body);
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, init);
  } catch {
    throw new NetworkError();
  }
  return (await readAnswer(response)) as T;
}

/** `GET /api/v1{path}`: the parsed answer and the value of response header `header`. */
export async function getWithHeader<T>(path: string, header: string): Promise<[T, string | null]> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: 'GET',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
  } catch {
    throw new NetworkError();
  }
  const value = response.headers.get(header);
  return [(await readAnswer(response)) as T, value];
}

/** `PUT` raw bytes (attachments: ciphertext only). */
export async function putBytes(path: string, bytes: Uint8Array<ArrayBuffer>): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method: 'PUT',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/json' },
      body: bytes,
    });
  } catch {
    throw new NetworkError();
  }
  return readAnswer(response);
}

/** `GET` raw bytes. */
export async function getBytes(path: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new NetworkError();
  }
  if (!response.ok) {
    await readAnswer(response);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** Whether sending the same request again later may succeed (offline, server busy, lost race). */
export function transient(error: unknown): boolean {
  if (error instanceof NetworkError) return true;
  if (error instanceof ApiError) return error.status === 0 || error.status === 409 || error.status === 429 || error.status >= 500;
  return false;
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404;
}

/** Standard base64 of bytes (the server's JSON encoding). */
export function b64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function unb64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) out[i] = binary.charCodeAt(i);
  return out;
}
