//! The browser client's Rust half. The wasm-bindgen bindings and the TypeScript UI
//! (built with Vite) are added with the web-client work; today this crate only
//! proves that the core it will wrap stays WebAssembly-clean.

pub use kizuna_crypto as core;
