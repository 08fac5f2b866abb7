// Words of the invitation screen for someone already signed in: joining a care team
// with the account they have, and a link that can no longer be used.

import { lang } from '../i18n';

const ja = {
  joinTitle: 'ケアチームへの招待',
  joinLead: 'ケアチームへの招待です。',
  joinLeadFrom: (inviter: string) => `${inviter} さんからのケアチームへの招待です。`,
  joinRole: (role: string) => `役割: ${role}`,
  joinAs: (name: string, login: string) => `${name} さん（ログインID: ${login}）のアカウントで参加します。`,
  joinNotYou: (invitee: string) => `この招待は ${invitee} さんあてです。ご本人でない場合は「参加しない」を押し、招待した方に知らせてください。`,
  join: '参加する',
  decline: '参加しない',
  joining: '参加しています…',
  goneTitle: 'この招待リンクは使えません',
  goneRooms: 'あなたが参加しているルームは、ホームの一覧から開けます。',
  alreadyMember: 'あなたはすでにこのケアチームのメンバーです。ホームのルーム一覧から開いてください。',
  goHome: 'ホームへ',
};

type M = typeof ja;

const en: M = {
  joinTitle: 'Invitation to a care team',
  joinLead: 'You are invited to a care team.',
  joinLeadFrom: (inviter: string) => `${inviter} invites you to a care team.`,
  joinRole: (role: string) => `Role: ${role}`,
  joinAs: (name: string, login: string) => `You join with the account of ${name} (login ID: ${login}).`,
  joinNotYou: (invitee: string) =>
    `This invitation is for ${invitee}. If that is not you, press “Do not join” and tell the person who invited you.`,
  join: 'Join',
  decline: 'Do not join',
  joining: 'Joining…',
  goneTitle: 'This invitation link cannot be used',
  goneRooms: 'The rooms you are in open from the list on the home screen.',
  alreadyMember: 'You are already a member of this care team. Open the room from the list on the home screen.',
  goHome: 'Go to home',
};

export const inviteText = (): M => (lang() === 'ja' ? ja : en);
