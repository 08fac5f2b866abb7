// WebAuthn ceremonies between the server's webauthn-rs JSON (binary fields as
// base64url text) and the browser's `navigator.credentials` (ArrayBuffers).
//
// Every call carries a timeout and an AbortSignal: a request left pending blocks
// every later one on the page. The PRF extension is requested on registration and
// sign-in; its output is a local secret (see vault.ts) and is never sent to the
// server: the credential sent back carries no client extension results.

import type { Json, JsonObject } from './api';

/** The input the authenticator's PRF is evaluated on (fixed: its output is per credential). */
const PRF_SALT = new TextEncoder().encode('kizuna/local-vault/prf/v1');

const DEFAULT_TIMEOUT_MS = 120_000;
const MAX_TIMEOUT_MS = 300_000;

export function base64urlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64url(data: ArrayBuffer | ArrayBufferView): string {
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Why a ceremony did not give a credential. */
export type PasskeyProblem = 'cancelled' | 'unsupported' | 'exists' | 'failed';

export class PasskeyError extends Error {
  constructor(
    readonly problem: PasskeyProblem,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'PasskeyError';
  }
}

/** A ceremony's outcome: the credential JSON for the server, and the PRF output kept here. */
export interface PasskeyResult {
  credential: JsonObject;
  /** 32 bytes from the authenticator's PRF, or null when it has none. */
  prf: ArrayBuffer | null;
  /** The credential's ID (base64url) and relying party, to ask for it again locally. */
  credentialId: string;
  rpId: string;
}

let pending: AbortController | null = null;

/** Ends a ceremony still waiting (e.g. when the person leaves the screen). */
export function abortPending(): void {
  pending?.abort();
  pending = null;
}

function supported(): boolean {
  return typeof window.PublicKeyCredential === 'function' && navigator.credentials !== undefined;
}

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: Json | undefined): string {
  if (typeof value !== 'string') throw new PasskeyError('failed', 'malformed options');
  return value;
}

function timeoutOf(options: JsonObject): number {
  const asked = options['timeout'];
  const ms = typeof asked === 'number' && asked > 0 ? asked : DEFAULT_TIMEOUT_MS;
  return Math.min(ms, MAX_TIMEOUT_MS);
}

function descriptors(list: Json | undefined): PublicKeyCredentialDescriptor[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).map((item) => ({
    type: 'public-key',
    id: base64urlToBytes(text(item['id'])),
  }));
}

function clientExtensions(options: JsonObject): AuthenticationExtensionsClientInputs {
  const extensions: AuthenticationExtensionsClientInputs = {};
  const asked = options['extensions'];
  if (isObject(asked)) {
    if (typeof asked['credProps'] === 'boolean') extensions.credProps = asked['credProps'];
    if (typeof asked['credentialProtectionPolicy'] === 'string') {
      extensions.credentialProtectionPolicy = asked['credentialProtectionPolicy'];
    }
    if (typeof asked['enforceCredentialProtectionPolicy'] === 'boolean') {
      extensions.enforceCredentialProtectionPolicy = asked['enforceCredentialProtectionPolicy'];
    }
  }
  extensions.prf = { eval: { first: PRF_SALT } };
  return extensions;
}

/** webauthn-rs creation options → what `navigator.credentials.create` takes. */
export function creationOptions(wrapper: JsonObject): PublicKeyCredentialCreationOptions {
  const options = wrapper['publicKey'];
  if (!isObject(options)) throw new PasskeyError('failed', 'malformed options');
  const rp = options['rp'];
  const user = options['user'];
  const params = options['pubKeyCredParams'];
  if (!isObject(rp) || !isObject(user) || !Array.isArray(params)) {
    throw new PasskeyError('failed', 'malformed options');
  }
  const result: PublicKeyCredentialCreationOptions = {
    rp: { name: text(rp['name']), id: text(rp['id']) },
    user: {
      id: base64urlToBytes(text(user['id'])),
      name: text(user['name']),
      displayName: text(user['displayName']),
    },
    challenge: base64urlToBytes(text(options['challenge'])),
    pubKeyCredParams: params.filter(isObject).map((p) => ({
      type: 'public-key',
      alg: typeof p['alg'] === 'number' ? p['alg'] : -7,
    })),
    timeout: timeoutOf(options),
    excludeCredentials: descriptors(options['excludeCredentials']),
    extensions: clientExtensions(options),
  };
  const selection = options['authenticatorSelection'];
  if (isObject(selection)) {
    const criteria: AuthenticatorSelectionCriteria = {};
    const attachment = selection['authenticatorAttachment'];
    if (attachment === 'platform' || attachment === 'cross-platform') {
      criteria.authenticatorAttachment = attachment;
    }
    const resident = selection['residentKey'];
    if (resident === 'discouraged' || resident === 'preferred' || resident === 'required') {
      criteria.residentKey = resident;
    }
    if (typeof selection['requireResidentKey'] === 'boolean') {
      criteria.requireResidentKey = selection['requireResidentKey'];
    }
    const uv = selection['userVerification'];
    if (uv === 'discouraged' || uv === 'preferred' || uv === 'required') criteria.userVerification = uv;
    result.authenticatorSelection = criteria;
  }
  const attestation = options['attestation'];
  if (attestation === 'none' || attestation === 'indirect' || attestation === 'direct' || attestation === 'enterprise') {
    result.attestation = attestation;
  }
  return result;
}

