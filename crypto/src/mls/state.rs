//! Export and import of a provider's in-memory storage, so the client can keep its MLS
//! state (private keys included) encrypted at rest and restore it later, and the server
//! can keep its (public) view of each group between requests.
//!
//! Format: `KZMLS1`, entry count (u32 BE), then per entry key length (u32 BE), key,
//! value length (u32 BE), value; entries sorted by key so equal states give equal bytes.

use std::collections::HashMap;

use openmls_rust_crypto::MemoryStorage;
use zeroize::Zeroizing;

const MAGIC: &[u8; 6] = b"KZMLS1";

/// Why a saved state could not be written or read back; the callers turn it into their
/// own error type ([`super::MlsError::State`], [`super::ServerViewError::State`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StateError(pub(crate) &'static str);

/// Serialises every value in `storage`. The result contains private keys: it is wiped
/// on drop and must only be stored encrypted.
pub(crate) fn export(storage: &MemoryStorage) -> Result<Zeroizing<Vec<u8>>, StateError> {
    let values = storage
        .values
        .read()
        .map_err(|_| StateError("storage lock poisoned"))?;
    let mut entries: Vec<(&Vec<u8>, &Vec<u8>)> = values.iter().collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let size = entries.iter().map(|(k, v)| 8 + k.len() + v.len()).sum::<usize>();
    let mut out = Zeroizing::new(Vec::with_capacity(MAGIC.len() + 4 + size));
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&len_u32(entries.len())?.to_be_bytes());
    for (key, value) in entries {
        out.extend_from_slice(&len_u32(key.len())?.to_be_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(&len_u32(value.len())?.to_be_bytes());
        out.extend_from_slice(value);
    }
    Ok(out)
}

/// Replaces the contents of `storage` with a state from [`export`].
pub(crate) fn import(storage: &MemoryStorage, bytes: &[u8]) -> Result<(), StateError> {
    let mut rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(StateError("not an exported MLS state"))?;
    let count = take_u32(&mut rest)?;
    let mut map = HashMap::new();
    for _ in 0..count {
        let key = take_bytes(&mut rest)?;
        let value = take_bytes(&mut rest)?;
        if map.insert(key, value).is_some() {
            return Err(StateError("duplicate entry"));
        }
    }
    if !rest.is_empty() {
        return Err(StateError("trailing bytes"));
    }
    let mut values = storage
        .values
        .write()
        .map_err(|_| StateError("storage lock poisoned"))?;
    *values = map;
    Ok(())
}

fn len_u32(len: usize) -> Result<u32, StateError> {
    u32::try_from(len).map_err(|_| StateError("entry too large"))
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, StateError> {
    let (head, tail) = rest.split_first_chunk::<4>().ok_or(StateError("truncated"))?;
    *rest = tail;
    Ok(u32::from_be_bytes(*head))
}

fn take_bytes(rest: &mut &[u8]) -> Result<Vec<u8>, StateError> {
    let len = usize::try_from(take_u32(rest)?).map_err(|_| StateError("entry too large"))?;
    if rest.len() < len {
        return Err(StateError("truncated"));
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head.to_vec())
}
