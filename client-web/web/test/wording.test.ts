// Words instead of codes: every role of the generated vocabulary has Japanese and
// English words, a refused field is named in words (「ログインID」, not `login_id`),
// and the login ID suggested from a person's name.

import { describe, expect, it } from 'vitest';

import { refusal } from '../src/http/error';
import { ORG_ROLE_WORDS, ROOM_ROLE_WORDS, roleSees, roleWords } from '../src/members/role-names';
import { LOGIN_ID_RULE, romanizeKana, suggestLoginId } from '../src/views/invite-login-id';
import typesSource from '../src/generated/types.ts?raw';
import { WORDS } from './fakes';

/** The members of a string union in the generated types (`export type OrgRole = "a" | "b";`). */
function unionOf(name: string): string[] {
  const found = new RegExp(`export type ${name} = ([^;]+);`).exec(typesSource);
  if (found?.[1] === undefined) throw new Error(`${name} is not in the generated types`);
  return [...found[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1] ?? '');
}

const CODE = /^[a-z]+(_[a-z]+)*$/;

describe('role words', () => {
  for (const [union, table] of [['OrgRole', ORG_ROLE_WORDS], ['RoomRole', ROOM_ROLE_WORDS]] as const) {
    it(`has Japanese and English words for every ${union}`, () => {
      const values = unionOf(union);
      expect(values.length).toBeGreaterThan(3);
      expect(Object.keys(table).sort()).toEqual([...values].sort());
      for (const role of values) {
        const ja = roleWords(role, 'ja');
        const en = roleWords(role, 'en');
        expect(ja, role).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
        expect(en, role).toMatch(/^[A-Z]/);
        expect(ja).not.toContain(role);
        expect(en).not.toMatch(CODE);
      }
    });
  }

  it('says what each room role sees, and words an unknown role without its code', () => {
    for (const role of unionOf('RoomRole')) expect(roleSees(role, 'ja')).not.toBe('');
    expect(roleWords('doctor', 'ja')).toBe('医師');
    expect(roleWords('family', 'ja')).toBe('ご家族');
    expect(roleWords('professional', 'ja')).toBe('専門職');
    expect(roleWords('nurse', 'en')).toBe('Nurse');
    expect(roleWords('astronaut', 'ja')).toBe('その他の役割');
    expect(roleWords('astronaut', 'en')).toBe('Other role');
  });
});

describe('a refused field in words', () => {
  const body = (field: string, en: string, ja: string) =>
    JSON.stringify({ error: { code: 'invalid_input', message: `${field}: ${en}`, message_ja: `${field}: ${ja}` } });

  it('names the login ID field in words and keeps which field it was', () => {
    const error = refusal(422, body('login_id', 'use 3 to 64 characters', '半角英小文字…で3〜64文字にしてください'), WORDS.unexpected);
    expect(error.field).toBe('login_id');
    expect(error.messageJa).toBe('ログインID：半角英小文字…で3〜64文字にしてください');
    expect(error.messageEn).toBe('Login ID: use 3 to 64 characters');
    expect(error.localized('ja')).not.toContain('login_id');
  });

  it('leaves out a field nobody types, and leaves other refusals alone', () => {
    const sealed = refusal(422, body('sealed_state', 'not a sealed record', '封印された記録ではありません'), WORDS.unexpected);
    expect(sealed.field).toBe('sealed_state');
    expect(sealed.messageEn).toBe('not a sealed record');
    expect(sealed.messageJa).toBe('封印された記録ではありません');
    const taken = refusal(409, JSON.stringify({ error: { code: 'login_id_taken', message: 'Taken: choose another.', message_ja: '使われています。' } }), WORDS.unexpected);
    expect(taken.field).toBeNull();
    expect(taken.messageEn).toBe('Taken: choose another.');
  });
});

describe('a login ID suggested from the name', () => {
  it('romanises kana (Hepburn), hiragana and katakana alike', () => {
    expect(romanizeKana('はなこ')).toBe('hanako');
    expect(romanizeKana('シュウヘイ')).toBe('shuuhei');
    expect(romanizeKana('きょうこ')).toBe('kyouko');
    expect(romanizeKana('まっちゃ')).toBe('matcha');
    expect(romanizeKana('いっぺい')).toBe('ippei');
    expect(romanizeKana('ちひろ')).toBe('chihiro');
    expect(romanizeKana('じゅん')).toBe('jun');
    expect(romanizeKana('山田')).toBeNull();
  });

  it('joins the parts of a name with dots, lowercases Latin names, and gives up on kanji', () => {
    expect(suggestLoginId('かんご はなこ')).toBe('kango.hanako');
    expect(suggestLoginId('ヤマダ　タロウ')).toBe('yamada.tarou');
    expect(suggestLoginId('Émile Dupont')).toBe('emile.dupont');
    expect(suggestLoginId('Mary-Jane  O\'Neil')).toBe('mary-jane.oneil');
    expect(suggestLoginId('ｽｽﾞｷ ｲﾁﾛｳ')).toBe('suzuki.ichirou');
    expect(suggestLoginId('山田 太郎')).toBeNull();
    expect(suggestLoginId('山田 はなこ')).toBeNull();
    expect(suggestLoginId('')).toBeNull();
    expect(suggestLoginId('あ')).toBeNull();
  });

  it('only ever suggests what the server accepts', () => {
    for (const name of ['かんご はなこ', 'Anne Marie', 'リュウ', 'x'.repeat(90), 'ぴゃ ぴゅ']) {
      const id = suggestLoginId(name);
      if (id !== null) expect(id).toMatch(LOGIN_ID_RULE);
    }
  });
});