/** webauthn-rs request options → what `navigator.credentials.get` takes. */
export function requestOptions(wrapper: JsonObject): PublicKeyCredentialRequestOptions {
  const options = wrapper['publicKey'];
  if (!isObject(options)) throw new PasskeyError('failed', 'malformed options');
  const result: PublicKeyCredentialRequestOptions = {
    challenge: base64urlToBytes(text(options['challenge'])),
    timeout: timeoutOf(options),
    rpId: text(options['rpId']),
    allowCredentials: descriptors(options['allowCredentials']),
    extensions: clientExtensions(options),
  };
  const uv = options['userVerification'];
  if (uv === 'discouraged' || uv === 'preferred' || uv === 'required') result.userVerification = uv;
  return result;
}

function prfOutput(credential: PublicKeyCredential): ArrayBuffer | null {
  const first = credential.getClientExtensionResults().prf?.results?.first;
  if (first === undefined) return null;
  const bytes =
    first instanceof ArrayBuffer
      ? new Uint8Array(first)
      : new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
  return bytes.byteLength >= 32 ? bytes.slice().buffer : null;
}

function problemOf(error: unknown): PasskeyError {
  if (error instanceof PasskeyError) return error;
  if (error instanceof DOMException) {
    switch (error.name) {
      case 'NotAllowedError':
      case 'AbortError':
      case 'TimeoutError':
        return new PasskeyError('cancelled', error.name);
      case 'InvalidStateError':
        return new PasskeyError('exists', error.name);
      case 'NotSupportedError':
        return new PasskeyError('unsupported', error.name);
      default:
        return new PasskeyError('failed', error.name);
    }
  }
  return new PasskeyError('failed', error instanceof Error ? error.name : 'unknown');
}

async function ceremony<T extends PublicKeyCredentialCreationOptions | PublicKeyCredentialRequestOptions>(
  kind: 'create' | 'get',
  publicKey: T,
): Promise<PublicKeyCredential> {
  if (!supported()) throw new PasskeyError('unsupported', 'no WebAuthn');
  abortPending();
  const controller = new AbortController();
  pending = controller;
  // The authenticator's own timeout, plus a margin, in case the browser ignores it.
  const timer = window.setTimeout(() => controller.abort(), (publicKey.timeout ?? DEFAULT_TIMEOUT_MS) + 5_000);
  try {
    const credential =
      kind === 'create'
        ? await navigator.credentials.create({
            publicKey: publicKey as PublicKeyCredentialCreationOptions,
            signal: controller.signal,
          })
        : await navigator.credentials.get({
            publicKey: publicKey as PublicKeyCredentialRequestOptions,
            signal: controller.signal,
          });
    if (!(credential instanceof PublicKeyCredential)) throw new PasskeyError('failed', 'no credential');
    return credential;
  } catch (error) {
    throw problemOf(error);
  } finally {
    window.clearTimeout(timer);
    if (pending === controller) pending = null;
  }
}

/** Creates a credential for the server's creation options. */
export async function createPasskey(options: JsonObject): Promise<PasskeyResult> {
  const publicKey = creationOptions(options);
  const credential = await ceremony('create', publicKey);
  const response = credential.response;
  if (!(response instanceof AuthenticatorAttestationResponse)) {
    throw new PasskeyError('failed', 'unexpected response');
  }
  return {
    credential: {
      id: credential.id,
      rawId: bytesToBase64url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: bytesToBase64url(response.attestationObject),
        clientDataJSON: bytesToBase64url(response.clientDataJSON),
      },
      extensions: {},
    },
    prf: prfOutput(credential),
    credentialId: bytesToBase64url(credential.rawId),
    rpId: publicKey.rp.id ?? location.hostname,
  };
}

/** Gets an assertion for the server's request options. */
export async function getAssertion(options: JsonObject): Promise<PasskeyResult> {
  const publicKey = requestOptions(options);
  const credential = await ceremony('get', publicKey);
  return {
    credential: assertionJson(credential),
    prf: prfOutput(credential),
    credentialId: bytesToBase64url(credential.rawId),
    rpId: publicKey.rpId ?? location.hostname,
  };
}

/** Evaluates the PRF of a discoverable passkey on this device, for unlocking local data only. */
export async function localPrf(rpId: string, credentialId: string): Promise<ArrayBuffer | null> {
  const challenge = crypto.getRandomValues(new Uint8Array(32));
  const credential = await ceremony('get', {
    challenge,
    rpId,
    timeout: DEFAULT_TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: [{ type: 'public-key', id: base64urlToBytes(credentialId) }],
    extensions: { prf: { eval: { first: PRF_SALT } } },
  });
  return prfOutput(credential);
}

function assertionJson(credential: PublicKeyCredential): JsonObject {
  const response = credential.response;
  if (!(response instanceof AuthenticatorAssertionResponse)) {
    throw new PasskeyError('failed', 'unexpected response');
  }
  return {
    id: credential.id,
    rawId: bytesToBase64url(credential.rawId),
    type: credential.type,
    response: {
      authenticatorData: bytesToBase64url(response.authenticatorData),
      clientDataJSON: bytesToBase64url(response.clientDataJSON),
      signature: bytesToBase64url(response.signature),
      userHandle: response.userHandle === null ? null : bytesToBase64url(response.userHandle),
    },
    extensions: {},
  };
}
