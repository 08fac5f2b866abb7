// The one place roles are put into words, Japanese and English: the roles people hold
// in a facility (OrgRole) and in one client's room (RoomRole), both generated from
// proto/src/roles.rs. Every screen that shows a role asks here, so no screen shows a
// code such as `doctor` or `professional`. Pure (the language is a parameter) so
// the unit tests can walk every value.

import type { OrgRole, RoomRole } from '../generated/types';

export type Language = 'ja' | 'en';

interface Words {
  ja: string;
  en: string;
}

/** Roles in a facility. `Record` over the generated union: a new role fails to compile here. */
export const ORG_ROLE_WORDS: Record<OrgRole, Words> = {
  officer: { ja: '担当官（地域団体・市区町村）', en: 'Officer (association or city)' },
  broadcast_officer: { ja: '広域連絡の担当官', en: 'Regional broadcast officer' },
  facility_admin: { ja: '事業所の管理者', en: 'Facility administrator' },
  doctor: { ja: '医師', en: 'Doctor' },
  nurse: { ja: '看護師', en: 'Nurse' },
  helper: { ja: 'ヘルパー', en: 'Home helper' },
  care_manager: { ja: 'ケアマネジャー', en: 'Care manager' },
  therapist: { ja: '療法士（PT・OT・ST）', en: 'Therapist (PT, OT, ST)' },
  pharmacist: { ja: '薬剤師', en: 'Pharmacist' },
  other_professional: { ja: 'その他の専門職', en: 'Other professional' },
};

/** Roles in one client's room. */
export const ROOM_ROLE_WORDS: Record<RoomRole, Words> = {
  owner: { ja: 'オーナー（ルームの作成者）', en: 'Owner (opened the room)' },
  delegate: { ja: '招待担当の専門職', en: 'Professional who invites' },
  professional: { ja: '専門職', en: 'Professional' },
  family: { ja: 'ご家族', en: 'Family' },
  volunteer: { ja: '民生委員・ボランティア', en: 'Welfare volunteer' },
};

/** What a room role may see, said to the person invited with it. */
export const ROOM_ROLE_SEES: Record<RoomRole, Words> = {
  owner: { ja: 'チームと家族の両方のチャンネルを見られます。', en: 'You will see both the team and the family channel.' },
  delegate: { ja: 'チームと家族の両方のチャンネルを見られ、ほかの人の招待もできます。', en: 'You will see both the team and the family channel, and may invite others.' },
  professional: { ja: 'チームと家族の両方のチャンネルを見られます。', en: 'You will see both the team and the family channel.' },
  family: { ja: '家族チャンネルを、参加した時点から見られます。', en: 'You will see the family channel, from when you join.' },
  volunteer: { ja: '家族チャンネルを、参加した時点から見られます。', en: 'You will see the family channel, from when you join.' },
};

/** A role the vocabulary does not know (a newer server): a word, never the code. */
const UNKNOWN: Words = { ja: 'その他の役割', en: 'Other role' };

function wordsOf(role: string): Words {
  if (Object.hasOwn(ORG_ROLE_WORDS, role)) return ORG_ROLE_WORDS[role as OrgRole];
  if (Object.hasOwn(ROOM_ROLE_WORDS, role)) return ROOM_ROLE_WORDS[role as RoomRole];
  return UNKNOWN;
}

/** A facility or room role in words. */
export function roleWords(role: string, language: Language): string {
  return wordsOf(role)[language];
}

/** Whether a room role sees only the family channel (family, volunteers). */
export function familyOnly(role: string): boolean {
  return role === 'family' || role === 'volunteer';
}

/** What a room role may see, in words (empty for a role that is not a room role). */
export function roleSees(role: string, language: Language): string {
  return Object.hasOwn(ROOM_ROLE_SEES, role) ? ROOM_ROLE_SEES[role as RoomRole][language] : '';
}
