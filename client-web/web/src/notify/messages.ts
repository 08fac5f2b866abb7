// Words of the notification settings screen and of a room's escalation setting.

import { lang } from '../i18n';
import type { EmailChoice, PushChoice, SettingsProblem } from './settings';
import type { PushProblem } from './push';

function minutesJa(minutes: number): string {
  if (minutes % 60 === 0) return `${minutes / 60}時間`;
  return `${minutes}分`;
}

function minutesEn(minutes: number): string {
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

const ja = {
  title: '通知の設定',
  homeLink: '通知の設定（この端末・メール・夜間）',
  backHome: 'ホームに戻る',
  loading: '設定を読み込んでいます…',
  privacyHeading: '通知に書かれること',
  privacy:
    '通知には、ご利用者やメンバーの名前、投稿の内容は一切書かれません。届くのは「Kizuna: 新しい至急の投稿があります」のような決まった文だけです。内容はアプリを開いて確かめてください。',

  pushHeading: 'この端末への通知（プッシュ通知）',
  pushOn: 'この端末は通知を受け取ります。',
  pushOff: 'この端末はまだ通知を受け取りません。',
  pushEnable: 'この端末で通知を受け取る',
  pushEnableHint: 'ボタンを押すと、ブラウザが通知の許可を求めます。「許可」を選んでください。',
  pushDisable: 'この端末への通知を止める',
  pushWorking: '処理しています…',
  pushEnabled: 'この端末で通知を受け取れるようになりました。',
  pushDisabled: 'この端末への通知を止めました。',
  pushChoiceLegend: '通知する投稿',
  pushChoiceHint: 'あなたが通知を受け取るすべての端末に使われます。',
  pushChoices: {
    off: '通知しない',
    urgent: '至急の投稿だけ',
    all: 'すべての新しい投稿',
  } as Record<PushChoice, string>,
  pushProblems: {
    unsupported:
      'このブラウザでは通知を受け取れません。スマートフォンではホーム画面に追加したアプリから、パソコンでは最新の Chrome・Edge・Firefox・Safari で開いてください。メールでの通知は下で設定できます。',
    denied:
      '通知が許可されていません。ブラウザのサイト設定で、このサイトの「通知」を「許可」にしてから、もう一度ボタンを押してください。',
    subscribe_failed:
      'このブラウザは通知の登録ができませんでした（ブラウザの通知サービスにつながらないか、シークレット／プライベートウィンドウで開いています）。通常のウィンドウで開き、インターネット接続を確かめて、もう一度お試しください。続く場合は別のブラウザを使うか、メールでの通知を選んでください。',
    not_allowed:
      'このブラウザの通知サービスには、この事業所のサーバーから送れません。別のブラウザ（Chrome・Edge・Firefox・Safari）を使うか、メールでの通知を選んでください。',
  } as Record<PushProblem, string>,

  emailHeading: 'メールでの通知',
  emailUnavailable:
    'このサーバーでは、メールでの通知を使えません（運用担当者がメールの送信を設定していません）。必要なときは事業所の管理者に相談してください。',
  emailChoiceLegend: 'メールを送るとき',
  emailChoices: {
    off: 'メールを送らない',
    urgent: '至急の投稿だけ、すぐに送る',
    digest: 'まとめて送る（至急の投稿はすぐに送る）',
  } as Record<EmailChoice, string>,
  emailAddress: 'メールアドレス',
  emailAddressHint: 'メールにも、名前や投稿の内容は書かれません。',
  digestLabel: 'まとめて送る間隔',
  digestEvery: (minutes: number) => `${minutesJa(minutes)}ごと`,

  quietHeading: '通知しない時間帯',
  quietUse: '夜間など、通知しない時間帯を決める',
  quietHint: 'この時間帯は通知もメールも送りません。まとめて送るものは、時間帯が終わってから届きます。',
  quietStart: '開始',
  quietEnd: '終了',
  urgentInQuiet: '至急は夜間も通知する',
  urgentInQuietHint: 'チェックすると、至急の投稿だけは通知しない時間帯でもすぐに届きます。',

  save: '保存する',
  saving: '保存しています…',
  saved: '通知の設定を保存しました。',
  problems: {
    email_address_missing: 'メールで通知を受け取るには、メールアドレスを入力してください。',
    email_address_invalid: 'メールアドレスの形が正しくありません（例: name@example.jp）。確かめて入力し直してください。',
    digest_range: 'まとめて送る間隔は、15分から24時間の間で選んでください。',
    quiet_hours_invalid: '通知しない時間帯の開始と終了を「22:00」のように入力してください。',
    quiet_hours_same: '通知しない時間帯の開始と終了が同じです。別の時刻にしてください。',
  } as Record<SettingsProblem, string>,

  escalationHeading: '至急の投稿の再通知',
  escalationExplain:
    '至急の投稿を読んでいない人がいるまま時間が過ぎると、その人たちにもう一度通知し、書いた人には何人が読んでいないかを知らせます。通知には名前や内容は書かれません。',
  escalationLabel: '再通知までの時間',
  escalationOff: '再通知しない',
  escalationAfter: (minutes: number) => `${minutesJa(minutes)}後`,
  escalationCurrent: (text: string) => `現在の設定: ${text}`,
  escalationReadOnly: '再通知の時間は、このルームのオーナーか招待担当の方が変えられます。',
  escalationSaved: '再通知の時間を保存しました。',
};

type M = typeof ja;

const en: M = {
  title: 'Notification settings',
  homeLink: 'Notification settings (this device, e-mail, quiet hours)',
  backHome: 'Back to home',
  loading: 'Loading your settings…',
  privacyHeading: 'What notifications say',
  privacy:
    'Notifications never contain the name of a client or a member, or any text of a post. They only say a fixed sentence such as “Kizuna: There is a new urgent post”. Open the app to read what it is.',

  pushHeading: 'Notifications on this device (push)',
  pushOn: 'This device receives notifications.',
  pushOff: 'This device does not receive notifications yet.',
  pushEnable: 'Receive notifications on this device',
  pushEnableHint: 'The browser then asks whether to allow notifications: choose “Allow”.',
  pushDisable: 'Stop notifications on this device',
  pushWorking: 'Working…',
  pushEnabled: 'This device now receives notifications.',
  pushDisabled: 'Notifications on this device are stopped.',
  pushChoiceLegend: 'Notify me of',
  pushChoiceHint: 'Applies to every device on which you receive notifications.',
  pushChoices: {
    off: 'Nothing',
    urgent: 'Urgent posts only',
    all: 'Every new post',
  },
  pushProblems: {
    unsupported:
      'This browser cannot receive notifications. On a phone, open Kizuna from the app added to the home screen; on a computer, use a current Chrome, Edge, Firefox or Safari. You can still choose e-mail below.',
    denied:
      'Notifications are blocked. Allow “Notifications” for this site in the browser’s site settings, then press the button again.',
    subscribe_failed:
      'This browser could not register for notifications (it could not reach its notification service, or this is a private/incognito window). Open Kizuna in a normal window, check the internet connection and try again. If it keeps failing, use another browser or choose e-mail below.',
    not_allowed:
      'This server does not send to this browser’s notification service. Use another browser (Chrome, Edge, Firefox or Safari) or choose e-mail below.',
  },

  emailHeading: 'E-mail notifications',
  emailUnavailable:
    'E-mail notifications are not available on this server (its operator has not set up sending e-mail). Ask your facility’s administrator if you need them.',
  emailChoiceLegend: 'Send an e-mail',
  emailChoices: {
    off: 'Never',
    urgent: 'For urgent posts only, at once',
    digest: 'As a digest (urgent posts at once)',
  },
  emailAddress: 'E-mail address',
  emailAddressHint: 'E-mails never contain names or the text of posts either.',
  digestLabel: 'Send the digest',
  digestEvery: (minutes: number) => `Every ${minutesEn(minutes)}`,

  quietHeading: 'Quiet hours',
  quietUse: 'Set quiet hours (at night, say)',
  quietHint: 'No notifications or e-mails in these hours. A digest arrives after they end.',
  quietStart: 'From',
  quietEnd: 'Until',
  urgentInQuiet: 'Notify urgent posts during quiet hours too',
  urgentInQuietHint: 'When ticked, urgent posts still arrive at once during quiet hours.',

  save: 'Save',
  saving: 'Saving…',
  saved: 'Your notification settings are saved.',
  problems: {
    email_address_missing: 'Enter your e-mail address to receive e-mails.',
    email_address_invalid: 'This does not look like an e-mail address (e.g. name@example.com). Check it and type it again.',
    digest_range: 'Choose a digest interval between 15 minutes and 24 hours.',
    quiet_hours_invalid: 'Enter the start and end of the quiet hours as, e.g., 22:00.',
    quiet_hours_same: 'The quiet hours start and end at the same time. Choose two different times.',
  },

  escalationHeading: 'Notify again about unread urgent posts',
  escalationExplain:
    'When some of the team have not read an urgent post after this time, they are notified again, and its author is told how many have not read it. Notifications contain no names or text.',
  escalationLabel: 'Notify again after',
  escalationOff: 'Do not notify again',
  escalationAfter: (minutes: number) => minutesEn(minutes),
  escalationCurrent: (text: string) => `Currently: ${text}`,
  escalationReadOnly: 'The room’s owner or a delegate can change this time.',
  escalationSaved: 'The time for notifying again is saved.',
};

export const notifyText = (): M => (lang() === 'ja' ? ja : en);
