// Japanese first, English too. The language follows the browser (English only
// when the browser prefers English) until the person picks one with the switch;
// that choice is remembered on this device.

export type Lang = 'ja' | 'en';

const STORAGE_KEY = 'kizuna.lang';

const ja = {
  appName: '絆 Kizuna',
  switchTo: 'English',
  switchToLabel: 'Switch the language to English',
  loading: '読み込み中…',
  skipToMain: '本文へ移動',

  inviteTitle: '招待リンクから登録',
  inviteChecking: 'リンクを確認しています…',
  inviteKindBootstrap: '最初の管理者として登録します。',
  inviteKindStaff: '事業所のスタッフとして登録します。',
  inviteKindRoom: 'ケアチームのメンバーとして登録します。',
  inviteKindRecovery: 'パスワードとパスキーを登録し直します。',
  inviteFor: (name: string) => `${name} さんへの招待です。`,
  inviteRole: (role: string) => `役割: ${role}`,
  inviteExpires: (when: string) => `有効期限: ${when}`,
  inviteSteps: '手順は2つです。1. パスワードを決める 2. パスキー（またはセキュリティキー）を登録する',
  stepOf: (n: number, total: number) => `手順 ${n} / ${total}`,

  loginId: 'ログインID',
  loginIdHint:
    'サインインのときに使う名前です。半角の英小文字・数字と . _ - @ で3〜64文字（例: hanako.kango）。お名前から作った案が入ることがあります（変えてもかまいません）。',
  displayName: 'お名前（チームに表示されます）',
  password: 'パスワード',
  passwordHint:
    '8文字以上で、英字・数字・記号をすべて含めてください。名前・ログインID・生年月日・辞書にある単語は使えません。',
  passwordConfirm: 'パスワード（確認のためもう一度）',
  passwordMismatch: '2つのパスワードが一致しません。同じものを入力してください。',
  required: (field: string) => `${field}を入力してください。`,
  showPassword: 'パスワードを表示',
  next: '次へ',

  passkeyTitle: 'パスキーを登録',
  passkeyExplain:
    'この端末のパスキー（指紋・顔・PIN）またはセキュリティキーを登録します。サインインには、パスワードとこのパスキーの両方が必要です。',
  credentialName: 'この端末の名前（例: 事業所のPC、私のスマホ）',
  registerPasskey: 'パスキーを登録する',
  back: '戻る',
  working: '処理しています…',
  passkeyCancelled:
    'パスキーの操作がキャンセルされたか、時間切れになりました。もう一度ボタンを押して、画面の案内に従ってください。',
  passkeyUnsupported:
    'このブラウザはパスキーに対応していません。最新の Chrome、Edge、Safari で開き直してください。',
  passkeyExists: 'このパスキーは既に登録されています。別の端末かセキュリティキーを使ってください。',
  passkeyFailed: (detail: string) =>
    `パスキーを使えませんでした（${detail}）。もう一度お試しください。続く場合は管理者に連絡してください。`,

  signInTitle: 'サインイン',
  signInExplain: 'ログインIDとパスワードを入力し、登録したパスキーまたはセキュリティキーを使ってください。',
  signIn: 'サインイン',
  usePasskeyAgain: 'パスキーをもう一度使う',
  signInPasskeyCancelled:
    'パスキーが使われませんでした（キャンセル・時間切れ、またはこの端末にこのログインIDのパスキーがありません）。ログインIDを確かめて、もう一度お試しください。',
  haveInvite: '招待リンクを受け取った方は、そのリンクを開いてください。',

  homeTitle: 'ホーム',
  welcome: (name: string) => `${name} さん、サインインしています。`,
  signedInAs: (login: string) => `ログインID: ${login}`,
  signOut: 'サインアウト',
  adminLink: '事業所の管理（スタッフ・招待・リセット）',
  signedOut: 'サインアウトしました。',
  vaultPrf: 'この端末に保存するデータは、パスキーから作った鍵で暗号化されます。',
  vaultDevice: 'この端末に保存するデータは、このブラウザだけが使える鍵で暗号化されます。',
  vaultLocked: 'この端末のデータは鍵がかかっています。パスキーを使って開いてください。',
  unlock: 'パスキーで開く',
  coreReady: '投稿や写真は、この端末で暗号化してから送られます。',
  coreMissing: 'このページでは暗号化の準備ができていないため、投稿を読み書きできません。ページを再読み込みしてください。',
  coreFailed: '暗号化の準備ができませんでした。ページを再読み込みしてください。続く場合は管理者に連絡してください。',

  networkError: 'サーバーに接続できません。通信状態を確認して、もう一度お試しください。',
  unexpected: '予期しない応答がありました。ページを再読み込みしてもう一度お試しください。',
  notFoundTitle: 'ページが見つかりません',
  goSignIn: 'サインイン画面へ',
};

export type Messages = typeof ja;

