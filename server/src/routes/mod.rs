//! HTTP resources, one module each. Handlers are thin: they extract the request's
//! input, call one use case in [`crate::service`] and answer with what it returns
//! (its refusals are [`crate::error::ApiError`]s, answered by the error catalogue).
//!
//! A route module never imports another route module: what two of them share (a
//! check, a view type, a helper) belongs in [`crate::service`] or lower, so each
//! module can be read, changed and moved on its own.

pub mod access;
pub mod admin;
pub mod alerts;
pub mod auth;
pub mod blobs;
pub mod broadcasts;
pub mod channels;
pub mod delivery;
pub mod emergency;
pub mod exports;
pub mod health;
pub mod invitations;
pub mod me;
pub mod metrics;
pub mod notifications;
pub mod openapi;
pub mod reads;
pub mod registration;
pub mod retention;
pub mod room_state;
pub mod rooms;
pub mod safety;
pub mod staff_devices;
pub mod web;
pub mod ws;
