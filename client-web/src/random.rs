//! Randomness for the core: the browser's `crypto.getRandomValues` (through `getrandom`
//! with its `js` feature), or the operating system's generator in native tests.

use kizuna_crypto::Random;

use wasm_bindgen::JsError;

use crate::error::{thrown, WebError};

/// [`Random`] backed by the platform's CSPRNG. Obtain one with [`OsRandom::checked`],
/// which proves the generator works before any key is drawn.
#[derive(Debug)]
pub(crate) struct OsRandom(());

impl OsRandom {
    /// The platform generator, if it answers (a page without `crypto` does not).
    pub(crate) fn checked() -> Result<Self, JsError> {
        let mut probe = [0u8; 16];
        getrandom_02::getrandom(&mut probe).map_err(|e| {
            thrown(WebError::new(
                "no_randomness",
                format!("This browser gives no secure random numbers ({e}): use an up-to-date browser."),
                format!(
                    "このブラウザーは安全な乱数を提供しません（{e}）。最新のブラウザーを使ってください。"
                ),
            ))
        })?;
        Ok(Self(()))
    }
}

impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) {
        if let Err(e) = getrandom_02::getrandom(buf) {
            // The generator answered moments ago (`checked`). Should it fail now, no key,
            // nonce or era may be drawn from anything else, and `Random` cannot report
            // failure: stopping (a trap in WASM) is the only safe outcome.
            panic!("the platform's random number generator failed: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_draws_differ() {
        let mut rng = OsRandom::checked().unwrap();
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        rng.fill(&mut a);
        rng.fill(&mut b);
        assert_ne!(a, b);
    }
}
