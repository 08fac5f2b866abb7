//! Passwords: the rules a new password must meet, and Argon2id hashing.
//!
//! The rules follow the MHLW guideline for medical information systems for passwords used
//! with a second factor: 8+ characters mixing letters, digits and symbols, nothing taken
//! from the user's own details, no dictionary words or keyboard runs, no recent password.
//! Hashing is Argon2id at the OWASP cost; the PHC string carries its own salt and cost.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};

/// Fewest characters (Unicode scalar values, not bytes) a password may have.
pub const MIN_CHARS: usize = 8;
/// Most characters a password may have: room for a passphrase, not for a megabyte.
pub const MAX_CHARS: usize = 128;
/// How many previous password hashes the caller should keep and pass to [`reused`].
pub const REUSE_HISTORY: usize = 5;

/// Words nobody should build a Kizuna password on, even inside a longer password.
const SERVICE_WORDS: [&str; 1] = ["kizuna"];

/// Straight runs for [`PasswordProblem::Sequence`]; checked forwards and backwards.
const RUNS: [&str; 5] = [
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
];

/// How far the dictionary check extends a core over leetspeak characters at either end
/// ("5un5h1n3" has the core "un5h1n"); more than this is not a word anyone recognises.
const MAX_LEET_EDGE: usize = 4;

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCost {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes over the memory.
    pub iterations: u32,
    /// Number of lanes.
    pub parallelism: u32,
}

impl Default for PasswordCost {
    /// OWASP's Argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl PasswordCost {
    fn hasher(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .map_err(PasswordError::InvalidCost)?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Hashing could not be done; no fault of the user's password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The configured [`PasswordCost`] is outside what Argon2 accepts.
    #[error("invalid Argon2 cost: {0}")]
    InvalidCost(#[source] argon2::Error),
    /// Argon2 failed (no randomness for a salt, out of memory...).
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// What the rules need to know about the user whose password it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct PasswordContext<'a> {
    /// The login ID, e.g. `nurse.sato`.
    pub login_id: &'a str,
    /// The display name, e.g. `佐藤 花子` or `Hanako Sato`.
    pub display_name: &'a str,
    /// Birth date as (year, month, day), if known.
    pub birth_date: Option<(u16, u8, u8)>,
}

/// Why a new password was refused; one variant per rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    /// Fewer than `min` characters.
    #[error("password shorter than {min} characters")]
    TooShort {
        /// The minimum, [`MIN_CHARS`].
        min: usize,
    },
    /// More than `max` characters.
    #[error("password longer than {max} characters")]
    TooLong {
        /// The maximum, [`MAX_CHARS`].
        max: usize,
    },
    /// No letter at all.
    #[error("password has no letter")]
    MissingLetter,
    /// No digit 0-9 (full-width digits count).
    #[error("password has no digit")]
    MissingDigit,
    /// No symbol such as `!` or `#`.
    #[error("password has no symbol")]
    MissingSymbol,
    /// Contains the user's login ID.
    #[error("password contains the login ID")]
    ContainsLoginId,
    /// Contains part of the user's display name.
    #[error("password contains the user's name")]
    ContainsName,
    /// Contains the user's birth date.
    #[error("password contains the birth date")]
    ContainsBirthDate,
    /// Its letters and its digits are both plain runs such as `abcd` and `1234`.
    #[error("password is a keyboard or alphabet sequence")]
    Sequence,
    /// Is a common password or dictionary word with digits/symbols around it.
    #[error("password is a common word")]
    Common,
    /// Matches one of the user's recent passwords.
    #[error("password was used recently")]
    Reused,
}

// The code and the wording of every rule are rows of the catalogue in
// `crate::error`, with every other user-facing sentence of the server.
impl PasswordProblem {
    /// Stable snake_case code for the API and the client's translations.
    pub fn code(&self) -> &'static str {
        self.row().code
    }

    /// What to do next, in plain English.
    pub fn message_en(&self) -> String {
        self.row().en
    }

