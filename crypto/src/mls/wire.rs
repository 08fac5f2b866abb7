//! Bytes in and out of openmls' TLS encoding.

use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
use openmls::prelude::{MlsMessageBodyIn, MlsMessageIn, MlsMessageOut};

/// Decodes one MLS message (RFC 9420 `MLSMessage`), the whole input and nothing more.
pub(crate) fn decode(bytes: &[u8]) -> Result<MlsMessageBodyIn, String> {
    MlsMessageIn::tls_deserialize_exact(bytes)
        .map(MlsMessageIn::extract)
        .map_err(|e| e.to_string())
}

/// Encodes an outgoing MLS message.
pub(crate) fn encode(message: &MlsMessageOut) -> Result<Vec<u8>, String> {
    message.tls_serialize_detached().map_err(|e| e.to_string())
}

/// Name of a message kind, for error messages.
pub(crate) fn kind(body: &MlsMessageBodyIn) -> &'static str {
    match body {
        MlsMessageBodyIn::PublicMessage(_) => "public message",
        MlsMessageBodyIn::PrivateMessage(_) => "private message",
        MlsMessageBodyIn::Welcome(_) => "welcome",
        MlsMessageBodyIn::GroupInfo(_) => "group info",
        MlsMessageBodyIn::KeyPackage(_) => "key package",
    }
}
