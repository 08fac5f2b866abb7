// Words of a person's devices in the administration screens (devices.ts), Japanese
// first, English too.

import { lang } from '../i18n';

const ja = {
  title: '端末',
  explain: 'この人がサインインに使っている端末（スマートフォン、パソコンのブラウザなど）です。古い順に並んでいます。',
  none: '登録されている端末はありません。この人が初めてサインインすると、ここに表示されます。',
  unnamed: '名前のない端末',
  registered: (when: string) => `登録: ${when}`,
  live: '使用中',
  revoked: (when: string) => `停止済み（${when}）`,
  count: (live: number, revoked: number) => (revoked === 0 ? `端末 ${live}台` : `端末 ${live}台（停止済み ${revoked}台）`),
  revoke: 'この端末を停止',
  revokeLabel: (device: string, when: string) => `この端末を停止: ${device}（登録: ${when}）`,
  selfNote: 'あなた自身の端末は、その端末の設定から管理してください。',
  confirmTitle: (device: string, person: string) => `${person} さんの「${device}」を停止しますか？`,
  confirmText:
    '紛失・盗難・使わなくなった端末を停止します。その端末ではすぐにサインアウトされ、以後の投稿は届きません。本人は別の端末で引き続き使えます。停止は取り消せません。同じ端末をまた使うときは、本人がもう一度サインインすると新しい端末として登録されます。',
  confirmYes: '停止する',
  cancel: 'やめる',
  done: (device: string, person: string) =>
    `${person} さんの「${device}」を停止しました。その端末はサインアウトされ、以後の投稿は届きません。`,
  failed: (why: string) => `端末を停止できませんでした。${why} 一覧は最新の状態にしたので、端末の状態を確かめてください。`,
};

export type DeviceMessages = typeof ja;

const en: DeviceMessages = {
  title: 'Devices',
  explain: 'The devices this person signs in with (phones, computer browsers and so on), oldest first.',
  none: 'No devices registered. One appears here when this person first signs in.',
  unnamed: 'Unnamed device',
  registered: (when: string) => `Registered ${when}`,
  live: 'In use',
  revoked: (when: string) => `Revoked ${when}`,
  count: (live: number, revoked: number) => {
    const devices = `${live} ${live === 1 ? 'device' : 'devices'}`;
    return revoked === 0 ? devices : `${devices} (${revoked} revoked)`;
  },
  revoke: 'Revoke this device',
  revokeLabel: (device: string, when: string) => `Revoke this device: ${device} (registered ${when})`,
  selfNote: 'Manage your own devices from the device itself.',
  confirmTitle: (device: string, person: string) => `Revoke ${person}’s “${device}”?`,
  confirmText:
    'This is for a device that was lost, stolen or is no longer used. It is signed out at once and receives nothing posted from now on. The person can go on using their other devices. This cannot be undone; if they use the same device again, signing in there registers it as a new device.',
  confirmYes: 'Revoke',
  cancel: 'Cancel',
  done: (device: string, person: string) =>
    `${person}’s “${device}” is revoked. It is signed out and receives nothing posted from now on.`,
  failed: (why: string) => `The device could not be revoked. ${why} The list is now up to date: check the device’s state there.`,
};

export const deviceText = (): DeviceMessages => (lang() === 'ja' ? ja : en);
