//! The TypeScript types of the values that cross the boundary, generated from the
//! Rust types themselves (`kizuna_proto`'s wire types, `kizuna_crypto`'s envelope,
//! `kizuna_engine`'s events and results, the few structs of this crate) by ts-rs, so
//! the UI is type-checked against what this crate really sends and takes.
//!
//! * `web/src/generated/types.ts`: every type, the UI imports its data types from it.
//!   Written by `cargo test -p kizuna-client-web --features ts --lib generated_types`
//!   (the test below); `ops/test.sh` regenerates it and fails when the committed file
//!   differs. The derives sit behind the `ts` feature of proto, crypto, engine and this
//!   crate, so no other build sees them.
//! * `web/src/generated/serde-samples.ts`: values serialised by serde
//!   (`types_samples.rs`), each checked by `tsc` against its generated type
//!   (`satisfies`), so a type that says something serde does not do fails the UI's
//!   build.
//! * The wasm-bindgen `.d.ts` names the types in its signatures (`unchecked_*_type`):
//!   [`IMPORTS`] brings them in from the generated file.
//!
//! Numbers: `u64`/`i64` are `number` in TypeScript, as the JSON and the JS values carry
//! them (log positions, epochs and times stay far below 2^53).

use wasm_bindgen::prelude::*;

/// What the wasm-bindgen `.d.ts` (written to `web/src/wasm/`) says besides the
/// functions and classes: it takes the types its signatures name from the generated
/// file, and passes every type on (code that imported data types from the core's
/// module keeps compiling; new code imports them from `generated/types`). The test
/// below checks the list against the `unchecked_*_type` attributes of `src/`.
#[wasm_bindgen(typescript_custom_section)]
const IMPORTS: &'static str = r#"
import type { Accepted, AttachmentRef, Broadcast, BroadcastView, ChannelEvent, ChannelInfo, ChannelListed, ChannelName, ClaimedKeyPackage, CommitRequest, HistoryPolicy, JoinReport, KeyPackageUpload, LogEntry, NewGroup, NotebookView, OpenedRoomName, Officer, OutboxDecision, PhotoOptions, PreparedPhoto, ReconcilePlan, RoomMember, RosterChange, RosterReport, SealedFile, SealedPost, SignedBroadcast, SignedRosterChange, StartedEra, Validation, WelcomeView } from "../generated/types";
export type * from "../generated/types";
"#;

/// The TypeScript with no Rust type of its own, appended to the generated file.
///
/// `ReceivedPost`: the UI keeps posts as the `post` events `Channel.ingest` returns,
/// i.e. the fields of `kizuna_engine::ReceivedPost` plus the tag `type: "post"` that
/// serde adds inside `Event` (`#[serde(tag = "type")]`). In Rust that is one variant
/// of the enum, not a type, and ts-rs names no single member of a union; so it is
/// spelt here, as that member of the generated `ChannelEvent`, which keeps it exact.
#[cfg(test)]
#[cfg(feature = "ts")]
const HAND_WRITTEN: &str = r#"/** A `post` event of `Channel.ingest`: a post this device opened and verified, as the UI keeps it. */
export type ReceivedPost = Extract<ChannelEvent, { type: "post" }>;
"#;

#[cfg(test)]
#[cfg(feature = "ts")]
mod generated_types {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::PathBuf;

    use kizuna_crypto::broadcast::{Broadcast, Officer, RosterChange, SignedBroadcast, SignedRosterChange};
    use kizuna_crypto::proto::Severity;
    use kizuna_crypto::proto::{
        ClaimedKeyPackage, CommitStored, GroupView, KeyPackageBatch, KeyPackageUpload, KeyPackagesLeft,
        LogEntry, MessageStored, NewCommit, NewMessage, RoomMember, WelcomeView,
    };
    use kizuna_crypto::PostEnvelope;
    use kizuna_engine::care::{NotebookOut, PhotoOptionsIn, PreparedPhoto, SealedFile, Validation};
    use kizuna_engine::outbox::Decision;
    use kizuna_engine::reconcile::Plan;
    use kizuna_engine::{
        Accepted, BroadcastView, CommitRequest, EngineError, Event, Joined, Policy, RosterReport, SealedPost,
        Standing,
    };
    use serde_json::Value;
    use ts_rs::{Config, TypeVisitor, TS};

    use super::HAND_WRITTEN;
    use crate::channel::Info;
    use crate::device::ChannelListed;
    use crate::room_state::{OpenedName, StartedEra};
    use kizuna_engine::proto::NewGroup;

    const COMMAND: &str = "cargo test -p kizuna-client-web --features ts --lib generated_types";

