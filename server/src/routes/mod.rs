//! HTTP resources, one module each. Handlers are thin: extract, authorise, call
//! storage, respond.

pub mod health;
pub mod invitations;
pub mod metrics;
pub mod openapi;
