// Names of the server's vocabularies (organisation kinds, roles, verification
// methods) in Japanese and English.

import { lang } from '../i18n';
import { adminText } from './messages';

const kindsJa: Record<string, string> = {
  clinic: '診療所・病院',
  nursing_station: '訪問看護ステーション',
  helper_office: '訪問介護事業所',
  care_management_office: '居宅介護支援事業所',
  pharmacy: '薬局',
  association: '医師会などの地域団体',
  city: '市区町村',
};
const kindsEn: Record<string, string> = {
  clinic: 'Clinic or hospital',
  nursing_station: 'Visiting-nurse station',
  helper_office: 'Home-help office',
  care_management_office: 'Care-management office',
  pharmacy: 'Pharmacy',
  association: 'Medical association or regional body',
  city: 'City or town',
};
const rolesJa: Record<string, string> = {
  officer: '担当官（地域団体・市区町村）',
  facility_admin: '事業所の管理者',
  doctor: '医師',
  nurse: '看護師',
  helper: 'ヘルパー',
  care_manager: 'ケアマネジャー',
  therapist: '療法士（PT・OT・ST）',
  pharmacist: '薬剤師',
  other_professional: 'その他の専門職',
  owner: '部屋の責任者',
  delegate: '部屋の招待担当',
  professional: '専門職（部屋）',
  family: '家族',
  volunteer: '民生委員',
};
const rolesEn: Record<string, string> = {
  officer: 'Officer (association or city)',
  facility_admin: 'Facility administrator',
  doctor: 'Doctor',
  nurse: 'Nurse',
  helper: 'Home helper',
  care_manager: 'Care manager',
  therapist: 'Therapist (PT, OT, ST)',
  pharmacist: 'Pharmacist',
  other_professional: 'Other professional',
  owner: 'Room owner',
  delegate: 'Room delegate',
  professional: 'Professional (room)',
  family: 'Family',
  volunteer: 'Welfare volunteer',
};

/** The organisation kinds of the server's vocabulary, in its order. */
export const ORG_KINDS = Object.keys(kindsJa);
/** The organisation roles of the server's vocabulary, in its order. */
export const ORG_ROLES = ['officer', 'facility_admin', 'doctor', 'nurse', 'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional'];

export const kindName = (kind: string): string => (lang() === 'ja' ? kindsJa : kindsEn)[kind] ?? kind;
export const roleName = (role: string): string => (lang() === 'ja' ? rolesJa : rolesEn)[role] ?? role;
export const methodName = (method: string): string =>
  (adminText().methods as Record<string, string>)[method] ?? method;
