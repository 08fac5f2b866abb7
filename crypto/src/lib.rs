//! Kizuna's client-side protocol core.
//!
//! This crate is sans-I/O: it knows nothing of HTTP, SQL, files or an async
//! runtime, and it builds for native targets and `wasm32-unknown-unknown` alike.
//! Time and randomness come in as parameters. The MLS group handling, era keys,
//! post envelopes and attachment encryption land here (see ARCHITECTURE.md); CI
//! guards the layering with `cargo tree -p kizuna-crypto -i <forbidden crate>`.

pub use kizuna_proto as proto;
