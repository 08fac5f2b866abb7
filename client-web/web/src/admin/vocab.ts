// Names of the server's vocabularies (organisation kinds, roles, verification
// methods) in Japanese and English.

import { lang } from '../i18n';
import { roleWords } from '../members/role-names';
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
/** The organisation kinds of the server's vocabulary, in its order. */
export const ORG_KINDS = Object.keys(kindsJa);
/** The organisation roles of the server's vocabulary, in its order. */
export const ORG_ROLES = ['officer', 'facility_admin', 'doctor', 'nurse', 'helper', 'care_manager', 'therapist', 'pharmacist', 'other_professional'];

export const kindName = (kind: string): string =>
  (lang() === 'ja' ? kindsJa : kindsEn)[kind] ?? (lang() === 'ja' ? 'その他の団体' : 'Other organisation');
/** A facility or room role in words (members/role-names.ts, the one map). */
export const roleName = (role: string): string => roleWords(role, lang());
export const methodName = (method: string): string =>
  (adminText().methods as Record<string, string>)[method] ?? adminText().methods.other;