    /// What to do next, in plain Japanese for care workers.
    pub fn message_ja(&self) -> String {
        self.row().ja
    }
}

/// Hashes `password` with Argon2id at `cost` and a fresh random salt; returns the PHC string.
///
/// # Errors
/// [`PasswordError::InvalidCost`] for a cost Argon2 refuses, [`PasswordError::Hash`] otherwise.
pub fn hash_password(password: &str, cost: &PasswordCost) -> Result<String, PasswordError> {
    let hasher = cost.hasher()?;
    let hash: PasswordHash =
        <Argon2<'_> as PasswordHasher<PasswordHash>>::hash_password(&hasher, password.as_bytes())
            .map_err(|e| PasswordError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// True if `password` matches the PHC string `phc`. The cost comes from `phc` itself, so old
/// hashes keep verifying after the cost is raised; the crate compares outputs in constant time.
/// A malformed `phc` is just `false`.
#[must_use]
pub fn verify_password(password: &str, phc: &str) -> bool {
    let verifier = Argon2::default();
    <Argon2<'_> as PasswordVerifier<str>>::verify_password(&verifier, password.as_bytes(), phc).is_ok()
}

/// Does the work of one verification at `cost` and throws the result away. Call it when the
/// login ID does not exist, so the response time does not tell an attacker which IDs do.
pub fn dummy_verify(cost: &PasswordCost) {
    // Verifying is one Argon2 run over the stored salt; the same run over a fixed salt costs
    // the same. A bad configured cost falls back to the default rather than answering fast.
    const DUMMY_SALT: [u8; 16] = *b"kizuna-no-user!!";
    let hasher = cost.hasher().or_else(|_| PasswordCost::default().hasher());
    if let Ok(hasher) = hasher {
        let mut out = [0u8; 32];
        // black_box: the output is unused, and the optimiser must not notice.
        if hasher
            .hash_password_into(b"kizuna-dummy-password", &DUMMY_SALT, &mut out)
            .is_ok()
        {
            std::hint::black_box(out);
        }
    }
}

/// True if `password` verifies against any of `previous_hashes` (the last [`REUSE_HISTORY`]).
#[must_use]
pub fn reused(password: &str, previous_hashes: &[String]) -> bool {
    previous_hashes.iter().any(|phc| verify_password(password, phc))
}

/// Checks a new password against every rule; the first broken rule is returned.
/// Reuse is separate ([`reused`]) because it needs the stored hashes.
///
/// # Errors
/// The first [`PasswordProblem`] found, in the order of the enum.
pub fn check_rules(password: &str, ctx: &PasswordContext<'_>) -> Result<(), PasswordProblem> {
    let count = password.chars().count();
    if count < MIN_CHARS {
        return Err(PasswordProblem::TooShort { min: MIN_CHARS });
    }
    if count > MAX_CHARS {
        return Err(PasswordProblem::TooLong { max: MAX_CHARS });
    }
    if !password.chars().any(is_letter) {
        return Err(PasswordProblem::MissingLetter);
    }
    if !password.chars().any(is_digit) {
        return Err(PasswordProblem::MissingDigit);
    }
    if !password.chars().any(is_symbol) {
        return Err(PasswordProblem::MissingSymbol);
    }
    let folded = fold(password);
    if contains_folded(&folded, ctx.login_id) {
        return Err(PasswordProblem::ContainsLoginId);
    }
    if ctx
        .display_name
        .split_whitespace()
        .any(|part| contains_folded(&folded, part))
    {
        return Err(PasswordProblem::ContainsName);
    }
    if let Some((y, m, d)) = ctx.birth_date {
        // Separators are folded away, so YYYY-MM-DD and YYYY/MM/DD are caught as YYYYMMDD.
        let forms = [
            format!("{y:04}{m:02}{d:02}"),
            format!("{:02}{m:02}{d:02}", y % 100),
            format!("{m:02}{d:02}"),
        ];
        if forms.iter().any(|f| folded.contains(f.as_str())) {
            return Err(PasswordProblem::ContainsBirthDate);
        }
    }
    if is_sequence(password) {
        return Err(PasswordProblem::Sequence);
    }
    if is_common(password) {
        return Err(PasswordProblem::Common);
    }
    Ok(())
}

/// Full-width ASCII (what a Japanese IME types) as plain ASCII, so "ＡＢＣ１" counts as "ABC1".
fn narrow(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Letters are any Unicode alphabetic character, so kana and kanji count as letters.
fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    narrow(c).is_ascii_digit()
}

/// Symbols are what is left once letters, digits, whitespace and control characters are out.
/// Unlike "not ASCII alphanumeric", this keeps a kana-only password from counting as symbols.
fn is_symbol(c: char) -> bool {
    !is_letter(c) && !is_digit(c) && !c.is_whitespace() && !c.is_control()
}

/// Narrowed and lowercased, as the comparisons below see a password.
fn lower_chars(s: &str) -> Vec<char> {
    s.chars().map(narrow).flat_map(char::to_lowercase).collect()
}

/// Lowercase, narrowed, letters and digits only: "Nurse.Sato" and "nurse_sato" both become "nursesato".
fn fold(s: &str) -> String {
    lower_chars(s)
        .into_iter()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Whether `part` (folded, at least 3 characters so initials don't forbid whole letters) is in `folded`.
fn contains_folded(folded: &str, part: &str) -> bool {
    let part = fold(part);
    part.chars().count() >= 3 && folded.contains(part.as_str())
}

/// Whether the letters (in order) and the digits (in order) are each a plain run: one repeated
/// character, or a stretch of the alphabet, 0-9 or a keyboard row, forwards or backwards.
/// Symbols are ignored, so "abcd1234!" and "Qwerty123#" are sequences but "abzq1928!" is not.
fn is_sequence(password: &str) -> bool {
    let narrowed = lower_chars(password);
    let letters: String = narrowed.iter().filter(|c| is_letter(**c)).collect();
    let digits: String = narrowed.iter().filter(|c| c.is_ascii_digit()).collect();
    is_plain_run(&letters) && is_plain_run(&digits)
}

fn is_plain_run(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let backwards: String = s.chars().rev().collect();
    s.chars().all(|c| c == first)
        || RUNS
            .iter()
            .any(|run| run.contains(s) || run.contains(backwards.as_str()))
}

/// The words from `common-passwords.txt`, loaded once; `#` lines are comments.
fn common_words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        include_str!("common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect()
    })
}

/// What a leetspeak character stands for ('1' is also tried as 'l' in [`leet_variants`]).
fn leet(c: char) -> Option<char> {
    match c {
        '0' => Some('o'),
        '1' | '!' => Some('i'),
        '3' => Some('e'),
        '4' | '@' => Some('a'),
        '5' | '$' => Some('s'),
        '7' => Some('t'),
        _ => None,
    }
}

/// `chars` with leetspeak undone and whitespace dropped ("i love you" -> "iloveyou"); every '1'
/// becomes both 'i' and 'l', up to 16 spellings, after which the rest stay 'i'.
fn leet_variants(chars: &[char]) -> Vec<String> {
    let mut out = vec![String::new()];
    for &c in chars.iter().filter(|c| !c.is_whitespace()) {
        if c == '1' && out.len() < 16 {
            out = out
                .into_iter()
                .flat_map(|p| [format!("{p}i"), format!("{p}l")])
                .collect();
        } else {
            let plain = leet(c).unwrap_or(c);
            out.iter_mut().for_each(|p| p.push(plain));
        }
    }
    out
}

/// Whether the password is a listed word once case, leetspeak and the digits and symbols
/// around it are set aside ("Sakura2024!" -> "sakura", "P@ssw0rd!" -> "password"), or
/// contains one of [`SERVICE_WORDS`] anywhere.
fn is_common(password: &str) -> bool {
    let words = common_words();
    let lower = lower_chars(password);
    if words.contains(lower.iter().collect::<String>().as_str()) {
        return true;
    }
    let (Some(first), Some(last)) = (
        lower.iter().position(|c| is_letter(*c)),
        lower.iter().rposition(|c| is_letter(*c)),
    ) else {
        return false;
    };
    // The core runs from the first to the last letter; it may also reach over up to
    // MAX_LEET_EDGE leet characters at either end ("4dmin", "sunsh1n3"). Try every reach.
    let leet_reach = |indices: &mut dyn Iterator<Item = usize>| {
        indices
            .take(MAX_LEET_EDGE)
            .take_while(|&i| leet(lower[i]).is_some())
            .count()
    };
    let before = leet_reach(&mut (0..first).rev());
    let after = leet_reach(&mut (last + 1..lower.len()));
    for start in first - before..=first {
        for end in last..=last + after {
            let found = leet_variants(&lower[start..=end])
                .iter()
                .any(|core| core.chars().count() >= 3 && words.contains(core.as_str()));
            if found {
                return true;
            }
        }
    }
    let unleeted: String = lower
        .iter()
        .map(|&c| leet(c).unwrap_or(c))
        .filter(|c| c.is_alphanumeric())
        .collect();
    SERVICE_WORDS.iter().any(|w| unleeted.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PasswordContext<'static> {
        PasswordContext {
            login_id: "nurse.sato",
            display_name: "Hanako Yamashiro",
            birth_date: Some((1980, 4, 1)),
        }
    }

    fn problem(password: &str) -> &'static str {
        check_rules(password, &ctx()).err().map_or("ok", |p| p.code())
    }

    #[test]
    fn strong_passwords_pass() {
        for good in [
            "Tq7#mVb2!pLx",
            "Zr8$kWq!3vNh",
            "ねこ7#Kx9qW",
            "あいうえおか1!",
            "Ｔｑ７＃ｍＶｂ２",
        ] {
            assert_eq!(problem(good), "ok", "{good}");
        }
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(
            check_rules("Ab1!xyz", &ctx()),
            Err(PasswordProblem::TooShort { min: 8 })
        );
        assert_eq!(problem("あいう1!"), "password_too_short");
        assert_eq!(
            check_rules(&"Tq7#".repeat(33), &ctx()),
            Err(PasswordProblem::TooLong { max: 128 })
        );
    }

    #[test]
    fn needs_letters_digits_and_symbols() {
        assert_eq!(problem("12345678!#"), "password_missing_letter");
        assert_eq!(problem("Tqx#mVbz!pLx"), "password_missing_digit");
        assert_eq!(problem("Tq7mVb2pLx9"), "password_missing_symbol");
        assert_eq!(problem("Tq7 mVb2 pLx9"), "password_missing_symbol");
    }

    #[test]
    fn refuses_the_users_own_details() {
        assert_eq!(problem("Nurse.Sato#71x"), "password_contains_login_id");
        assert_eq!(problem("x9NURSESATO!"), "password_contains_login_id");
        assert_eq!(problem("Yamashiro#72q"), "password_contains_name");
        for with_date in [
            "Tq#19800401x",
            "Tq#0401mVbx",
            "Tq#1980-04-01",
            "Tq#1980/04/01",
            "Tq#800401x",
        ] {
            assert_eq!(problem(with_date), "password_contains_birth_date", "{with_date}");
        }
        // Two-letter name parts are too short to forbid.
        let short = PasswordContext {
            login_id: "li",
            display_name: "Li Na",
            birth_date: None,
        };
        assert_eq!(check_rules("Li-Na#7qwZx", &short), Ok(()));
    }

    #[test]
    fn refuses_common_words_and_leetspeak() {
        for common in [
            "Sakura2024!",
            "!sakura2024",
            "P@ssw0rd!",
            "Password123!",
            "5un5h1n3!",
            "I love you 7!",
            "4dmin#2024",
            "Kizuna#7xQ",
            "tanaka_1980!",
        ] {
            assert_eq!(problem(common), "password_common", "{common}");
        }
    }

    #[test]
    fn refuses_plain_sequences() {
        for run in [
            "abcd1234!",
            "Qwerty123#",
            "zyxw9876#",
            "aaaa1111!",
            "ＡＢＣＤ１２３４！",
        ] {
            assert_eq!(problem(run), "password_sequence", "{run}");
        }
        assert_eq!(problem("abzq1928!"), "ok");
    }

    #[test]
    fn problems_have_codes_and_messages() {
        let all = [
            PasswordProblem::TooShort { min: MIN_CHARS },
            PasswordProblem::TooLong { max: MAX_CHARS },
            PasswordProblem::MissingLetter,
            PasswordProblem::MissingDigit,
            PasswordProblem::MissingSymbol,
            PasswordProblem::ContainsLoginId,
            PasswordProblem::ContainsName,
            PasswordProblem::ContainsBirthDate,
            PasswordProblem::Common,
            PasswordProblem::Sequence,
            PasswordProblem::Reused,
        ];
        let codes: HashSet<_> = all.iter().map(|p| p.code()).collect();
        assert_eq!(codes.len(), all.len());
        for p in all {
            assert!(
                p.code().starts_with("password_")
                    && p.code().chars().all(|c| c.is_ascii_lowercase() || c == '_')
            );
            assert!(
                p.message_en().ends_with('.') && p.message_ja().ends_with('。'),
                "{p:?}"
            );
        }
        assert_eq!(
            PasswordProblem::TooShort { min: 8 }.message_ja(),
            "パスワードは8文字以上にしてください。"
        );
    }

    #[test]
    fn word_list_is_clean() {
        let words = common_words();
        assert!((400..=600).contains(&words.len()), "{}", words.len());
        assert!(words
            .iter()
            .all(|w| w.len() >= 3 && w.chars().all(|c| c.is_ascii_lowercase())));
        for w in ["password", "sakura", "tanaka", "kango", "kizuna", "trustno"] {
            assert!(words.contains(w), "{w}");
        }
    }

    #[test]
    fn hash_verify_round_trip_at_default_cost() {
        let cost = PasswordCost::default();
        let phc = hash_password("Tq7#mVb2!pLx", &cost).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert_ne!(
            phc,
            hash_password("Tq7#mVb2!pLx", &cost).unwrap(),
            "each hash gets its own salt"
        );
        assert!(verify_password("Tq7#mVb2!pLx", &phc));
        assert!(!verify_password("Tq7#mVb2!pLX", &phc));
        for malformed in [
            "",
            "not-a-hash",
            "$argon2id$v=19$m=19456",
            "$argon2id$v=19$m=19456,t=2,p=1$AAAA$AAAA",
        ] {
            assert!(!verify_password("Tq7#mVb2!pLx", malformed), "{malformed}");
        }
        dummy_verify(&cost);
        dummy_verify(&PasswordCost {
            memory_kib: 0,
            iterations: 0,
            parallelism: 0,
        });
    }

    #[test]
    fn bad_cost_is_an_error() {
        let bad = PasswordCost {
            memory_kib: 1,
            ..PasswordCost::default()
        };
        assert!(matches!(
            hash_password("Tq7#mVb2!pLx", &bad),
            Err(PasswordError::InvalidCost(_))
        ));
    }

    #[test]
    fn reused_finds_a_previous_password() {
        let cost = PasswordCost::default();
        let history = vec![
            hash_password("Old#Pass7x", &cost).unwrap(),
            "garbage".to_owned(),
            hash_password("Tq7#mVb2!pLx", &cost).unwrap(),
        ];
        assert!(reused("Tq7#mVb2!pLx", &history));
        assert!(!reused("Zr8$kWq!3vNh", &history));
        assert!(!reused("Tq7#mVb2!pLx", &[]));
    }
}
