// The export buttons' words, Japanese first and English too.

import { lang } from '../i18n';

const ja = {
  label: 'データの書き出し',
  json: 'JSONで書き出す',
  csv: 'バイタルをCSVで',
  fhir: 'FHIR (R4)',
  hint: '記録はこの端末で復号して書き出します。内容がサーバーに送られることはありません。写真はファイル名で参照されます。',
  working: '書き出しています…',
  done: (name: string) => `${name} を保存しました。`,
  notReady: 'この端末では記録をまだ読めません。ルームを開いて同期してからもう一度お試しください。',
};

const en: typeof ja = {
  label: 'Export the data',
  json: 'Export as JSON',
  csv: 'Vitals as CSV',
  fhir: 'FHIR (R4)',
  hint: 'The record is decrypted and written on this device; its content is never sent to the server. Photos are referred to by file name.',
  working: 'Exporting…',
  done: (name: string) => `Saved ${name}.`,
  notReady: 'This device cannot read the record yet. Open the room, let it sync, and try again.',
};

export function exportText(): typeof ja {
  return lang() === 'en' ? en : ja;
}
