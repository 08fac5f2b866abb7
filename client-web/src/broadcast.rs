//! Regional broadcasts on `Device` (issue 14): pin an organisation's officer roster,
//! verify a notice against the pins, and, on an officer's device, sign notices and
//! roster changes with the device's own key. Every rule (first-sight pinning, which
//! key may change a roster, official / expired / unverified, the words of each
//! warning) is the engine's ([`kizuna_engine::Core`]); these methods only convert.
//!
//! The signed forms (`SignedBroadcast`, `SignedRosterChange`) travel as the server's
//! JSON has them: `{payload, signature, signer_key}`, each standard base64. Save the
//! state with `export_state` after `accept_rosters`, so a pin survives a restart.

use kizuna_crypto::broadcast::{Broadcast, RosterChange, SignedBroadcast, SignedRosterChange};
use wasm_bindgen::prelude::*;

use crate::channel::timestamp;
use crate::device::Device;
use crate::error::OrThrow;
use crate::wire::{from_js, to_js};

#[wasm_bindgen]
impl Device {
    /// Reads one organisation's roster changes, oldest first (`GET
    /// /organisations/{o}/roster`): one report each, `{outcome: "pinned" | "changed" |
    /// "unchanged" | "refused", …}`. A first roster is pinned: show its `fingerprint`
    /// to compare with the one the organisation publishes. Save the state afterwards.
    #[wasm_bindgen(unchecked_return_type = "RosterReport[]")]
    pub fn accept_rosters(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedRosterChange[]")] changes: JsValue,
    ) -> Result<JsValue, JsError> {
        let changes: Vec<SignedRosterChange> = from_js("roster changes", changes)?;
        let reports = self.borrow_mut()?.accept_rosters(&changes);
        to_js(&reports)
    }

    /// The verdict on a received notice at `now` (ms since the epoch), against the
    /// rosters pinned now: `{standing: "official" | "expired" | "unverified",
    /// broadcast, officer, warning}`. Never throws on a bad notice: an altered, forged
    /// or unknown-key notice comes back `unverified` with the warning to show.
    #[wasm_bindgen(unchecked_return_type = "BroadcastView")]
    pub fn verify_broadcast(
        &self,
        #[wasm_bindgen(unchecked_param_type = "SignedBroadcast")] signed: JsValue,
        now: f64,
    ) -> Result<JsValue, JsError> {
        let signed: SignedBroadcast = from_js("signed broadcast", signed)?;
        let now = timestamp(now)?;
        let view = self.borrow()?.verify_broadcast(&signed, now);
        to_js(&view)
    }

    /// This device as an officer, `{user, device, key}`: what a notice's or a roster
    /// change's `signed_by` must be for this device to sign it, and what an officer
    /// list names for this device.
    #[wasm_bindgen(unchecked_return_type = "Officer")]
    pub fn officer(&self) -> Result<JsValue, JsError> {
        let officer = self.borrow()?.officer();
        to_js(&officer)
    }

    /// Signs a notice with this device's key: `{payload, signature, signer_key}` for
    /// the server. The notice must name this device (`officer()`) as `signed_by` and
    /// keep the content rules, or this throws (e.g. `broadcast_not_this_device`).
    #[wasm_bindgen(unchecked_return_type = "SignedBroadcast")]
    pub fn sign_broadcast(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Broadcast")] content: JsValue,
    ) -> Result<JsValue, JsError> {
        let content: Broadcast = from_js("broadcast", content)?;
        let signed = self.borrow()?.sign_broadcast(&content).or_throw()?;
        to_js(&signed)
    }

    /// Signs a roster change with this device's key (an officer on the version before,
    /// or on version 1 itself): `{payload, signature, signer_key}` for the server.
    #[wasm_bindgen(unchecked_return_type = "SignedRosterChange")]
    pub fn sign_roster_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RosterChange")] change: JsValue,
    ) -> Result<JsValue, JsError> {
        let change: RosterChange = from_js("roster change", change)?;
        let signed = self.borrow()?.sign_roster_change(&change).or_throw()?;
        to_js(&signed)
    }
}