const en: Messages = {
  appName: 'Kizuna 絆',
  switchTo: '日本語',
  switchToLabel: '表示を日本語に切り替える',
  loading: 'Loading…',
  skipToMain: 'Skip to main content',

  inviteTitle: 'Join with your invitation',
  inviteChecking: 'Checking the link…',
  inviteKindBootstrap: 'You are registering as the first administrator.',
  inviteKindStaff: 'You are registering as staff of a facility.',
  inviteKindRoom: 'You are registering as a member of a care team.',
  inviteKindRecovery: 'You are setting a new password and passkey.',
  inviteFor: (name: string) => `This invitation is for ${name}.`,
  inviteRole: (role: string) => `Role: ${role}`,
  inviteExpires: (when: string) => `Valid until: ${when}`,
  inviteSteps: 'Two steps: 1. choose a password 2. register a passkey (or security key)',
  stepOf: (n: number, total: number) => `Step ${n} of ${total}`,

  loginId: 'Login ID',
  loginIdHint:
    'The name you sign in with: 3 to 64 characters of a-z, digits and . _ - @ (e.g. hanako.kango). A suggestion made from your name may be filled in; change it if you like.',
  displayName: 'Your name (shown to your team)',
  password: 'Password',
  passwordHint:
    'At least 8 characters with letters, digits and symbols. Not your name, login ID, birth date or a dictionary word.',
  passwordConfirm: 'Password again (to confirm)',
  passwordMismatch: 'The two passwords differ. Type the same password twice.',
  required: (field: string) => `Fill in: ${field}.`,
  showPassword: 'Show password',
  next: 'Next',

  passkeyTitle: 'Register a passkey',
  passkeyExplain:
    'Register this device’s passkey (fingerprint, face or PIN) or a security key. Signing in takes both your password and this passkey.',
  credentialName: 'A name for this device (e.g. office PC, my phone)',
  registerPasskey: 'Register passkey',
  back: 'Back',
  working: 'Working…',
  passkeyCancelled:
    'The passkey step was cancelled or timed out. Press the button again and follow the prompts on screen.',
  passkeyUnsupported:
    'This browser does not support passkeys. Open the link in a current Chrome, Edge or Safari.',
  passkeyExists: 'This passkey is already registered. Use another device or security key.',
  passkeyFailed: (detail: string) =>
    `The passkey could not be used (${detail}). Try again; if it keeps happening, tell your administrator.`,

  signInTitle: 'Sign in',
  signInExplain: 'Enter your login ID and password, then use your registered passkey or security key.',
  signIn: 'Sign in',
  usePasskeyAgain: 'Use the passkey again',
  signInPasskeyCancelled:
    'No passkey was used (cancelled, timed out, or this device has no passkey for this login ID). Check the login ID and try again.',
  haveInvite: 'Got an invitation link? Open that link to register.',

  homeTitle: 'Home',
  welcome: (name: string) => `${name}, you are signed in.`,
  signedInAs: (login: string) => `Login ID: ${login}`,
  signOut: 'Sign out',
  adminLink: 'Administration (staff, invitations, resets)',
  signedOut: 'You have signed out.',
  vaultPrf: 'What this device stores is encrypted with a key made from your passkey.',
  vaultDevice: 'What this device stores is encrypted with a key only this browser can use.',
  vaultLocked: 'This device’s data is locked. Use your passkey to open it.',
  unlock: 'Open with passkey',
  coreReady: 'Posts and photos are encrypted on this device before they are sent.',
  coreMissing: 'Encryption is not ready on this page, so posts cannot be read or written. Reload the page.',
  coreFailed: 'Encryption could not be started. Reload the page; if it keeps happening, tell your administrator.',

  networkError: 'Cannot reach the server. Check the connection and try again.',
  unexpected: 'The server gave an unexpected answer. Reload the page and try again.',
  notFoundTitle: 'Page not found',
  goSignIn: 'Go to sign-in',
};

const catalogues: Record<Lang, Messages> = { ja, en };

function initialLang(): Lang {
  const saved = safeStorageGet(STORAGE_KEY);
  if (saved === 'ja' || saved === 'en') return saved;
  const preferred = (navigator.languages[0] ?? navigator.language).toLowerCase();
  return preferred.startsWith('en') ? 'en' : 'ja';
}

function safeStorageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

let current: Lang = initialLang();

/** The language in force. */
export function lang(): Lang {
  return current;
}

/** The messages of the language in force. */
export function t(): Messages {
  return catalogues[current];
}

/** One message in both languages (for errors that carry both, like the server's). */
export function inBoth<K extends keyof Messages>(key: K): { en: Messages[K]; ja: Messages[K] } {
  return { en: en[key], ja: ja[key] };
}

/** Switches the language, remembers it on this device and updates `<html lang>`. */
export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Private mode without storage: the switch still works for this visit.
  }
  document.documentElement.lang = next;
}

/** A server timestamp (milliseconds since the epoch) as people here write it. */
export function formatTime(millis: number): string {
  const date = new Date(millis);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(current === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
  }).format(date);
}

document.documentElement.lang = current;