    /// Every declaration reachable from the types the UI names, by TypeScript name.
    struct Declarations {
        config: Config,
        found: BTreeMap<String, String>,
        roots: BTreeSet<String>,
    }

    impl Declarations {
        fn root<T: TS + 'static>(&mut self) {
            self.roots.insert(T::ident(&self.config));
            self.visit::<T>();
        }
    }

    impl TypeVisitor for Declarations {
        fn visit<T: TS + 'static + ?Sized>(&mut self) {
            // Primitives and std containers have no declaration: they are written inline.
            if T::output_path().is_none() {
                return;
            }
            let name = T::ident(&self.config);
            let declaration = format!(
                "{}export {}",
                T::docs().unwrap_or_default(),
                T::decl(&self.config)
            );
            if let Some(seen) = self.found.get(&name) {
                assert_eq!(
                    seen, &declaration,
                    "two Rust types are called {name} in TypeScript"
                );
                return;
            }
            self.found.insert(name, declaration);
            T::visit_dependencies(self);
            T::visit_generics(self);
        }
    }

    /// Every type the UI or the `.d.ts` names; the types they use come along.
    fn declarations() -> Declarations {
        let mut d = Declarations {
            // u64/i64 reach JS as numbers; byte arrays (keys, hashes) as arrays.
            config: Config::new().with_large_int("number").with_array_tuple_limit(0),
            found: BTreeMap::new(),
            roots: BTreeSet::new(),
        };
        // The delivery endpoints' JSON (kizuna_proto).
        d.root::<LogEntry>();
        d.root::<RoomMember>();
        d.root::<WelcomeView>();
        d.root::<ClaimedKeyPackage>();
        d.root::<KeyPackageUpload>();
        d.root::<KeyPackageBatch>();
        d.root::<KeyPackagesLeft>();
        d.root::<NewMessage>();
        d.root::<MessageStored>();
        d.root::<NewCommit>();
        d.root::<CommitStored>();
        d.root::<GroupView>();
        // A post's plaintext (kizuna_crypto).
        d.root::<PostEnvelope>();
        // The engine's events, requests and results (kizuna_engine).
        d.root::<Event>();
        d.root::<SealedPost>();
        d.root::<CommitRequest>();
        d.root::<Accepted>();
        d.root::<Joined>();
        d.root::<Policy>();
        d.root::<Plan>();
        d.root::<Decision>();
        d.root::<EngineError>();
        d.root::<PhotoOptionsIn>();
        d.root::<PreparedPhoto>();
        d.root::<SealedFile>();
        d.root::<Validation>();
        d.root::<NotebookOut>();
        // Regional broadcasts: the signed forms as the server carries them, what an
        // officer signs, and the verdicts (kizuna_crypto::broadcast, kizuna_engine).
        d.root::<Broadcast>();
        d.root::<Officer>();
        d.root::<Severity>();
        d.root::<SignedBroadcast>();
        d.root::<RosterChange>();
        d.root::<SignedRosterChange>();
        d.root::<BroadcastView>();
        d.root::<Standing>();
        d.root::<RosterReport>();
        // This crate's own results.
        d.root::<Info>();
        d.root::<ChannelListed>();
        d.root::<NewGroup>();
        d.root::<OpenedName>();
        d.root::<StartedEra>();
        d
    }

    fn types_ts(declarations: &BTreeMap<String, String>) -> String {
        let mut out = format!(
            "// Generated from the Rust types by `{COMMAND}`\n\
             // (client-web/src/types.rs). Do not edit: change the Rust type and run that.\n"
        );
        for declaration in declarations.values() {
            out.push('\n');
            out.push_str(&indented(declaration));
        }
        out.push_str("\n// Written by hand in client-web/src/types.rs: no Rust type of its own.\n");
        out.push_str(HAND_WRITTEN);
        out
    }

    fn samples_ts() -> String {
        let mut out = format!(
            "// Generated by `{COMMAND}` (client-web/src/types_samples.rs): values as serde\n\
             // writes them, each checked by tsc against its generated type. Never imported.\n\n\
             import type * as T from './types';\n\nexport const samples: readonly unknown[] = [\n"
        );
        for (name, value) in super::samples::samples() {
            out.push_str(&format!("  {} satisfies T.{name},\n", literal(&value, 1)));
        }
        out.push_str("];\n");
        out
    }

    /// A declaration as ts-rs writes it (every field and doc line at the left margin,
    /// trailing spaces) indented by its braces, for people reading the file.
    fn indented(declaration: &str) -> String {
        let mut out = String::new();
        let mut depth = 0usize;
        for line in declaration.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let doc = line.starts_with("/**") || line.starts_with('*');
            let code: String = if doc { String::new() } else { unquoted(line) };
            let opens = code.matches('{').count();
            let closes = code.matches('}').count();
            let before = if code.starts_with('}') {
                depth.saturating_sub(1)
            } else {
                depth
            };
            let margin = "  ".repeat(before);
            let space = if line.starts_with('*') { " " } else { "" };
            out.push_str(&format!("{margin}{space}{line}\n"));
            depth = (depth + opens).saturating_sub(closes);
        }
        out
    }

    /// `line` without what is inside double quotes (a field name may hold a brace).
    fn unquoted(line: &str) -> String {
        line.split('"').step_by(2).collect()
    }

    /// `value` as a TypeScript literal (JSON), an object a line per field, arrays of
    /// plain values (keys, hashes, IDs) on one line.
    fn literal(value: &Value, depth: usize) -> String {
        let margin = "  ".repeat(depth + 1);
        let close = "  ".repeat(depth);
        match value {
            Value::Object(fields) if !fields.is_empty() => {
                let lines: Vec<String> = fields
                    .iter()
                    .map(|(key, v)| {
                        format!("{margin}{}: {}", Value::from(key.as_str()), literal(v, depth + 1))
                    })
                    .collect();
                format!("{{\n{}\n{close}}}", lines.join(",\n"))
            }
            Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                let lines: Vec<String> = items
                    .iter()
                    .map(|i| format!("{margin}{}", literal(i, depth + 1)))
                    .collect();
                format!("[\n{}\n{close}]", lines.join(",\n"))
            }
            other => other.to_string(),
        }
    }

    /// The type names in `unchecked_*_type` attributes of this crate's sources.
    fn names_in_signatures() -> BTreeSet<String> {
        const BUILT_IN: &[&str] = &[
            "string",
            "number",
            "boolean",
            "null",
            "undefined",
            "Uint8Array",
            "Array",
        ];
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut names = BTreeSet::new();
        for entry in std::fs::read_dir(&src).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let attribute = "_type = \"";
            for (_, rest) in text
                .match_indices(attribute)
                .map(|(i, _)| text.split_at(i + attribute.len()))
            {
                let written = rest.split('"').next().unwrap_or_default();
                for word in written.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                    if !word.is_empty() && !BUILT_IN.contains(&word) {
                        names.insert(word.to_owned());
                    }
                }
            }
        }
        names
    }

    /// The names `IMPORTS` brings into the `.d.ts` (wasm-bindgen takes the constant,
    /// so it is read from this file).
    fn imported_names() -> BTreeSet<String> {
        let source = include_str!("types.rs");
        let line = source
            .lines()
            .find(|l| l.starts_with("import type {"))
            .unwrap_or_default();
        let list = line
            .split('{')
            .nth(1)
            .and_then(|s| s.split('}').next())
            .unwrap_or_default();
        list.split(',')
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty())
            .collect()
    }

    #[test]
    fn generated_types() {
        let declarations = declarations().found;
        let signatures = names_in_signatures();
        let declared: BTreeSet<String> = declarations.keys().cloned().collect();
        let undeclared: Vec<_> = signatures.difference(&declared).collect();
        assert!(
            undeclared.is_empty(),
            "the .d.ts names types nothing declares: {undeclared:?}"
        );
        assert_eq!(
            imported_names(),
            signatures,
            "the import in client-web/src/types.rs (IMPORTS) must list exactly the types the signatures name"
        );

        let dir = match std::env::var_os("KIZUNA_TEST_TS_OUT") {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("web/src/generated"),
        };
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("types.ts"), types_ts(&declarations)).unwrap();
        std::fs::write(dir.join("serde-samples.ts"), samples_ts()).unwrap();
    }

    /// A type the UI names is checked against serde's output unless it cannot be.
    #[test]
    fn every_type_the_ui_names_has_a_sample() {
        let roots = declarations().roots;
        let sampled: BTreeSet<String> = super::samples::samples()
            .iter()
            .map(|(n, _)| n.to_string())
            .collect();
        for name in super::samples::NOT_SAMPLED {
            assert!(
                roots.contains(*name) && !sampled.contains(*name),
                "{name} in NOT_SAMPLED"
            );
        }
        let missing: Vec<_> = roots
            .iter()
            .filter(|n| !sampled.contains(*n) && !super::samples::NOT_SAMPLED.contains(&n.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "no sample of {missing:?}: add one to samples()"
        );
    }
}

#[cfg(test)]
#[cfg(feature = "ts")]
#[path = "types_samples.rs"]
mod samples;
