//! Web Push from the server's side: the VAPID key and token (RFC 8292) and the
//! aes128gcm payload encryption (RFC 8291, RFC 8188), from RustCrypto parts.
//!
//! Only what a push service must see leaves: the endpoint's origin as the token's
//! audience, this server's public key and contact, and a ciphertext the service
//! cannot open. The browser's keys decrypt it.

use std::fmt;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use sha2::Sha256;

/// Record size announced in the aes128gcm header: one record holds our payloads.
const RECORD_SIZE: u32 = 4096;

/// Why a push could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PushCryptoError {
    /// The subscription's `p256dh` is not an uncompressed P-256 point in base64url.
    #[error("p256dh is not a P-256 public key")]
    PublicKey,
    /// The subscription's `auth` is not 16 bytes in base64url.
    #[error("auth is not a 16-byte secret")]
    AuthSecret,
    /// A key that is not a P-256 private scalar.
    #[error("not a P-256 private key")]
    PrivateKey,
    /// Encryption failed (cannot happen with valid keys).
    #[error("encryption failed")]
    Encrypt,
}

/// This server's VAPID key pair. `Debug` shows the public key only.
#[derive(Clone)]
pub struct VapidKey {
    secret: SecretKey,
    public: String,
}

impl fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VapidKey {{ public: {}, private: *** }}", self.public)
    }
}

impl VapidKey {
    /// A key from its private scalar in base64url.
    pub fn from_base64url(text: &str) -> Result<Self, PushCryptoError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .map_err(|_| PushCryptoError::PrivateKey)?;
        let secret = SecretKey::from_slice(&bytes).map_err(|_| PushCryptoError::PrivateKey)?;
        Ok(Self::from_secret(secret))
    }

    /// A new random key, as base64url of its private scalar (to be stored).
    pub fn generate() -> String {
        URL_SAFE_NO_PAD.encode(random_secret().to_bytes())
    }

    fn from_secret(secret: SecretKey) -> Self {
        let public = URL_SAFE_NO_PAD.encode(secret.public_key().to_encoded_point(false).as_bytes());
        Self { secret, public }
    }

    /// The public key browsers subscribe with (`applicationServerKey`): base64url
    /// of the uncompressed point.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// The `Authorization` header for a push to an endpoint of `audience` (its
    /// origin), valid until `expires` (seconds since the epoch).
    pub fn authorization(&self, audience: &str, subject: &str, expires: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({ "aud": audience, "exp": expires, "sub": subject });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = SigningKey::from(&self.secret).sign(signing_input.as_bytes());
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()));
        format!("vapid t={token}, k={}", self.public)
    }
}

/// A random valid P-256 private key.
fn random_secret() -> SecretKey {
    loop {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        // Fails only for 0 or a value ≥ the group order (about 2^-32 of draws).
        if let Ok(secret) = SecretKey::from_slice(&bytes) {
            return secret;
        }
    }
}

/// Checks a subscription's keys as a browser sends them: a P-256 point and a
/// 16-byte secret, both base64url.
pub fn check_keys(p256dh: &str, auth: &str) -> Result<(), PushCryptoError> {
    decode_keys(p256dh, auth).map(|_| ())
}

fn decode_keys(p256dh: &str, auth: &str) -> Result<(PublicKey, [u8; 16]), PushCryptoError> {
    let point = URL_SAFE_NO_PAD
        .decode(p256dh.trim_end_matches('='))
        .map_err(|_| PushCryptoError::PublicKey)?;
    if point.len() != 65 {
        return Err(PushCryptoError::PublicKey);
    }
    let public = PublicKey::from_sec1_bytes(&point).map_err(|_| PushCryptoError::PublicKey)?;
    let auth = URL_SAFE_NO_PAD
        .decode(auth.trim_end_matches('='))
        .map_err(|_| PushCryptoError::AuthSecret)?;
    let auth: [u8; 16] = auth.try_into().map_err(|_| PushCryptoError::AuthSecret)?;
    Ok((public, auth))
}

/// Encrypts `plaintext` for a browser (RFC 8291 with a fresh sender key and salt),
/// as the aes128gcm body of one record.
pub fn encrypt(plaintext: &[u8], p256dh: &str, auth: &str) -> Result<Vec<u8>, PushCryptoError> {
    let (ua_public, auth) = decode_keys(p256dh, auth)?;
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    encrypt_with(plaintext, &ua_public, &auth, &random_secret(), salt)
}

fn encrypt_with(
    plaintext: &[u8],
    ua_public: &PublicKey,
    auth: &[u8; 16],
    sender: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, PushCryptoError> {
    let ua_point = ua_public.to_encoded_point(false);
    let as_point = sender.public_key().to_encoded_point(false);
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), ua_public.as_affine());
    // RFC 8291 §3.4: the input keying material mixes in the browser's auth secret.
    let mut key_info = Vec::with_capacity(144);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(ua_point.as_bytes());
    key_info.extend_from_slice(as_point.as_bytes());
    let mut ikm = [0u8; 32];
    Hkdf::<Sha256>::new(Some(auth), shared.raw_secret_bytes())
        .expand(&key_info, &mut ikm)
        .map_err(|_| PushCryptoError::Encrypt)?;
    // RFC 8188 §2.2/2.3: content key and nonce from the salt.
    let prk = Hkdf::<Sha256>::new(Some(&salt), &ikm);
    let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
    prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
        .map_err(|_| PushCryptoError::Encrypt)?;
    prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| PushCryptoError::Encrypt)?;
    // One record, the last: the plaintext, then the delimiter 0x02, no padding.
    let mut record = plaintext.to_vec();
    record.push(2);
    let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|_| PushCryptoError::Encrypt)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| PushCryptoError::Encrypt)?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(as_point.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 8291 Appendix A: the worked example, byte for byte.
    #[test]
    fn matches_the_rfc_8291_example() {
        let b64 = |s: &str| URL_SAFE_NO_PAD.decode(s).unwrap();
        let plaintext = b"When I grow up, I want to be a watermelon";
        let sender = SecretKey::from_slice(&b64("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw")).unwrap();
        let ua_public = PublicKey::from_sec1_bytes(&b64(
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
        ))
        .unwrap();
        let auth: [u8; 16] = b64("BTBZMqHH6r4Tts7J_aSIgg").try_into().unwrap();
        let salt: [u8; 16] = b64("DGv6ra1nlYgDCS1FRnbzlw").try_into().unwrap();
        let body = encrypt_with(plaintext, &ua_public, &auth, &sender, salt).unwrap();
        assert_eq!(
            URL_SAFE_NO_PAD.encode(body),
            "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
        );
    }

    #[test]
    fn debug_hides_the_private_key() {
        let key = VapidKey::from_base64url(&VapidKey::generate()).unwrap();
        let shown = format!("{key:?}");
        assert!(shown.contains("***") && shown.contains(key.public_key()));
        assert!(!shown.contains(&URL_SAFE_NO_PAD.encode(key.secret.to_bytes())));
    }

    #[test]
    fn bad_keys_are_refused() {
        assert!(check_keys("bm90IGEga2V5", "BTBZMqHH6r4Tts7J_aSIgg").is_err());
        let point = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
        assert!(check_keys(point, "c2hvcnQ").is_err());
        assert!(check_keys(point, "BTBZMqHH6r4Tts7J_aSIgg").is_ok());
    }
}
