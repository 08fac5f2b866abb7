// Words of the room-members screen: the list, inviting by link and QR, removing.

import { lang } from '../i18n';
import { roleWords } from './role-names';

const ja = {
  title: 'メンバー',
  titleOf: (room: string) => `${room} のメンバー`,
  loading: 'メンバーを読み込んでいます…',
  backToRoom: 'ルームに戻る',
  backToRooms: 'ルーム一覧へ',
  listHeading: (n: number) => `メンバー（${n}人）`,
  you: '（あなた）',
  roleLabel: '役割',
  channelsLabel: '見られるチャンネル',
  devicesLabel: '使用中の端末',
  devices: (n: number) => (n === 0 ? 'なし（まだ登録されていません）' : `${n}台`),
  channelTeam: 'チーム',
  channelFamily: '家族',
  /** A room role in words (role-names.ts, the one map). */
  role: (role: string) => roleWords(role, 'ja'),
  viewOnly: 'メンバーの招待や削除は、このルームのオーナーか招待担当の方が行います。',

  inviteHeading: 'メンバーを招待',
  inviteExplain: '招待リンクとQRコードを作ります。受け取った方はパスワードとパスキーを登録して参加します。',
  inviteeName: '招待する方のお名前',
  inviteeNameHint: 'チームに表示される名前です（例: 山田 太郎（長男））。',
  roleQuestion: 'ルームでの役割',
  roleHints: {
    professional: '医師・看護師・ヘルパー・ケアマネジャーなど。チームと家族の両方のチャンネルを見られます。',
    delegate: '専門職で、ほかの人の招待と削除もできます。',
    family: 'ご家族。家族チャンネルだけを、参加した時点から見られます。',
    volunteer: '民生委員など。家族チャンネルだけを、参加した時点から見られます。',
  } as Record<string, string>,
  createLink: '招待リンクを作る',
  creating: '作成しています…',
  nameMissing: 'お名前を入力してください。',
  linkReady: (name: string) => `${name} さんへの招待リンクができました`,
  linkExplain: 'このリンクかQRコードを、本人にだけ渡してください。リンクは1回だけ使えます。',
  linkLabel: '招待リンク',
  copy: 'リンクをコピー',
  copied: 'リンクをコピーしました。',
  copyFailed: 'コピーできませんでした。リンクの欄を長押し（または選択）してコピーしてください。',
  expires: (when: string) => `有効期限: ${when}`,
  qrLabel: (name: string) => `${name} さんへの招待リンクのQRコード`,
  qrHint: '相手のスマートフォンのカメラでこのQRコードを読み取ってもらうこともできます。',
  inviteAnother: '別の方を招待する',

  remove: (name: string) => `${name} さんを外す`,
  confirmTitle: (name: string) => `${name} さんをこのルームから外しますか？`,
  confirmExplain:
    '外すとすぐに、この方はルームの投稿を見ることも書くこともできなくなります。これからの投稿は新しい鍵で暗号化されます。もう一度参加するには、新しい招待が必要です。',
  confirmRemove: '外す',
  cancel: 'やめる',
  removing: '外しています…',
  removed: (name: string) => `${name} さんをこのルームから外しました。`,
};

type M = typeof ja;

const en: M = {
  title: 'Members',
  titleOf: (room: string) => `Members of ${room}`,
  loading: 'Loading the members…',
  backToRoom: 'Back to the room',
  backToRooms: 'All rooms',
  listHeading: (n: number) => `Members (${n})`,
  you: ' (you)',
  roleLabel: 'Role',
  channelsLabel: 'Channels',
  devicesLabel: 'Devices in use',
  devices: (n: number) => (n === 0 ? 'none (not registered yet)' : n === 1 ? '1 device' : `${n} devices`),
  channelTeam: 'Team',
  channelFamily: 'Family',
  role: (role: string) => roleWords(role, 'en'),
  viewOnly: 'The room’s owner or a member who invites adds and removes members.',

  inviteHeading: 'Invite someone',
  inviteExplain: 'This makes an invitation link and QR code. The person registers a password and a passkey to join.',
  inviteeName: 'Name of the person you invite',
  inviteeNameHint: 'Shown to the team (e.g. Taro Yamada (eldest son)).',
  roleQuestion: 'Role in the room',
  roleHints: {
    professional: 'Doctor, nurse, helper, care manager… Sees both the team and the family channel.',
    delegate: 'A professional who may also invite and remove others.',
    family: 'Family. Sees only the family channel, from when they join.',
    volunteer: 'Welfare volunteer (民生委員). Sees only the family channel, from when they join.',
  } as Record<string, string>,
  createLink: 'Create invitation link',
  creating: 'Creating…',
  nameMissing: 'Enter the person’s name.',
  linkReady: (name: string) => `Invitation link for ${name}`,
  linkExplain: 'Give this link or QR code to this person only. The link works once.',
  linkLabel: 'Invitation link',
  copy: 'Copy link',
  copied: 'Link copied.',
  copyFailed: 'Could not copy. Select the link (or long-press it) and copy it yourself.',
  expires: (when: string) => `Valid until: ${when}`,
  qrLabel: (name: string) => `QR code of the invitation link for ${name}`,
  qrHint: 'The person can also scan this QR code with their phone’s camera.',
  inviteAnother: 'Invite someone else',

  remove: (name: string) => `Remove ${name}`,
  confirmTitle: (name: string) => `Remove ${name} from this room?`,
  confirmExplain:
    'They lose access at once: they can no longer read or post in this room. Posts from now on use a new key. To come back they need a new invitation.',
  confirmRemove: 'Remove',
  cancel: 'Cancel',
  removing: 'Removing…',
  removed: (name: string) => `${name} was removed from this room.`,
};

export const membersText = (): M => (lang() === 'ja' ? ja : en);
