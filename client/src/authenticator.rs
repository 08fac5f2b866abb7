//! The software authenticator: webauthn-authenticator-rs's `SoftToken`, a FIDO2
//! authenticator in memory that can be serialised, so it lives (sealed) in the state
//! file. It is the possession factor for tests, scripts and integrations; people use
//! real security keys or passkeys in the web client.
//!
//! It claims user verification (`SoftToken::new(true)`), as a passkey unlocked by PIN
//! or biometrics would: the server's passkey ceremonies require it.

use url::Url;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse,
};
use zeroize::Zeroizing;

use crate::error::{ClientError, Result};

/// A software FIDO2 authenticator. `Debug` prints `***`.
pub(crate) struct Authenticator(SoftToken);

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator(***)")
    }
}

impl Authenticator {
    /// A new authenticator with no credentials (and its own attestation CA).
    pub fn generate() -> Result<Self> {
        // SoftToken draws its keys from its own OS-seeded generator.
        SoftToken::new(true)
            .map(|(token, _ca)| Self(token))
            .map_err(|e| ClientError::Authenticator(format!("{e:?}")))
    }

    /// Restores one from [`Authenticator::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SoftToken::from_cbor(bytes)
            .map(Self)
            .map_err(|e| ClientError::Authenticator(format!("saved authenticator unreadable: {e:?}")))
    }

    /// Its private keys and counter as CBOR: keep sealed.
    pub fn to_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        self.0
            .to_cbor()
            .map(Zeroizing::new)
            .map_err(|e| ClientError::Authenticator(format!("{e:?}")))
    }

    /// Creates a credential for the server's creation options, signed for `origin`.
    pub fn register(
        &mut self,
        origin: &Url,
        options: CreationChallengeResponse,
    ) -> Result<RegisterPublicKeyCredential> {
        self.0
            .do_registration(origin.clone(), options)
            .map_err(|e| ClientError::Authenticator(format!("registration: {e:?}")))
    }

    /// Answers the server's sign-in challenge, signed for `origin`.
    pub fn authenticate(
        &mut self,
        origin: &Url,
        options: RequestChallengeResponse,
    ) -> Result<PublicKeyCredential> {
        self.0
            .do_authentication(origin.clone(), options)
            .map_err(|e| ClientError::Authenticator(format!("sign-in: {e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_round_trip_and_hides_itself() {
        let token = Authenticator::generate().unwrap();
        let bytes = token.to_bytes().unwrap();
        let again = Authenticator::from_bytes(&bytes).unwrap();
        assert_eq!(*again.to_bytes().unwrap(), *bytes);
        assert_eq!(format!("{token:?}"), "Authenticator(***)");
        assert!(Authenticator::from_bytes(b"not cbor").is_err());
    }
}
