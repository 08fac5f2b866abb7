// Words of the installable-app parts: connection state and the new-version prompt.

import { lang } from '../i18n';

const ja = {
  offline: 'オフラインです',
  offlineDetail: 'この端末に保存した内容を表示しています。書いた投稿は送信待ちになり、接続が戻ると送られます。',
  backOnline: 'オンラインに戻りました。',
  updateReady: '新しい版があります。',
  updateDetail: '再読み込みすると切り替わります。書きかけの内容があれば、先に送信してください。',
  reload: '再読み込み',
};

type M = typeof ja;

const en: M = {
  offline: 'You are offline',
  offlineDetail: 'Showing what this device has stored. Posts you write wait and are sent when the connection returns.',
  backOnline: 'Back online.',
  updateReady: 'A new version is available.',
  updateDetail: 'Reload to switch to it. Send anything you are writing first.',
  reload: 'Reload',
};

export const pwaText = (): M => (lang() === 'ja' ? ja : en);
