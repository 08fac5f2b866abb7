// A login ID suggested from the person's name, for the invitation form: kana
// romanised (Hepburn, from a small table), Latin letters lowercased, the parts of the
// name joined with dots (「やまだ はなこ」 → yamada.hanako). A name in kanji cannot be
// read reliably, so it gets no suggestion (the field's hint shows an example). Pure:
// the unit tests call it directly.

/** What a login ID may hold (the server's rule: 3 to 64 of a-z 0-9 . _ - @). */
export const LOGIN_ID_RULE = /^[a-z0-9._\-@]{3,64}$/;

const KANA: Record<string, string> = {
  あ: 'a', い: 'i', う: 'u', え: 'e', お: 'o',
  か: 'ka', き: 'ki', く: 'ku', け: 'ke', こ: 'ko',
  さ: 'sa', し: 'shi', す: 'su', せ: 'se', そ: 'so',
  た: 'ta', ち: 'chi', つ: 'tsu', て: 'te', と: 'to',
  な: 'na', に: 'ni', ぬ: 'nu', ね: 'ne', の: 'no',
  は: 'ha', ひ: 'hi', ふ: 'fu', へ: 'he', ほ: 'ho',
  ま: 'ma', み: 'mi', む: 'mu', め: 'me', も: 'mo',
  や: 'ya', ゆ: 'yu', よ: 'yo',
  ら: 'ra', り: 'ri', る: 'ru', れ: 're', ろ: 'ro',
  わ: 'wa', ゐ: 'i', ゑ: 'e', を: 'o', ん: 'n',
  が: 'ga', ぎ: 'gi', ぐ: 'gu', げ: 'ge', ご: 'go',
  ざ: 'za', じ: 'ji', ず: 'zu', ぜ: 'ze', ぞ: 'zo',
  だ: 'da', ぢ: 'ji', づ: 'zu', で: 'de', ど: 'do',
  ば: 'ba', び: 'bi', ぶ: 'bu', べ: 'be', ぼ: 'bo',
  ぱ: 'pa', ぴ: 'pi', ぷ: 'pu', ぺ: 'pe', ぽ: 'po',
  ゔ: 'vu', ぁ: 'a', ぃ: 'i', ぅ: 'u', ぇ: 'e', ぉ: 'o',
};

/** Small ya/yu/yo after an i-row kana: き + ゃ → kya, し + ゃ → sha. */
const SMALL_Y: Record<string, string> = { ゃ: 'a', ゅ: 'u', ょ: 'o' };

/** Katakana to hiragana (the same table serves both). */
function toHiragana(text: string): string {
  return text.replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}

/** One word of kana in Latin letters, or null when it holds anything else. */
export function romanizeKana(word: string): string | null {
  const kana = toHiragana(word);
  let out = '';
  let doubleNext = false;
  for (let i = 0; i < kana.length; i += 1) {
    const c = kana[i] ?? '';
    if (c === 'っ') {
      doubleNext = true;
      continue;
    }
    if (c === 'ー') continue; // a long vowel is written once (おおたー → oota)
    let syllable = KANA[c];
    if (syllable === undefined) return null;
    const small = SMALL_Y[kana[i + 1] ?? ''];
    if (small !== undefined && syllable.endsWith('i') && syllable.length > 1) {
      const stem = syllable.slice(0, -1);
      syllable = stem === 'sh' || stem === 'ch' || stem === 'j' ? stem + small : `${stem}y${small}`;
      i += 1;
    }
    if (doubleNext) {
      syllable = (syllable.startsWith('ch') ? 't' : syllable[0] ?? '') + syllable;
      doubleNext = false;
    }
    out += syllable;
  }
  return out === '' ? null : out;
}

/** One word of Latin letters, lowercased without accents (Émile → emile), or null. */
function latinWord(word: string): string | null {
  const plain = word.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  return /^[a-z0-9'-]+$/.test(plain) ? plain.replace(/'/g, '') : null;
}

/**
 * A login ID suggested from `name`, or null when there is none to offer (a name in
 * kanji, or too short). Every word must be readable, else no guess is made.
 */
export function suggestLoginId(name: string): string | null {
  const words = name.normalize('NFKC').trim().split(/[\s・.]+/).filter((w) => w !== '');
  if (words.length === 0) return null;
  const parts: string[] = [];
  for (const word of words) {
    const part = latinWord(word) ?? romanizeKana(word);
    if (part === null) return null;
    parts.push(part);
  }
  const id = parts.join('.').replace(/-+/g, '-').slice(0, 64);
  return LOGIN_ID_RULE.test(id) ? id : null;
}
