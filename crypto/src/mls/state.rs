//! Export and import of a provider's in-memory storage, so the client can keep its MLS
//! state (private keys included) encrypted at rest and restore it later.
//!
//! Format: `KZMLS1`, entry count (u32 BE), then per entry key length (u32 BE), key,
//! value length (u32 BE), value; entries sorted by key so equal states give equal bytes.

use std::collections::HashMap;

use openmls_rust_crypto::MemoryStorage;
use zeroize::Zeroizing;

use super::error::MlsError;

const MAGIC: &[u8; 6] = b"KZMLS1";

/// Serialises every value in `storage`. The result contains private keys: it is wiped
/// on drop and must only be stored encrypted.
pub(crate) fn export(storage: &MemoryStorage) -> Result<Zeroizing<Vec<u8>>, MlsError> {
    let values = storage
        .values
        .read()
        .map_err(|_| MlsError::State("storage lock poisoned"))?;
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
pub(crate) fn import(storage: &MemoryStorage, bytes: &[u8]) -> Result<(), MlsError> {
    let mut rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or(MlsError::State("not an exported MLS state"))?;
    let count = take_u32(&mut rest)?;
    let mut map = HashMap::new();
    for _ in 0..count {
        let key = take_bytes(&mut rest)?;
        let value = take_bytes(&mut rest)?;
        if map.insert(key, value).is_some() {
            return Err(MlsError::State("duplicate entry"));
        }
    }
    if !rest.is_empty() {
        return Err(MlsError::State("trailing bytes"));
    }
    let mut values = storage
        .values
        .write()
        .map_err(|_| MlsError::State("storage lock poisoned"))?;
    *values = map;
    Ok(())
}

fn len_u32(len: usize) -> Result<u32, MlsError> {
    u32::try_from(len).map_err(|_| MlsError::State("entry too large"))
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, MlsError> {
    let (head, tail) = rest
        .split_first_chunk::<4>()
        .ok_or(MlsError::State("truncated"))?;
    *rest = tail;
    Ok(u32::from_be_bytes(*head))
}

fn take_bytes(rest: &mut &[u8]) -> Result<Vec<u8>, MlsError> {
    let len = usize::try_from(take_u32(rest)?).map_err(|_| MlsError::State("entry too large"))?;
    if rest.len() < len {
        return Err(MlsError::State("truncated"));
    }
    let (head, tail) = rest.split_at(len);
    *rest = tail;
    Ok(head.to_vec())
}
