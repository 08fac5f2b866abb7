// The export buttons (「JSONで書き出す」「バイタルをCSVで」「FHIR (R4)」) for a room
// and a period: the input is built from the engine's decrypted room, the file by the
// WASM core's `export_room` (the same rule as `kizuna export`), and saved through a
// blob: URL. The requests are for the read positions and, once the file is built,
// to tell the server that this room was exported (format and period, for the
// facility's access records); no request carries content.

import { coreError } from '../core-error';
import { ApiError, http } from '../http';
import { loadCore } from '../core';
import { lang } from '../i18n';
import { myUserId, openChannel, rooms } from '../engine';
import type * as Core from '../wasm/kizuna_client_web.js';
import { exportInput, fileName, mimeOf, type ExportChannel, type ExportFormat } from './input';
import { exportText } from './messages';

const modules = import.meta.glob<typeof Core>('../wasm/kizuna_client_web.js');

/** `export_room` of the WASM core (client-web/src/export.rs). */
type ExportRoom = (inputJson: string, format: string) => string;

async function exporter(): Promise<ExportRoom | null> {
  const importer = modules['../wasm/kizuna_client_web.js'];
  if (importer === undefined) return null;
  if ((await loadCore()).state !== 'ready') return null;
  // Looked up rather than typed from the bindings: a core built before the export
  // existed says "not ready" instead of failing.
  const core = (await importer()) as unknown as { export_room?: ExportRoom };
  return core.export_room ?? null;
}

/** Builds the file for `format`, or null when the room is not readable here. */
async function build(roomId: string, range: { from: number; to: number }, format: ExportFormat): Promise<string | null> {
  const room = rooms().find((r) => r.roomId === roomId);
  const exportRoom = await exporter();
  if (room === undefined || exportRoom === null) return null;
  const channels: ExportChannel[] = [];
  let members: ReturnType<ReturnType<typeof openChannel>['members']> = [];
  for (const channel of room.channels) {
    const handle = openChannel(roomId, channel);
    if (!handle.joined()) continue;
    members = handle.members();
    // Read positions are a courtesy: the export is whole without them (offline).
    const reads = await handle.reads().catch(() => []);
    channels.push({ channel, posts: handle.events(), reads });
    handle.close();
  }
  if (channels.length === 0) return null;
  const input = exportInput({ roomId, name: room.name }, range, members, channels, myUserId(), Date.now());
  return exportRoom(JSON.stringify(input), format);
}

/** `POST /rooms/{id}/exports`: the fact of the export (format, period), never its content. */
async function recordExport(roomId: string, range: { from: number; to: number }, format: ExportFormat): Promise<void> {
  await http.json<unknown>('POST', `/rooms/${encodeURIComponent(roomId)}/exports`, {
    format,
    from: range.from,
    to: range.to + 1,
  });
}

function save(text: string, name: string, mime: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** The three export buttons for `roomId` over `range` (both days included). */
export function exportControls(roomId: string, range: { from: number; to: number }): HTMLElement {
  const m = exportText();
  const box = document.createElement('section');
  box.className = 'export-controls';
  box.setAttribute('aria-label', m.label);
  const status = document.createElement('p');
  status.setAttribute('role', 'status');
  const hint = document.createElement('p');
  hint.className = 'hint';
  hint.textContent = m.hint;
  const buttons: HTMLButtonElement[] = [];
  const formats: [ExportFormat, string][] = [['json', m.json], ['csv', m.csv], ['fhir', m.fhir]];
  for (const [format, label] of formats) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.dataset.format = format;
    button.addEventListener('click', () => {
      buttons.forEach((b) => (b.disabled = true));
      status.textContent = m.working;
      void build(roomId, range, format)
        .then(async (text) => {
          if (text === null) {
            status.textContent = m.notReady;
            return;
          }
          const name = fileName(roomId, range, format);
          // The access record first, as `kizuna export` does: an export the server
          // was not told of is not saved.
          await recordExport(roomId, range, format);
          save(text, name, mimeOf(format));
          status.textContent = m.done(name);
        })
        .catch((error: unknown) => {
          if (error instanceof ApiError) {
            status.textContent = lang() === 'en' ? error.messageEn : error.messageJa;
            return;
          }
          const e = coreError(error);
          status.textContent = lang() === 'en' ? e.en : e.ja;
        })
        .finally(() => buttons.forEach((b) => (b.disabled = false)));
    });
    buttons.push(button);
  }
  box.append(...buttons, hint, status);
  return box;
}
