// This browser as one of the person's devices: created once (signing key, POST
// /devices, key packages), then resumed from IndexedDB on every visit; the session
// is bound to it after each sign-in, as the native client does (account.rs).

import type { KeyPackageUpload } from '../generated/types';
import type { Device } from '../wasm/kizuna_client_web';
import { lang } from '../i18n';
import { http, isNotFound, seg } from '../http';
import { need, type Engine, type Meta, type Wasm } from './state';
import * as store from './store';

/** One-time key packages uploaded at a time, as the native client. */
const KEY_PACKAGE_BATCH = 20;
/** Upload more when fewer than this many are thought to be left. */
const KEY_PACKAGE_LOW = 5;

function deviceName(): string {
  const agent = navigator.userAgent;
  const browser = /Edg\//.test(agent) ? 'Edge' : /Chrom/.test(agent) ? 'Chrome' : /Firefox\//.test(agent) ? 'Firefox' : /Safari\//.test(agent) ? 'Safari' : '';
  const base = lang() === 'ja' ? 'ブラウザ' : 'Web browser';
  return browser === '' ? base : `${base} (${browser})`;
}

/** Saves the whole device (MLS state, channels, waiting posts) and the meta record. */
export async function saveDevice(engine: Engine = need()): Promise<void> {
  const blob = engine.device.export_state(engine.dataKey);
  await store.putBytes(`${engine.userId}:device`, blob);
  await store.putJson(`${engine.userId}:meta`, engine.meta);
}

export async function saveMeta(engine: Engine = need()): Promise<void> {
  await store.putJson(`${engine.userId}:meta`, engine.meta);
}

/** Resumes this browser's device, or registers a new one. */
export async function openDevice(
  wasm: Wasm,
  userId: string,
): Promise<{ device: Device; meta: Meta; dataKey: Uint8Array<ArrayBuffer>; created: boolean }> {
  const { key, fresh } = await store.dataKey(userId);
  const meta = fresh ? null : await store.getJson<Meta>(`${userId}:meta`);
  const blob = fresh ? null : await store.getBytes(`${userId}:device`);
  if (meta !== null && blob !== null) {
    let device: Device | null = null;
    try {
      device = wasm.Device.import_state(key, blob);
    } catch {
      device = null;
    }
    if (device !== null && device.user_id === userId) {
      try {
        await http.json('POST', `/devices/${seg(meta.deviceId)}/session`, {});
        return { device, meta, dataKey: key, created: false };
      } catch (error) {
        // A revoked device (404) starts afresh; anything else (offline) keeps it.
        if (!isNotFound(error)) return { device, meta, dataKey: key, created: false };
      }
    }
  }
  const signing = new wasm.DeviceKey();
  const registered = await http.json<{ id: string }>('POST', '/devices', {
    name: deviceName(),
    signature_key: signing.signature_key,
  });
  const device = wasm.Device.create(signing, userId, registered.id);
  const fresh_meta: Meta = { deviceId: registered.id, keyPackagesLeft: 0, lastResortUploaded: false, reads: {} };
  // The server knows the device now: its key must never be lost.
  await store.putBytes(`${userId}:device`, device.export_state(key));
  await store.putJson(`${userId}:meta`, fresh_meta);
  // Whatever was cached belonged to an older device of this browser.
  await store.remove(`${userId}:rooms`);
  return { device, meta: fresh_meta, dataKey: key, created: true };
}

/** Uploads key packages when few are left (private keys saved before they leave). */
export async function topUpKeyPackages(engine: Engine = need()): Promise<void> {
  if (engine.meta.keyPackagesLeft >= KEY_PACKAGE_LOW) return;
  const lastResort = !engine.meta.lastResortUploaded;
  const packages: KeyPackageUpload[] = engine.device.generate_key_packages(KEY_PACKAGE_BATCH, false);
  if (lastResort) packages.push(...engine.device.generate_key_packages(1, true));
  await saveDevice(engine);
  const left = await http.json<{ left: number }>('POST', `/devices/${seg(engine.meta.deviceId)}/key-packages`, { packages });
  engine.meta.keyPackagesLeft = left.left;
  engine.meta.lastResortUploaded = true;
  await saveMeta(engine);
}
