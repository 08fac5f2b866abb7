// What the engine keeps in IndexedDB (database `kizuna-engine`, one key-value
// store), per person. Everything except the device blob is sealed with the vault
// (vault.ts: AES-GCM under the passkey-PRF key or a non-extractable WebCrypto key);
// the device blob is sealed by the WASM core under a random 32-byte data key, which
// itself is stored sealed with the vault. Nothing here is readable at rest.
//
//   {user}:datakey     vault.seal(32 random bytes)
//   {user}:device      Device.export_state(dataKey)
//   {user}:meta        vault.seal(JSON Meta)        device ID, key packages, read positions
//   {user}:rooms       vault.seal(JSON)             rooms and members (names offline)
//   {user}:posts:{g}   vault.seal(JSON ReceivedPost[])   the offline reading cache
//   {user}:problems:{g} vault.seal(JSON EntryProblem[]) entries the core refused (problems.ts)
//   {user}:outbox      vault.seal(JSON Outgoing[])  posts waiting to be sent
//   {user}:broadcasts  vault.seal(JSON)             regional notices, last fetch time, acks to send
//   {user}:safety      vault.seal(JSON)             safety-check answers waiting for the network (safety/pending.ts)

import { seal, unseal } from '../vault';

const DB = 'kizuna-engine';
const STORE = 'kv';

let opening: Promise<IDBDatabase> | null = null;

function database(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('indexedDB'));
  });
  return opening;
}

async function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = body(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error ?? new Error('indexedDB'));
    tx.onabort = () => reject(tx.error ?? new Error('indexedDB'));
  });
}

export async function getBytes(key: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const found: unknown = await run('readonly', (store) => store.get(key));
  return found instanceof Uint8Array ? new Uint8Array(found) : null;
}

export async function putBytes(key: string, value: Uint8Array): Promise<void> {
  await run('readwrite', (store) => store.put(value, key));
}

export async function remove(key: string): Promise<void> {
  await run('readwrite', (store) => store.delete(key));
}

/** Stores bytes sealed with the vault. */
export async function putSealed(key: string, plain: Uint8Array<ArrayBuffer>): Promise<void> {
  await putBytes(key, await seal(plain));
}

/** Bytes sealed with the vault; null when absent or not openable with this vault key. */
export async function getSealed(key: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const sealed = await getBytes(key);
  if (sealed === null) return null;
  try {
    return await unseal(sealed);
  } catch {
    return null;
  }
}

export async function putJson(key: string, value: unknown): Promise<void> {
  await putSealed(key, new TextEncoder().encode(JSON.stringify(value)));
}

export async function getJson<T>(key: string): Promise<T | null> {
  const plain = await getSealed(key);
  if (plain === null) return null;
  try {
    return JSON.parse(new TextDecoder().decode(plain)) as T;
  } catch {
    return null;
  }
}

/**
 * The 32-byte key the WASM core seals the device state with. Random, kept sealed
 * with the vault (whose key may be non-extractable). A vault key that cannot open
 * it (another passkey) means a fresh start: `fresh` is then true.
 */
export async function dataKey(user: string): Promise<{ key: Uint8Array<ArrayBuffer>; fresh: boolean }> {
  const name = `${user}:datakey`;
  const found = await getSealed(name);
  if (found !== null && found.length === 32) return { key: found, fresh: false };
  const key = crypto.getRandomValues(new Uint8Array(32));
  await putSealed(name, key);
  return { key, fresh: true };
}
