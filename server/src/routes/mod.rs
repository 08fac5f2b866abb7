//! HTTP resources, one module each. Handlers are thin: extract, authorise, call
//! storage, respond.

pub mod admin;
pub mod auth;
pub mod blobs;
pub mod channels;
pub mod delivery;
pub mod health;
pub mod invitations;
pub mod me;
pub mod metrics;
pub mod openapi;
pub mod reads;
pub mod registration;
pub mod room_state;
pub mod rooms;
pub mod staff_devices;
pub mod web;
pub mod ws;
