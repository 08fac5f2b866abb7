//! One conformance suite for both clients: the same scenarios, driven through each
//! client's own shell (the native client in Rust, the browser core through its
//! wasm-bindgen API), so a rule can no more drift between them than it can within
//! the engine. The model is matrix-sdk-crypto's `cryptostore_integration_tests!`: one
//! suite, every backend.
//!
//! * [`scenarios`] states each scenario once: the author's side (real MLS groups made
//!   with this engine, see [`fixture`]) produces the log entries a server would hold,
//!   and each step says what a reader must see.
//! * A client implements [`Shell`] for one reader device: it feeds entries, room
//!   members and failed sends to its own shell, exactly as the client does, and
//!   translates what its shell reports into [`Outcome`]s. [`Sight`] says what the
//!   shell cannot report at all (the native client keeps no error codes, for one);
//!   that detail is left out of the comparison for that shell, nothing else.
//! * [`run_all`] runs every scenario on fresh devices from a [`ShellFactory`] and
//!   returns each step that differs, with a diff; [`assert_conforms`] panics with them.
//!
//! Behind the `conformance` feature (and in the engine's own tests, which run the suite
//! on the bare engine): test support, never part of a client build.

pub mod fixture;
mod membership;
mod outcome;
mod reading;
pub mod scenarios;
mod sending;
#[cfg(test)]
mod tests;

use std::fmt;

use kizuna_proto::{DeviceId, LogEntry, RoomMember, UserId, Welcome};

use crate::error::EngineError;
pub use outcome::{AddSeen, Outcome, PlanSeen, Send, Sight};
pub use scenarios::{Failure, Reader, Scenario, Script, Step};

/// One client's shell, holding one reader device (made by a [`ShellFactory`]).
///
/// Implementations are test code: they may panic when their own shell fails in a way
/// no scenario expects (e.g. a welcome it cannot join); the panic is the test failing.
pub trait Shell {
    /// What this shell can report (see [`Sight`]).
    fn sight(&self) -> Sight;

    /// One key package of the reader device (base64), made by the shell, so the
    /// scenario's author can add the device.
    fn key_package(&mut self) -> String;

    /// Joins the channel the welcome is for, as the shell joins from
    /// `GET /devices/{d}/welcomes`.
    fn join(&mut self, welcome: &Welcome);

    /// Feeds entries to the shell's own log ingestion (as if fetched from the server)
    /// and reports what the shell said about them: posts shown, entries refused,
    /// where reading stopped, and, last, one [`Outcome::Channel`] with where the
    /// channel stands afterwards.
    fn ingest(&mut self, entries: &[LogEntry]) -> Vec<Outcome>;

    /// What the shell would change so the channel's group matches `members`
    /// (`GET /rooms/{room}/members`).
    fn plan(&mut self, members: &[RoomMember]) -> PlanSeen;

    /// What the shell does after a send failed this way.
    fn send_failed(&mut self, failure: &Failure) -> Send;
}

/// Makes a fresh shell with a new reader device for each scenario.
pub trait ShellFactory {
    /// The shell it makes.
    type Shell: Shell;

    /// A shell whose device is `device` of `user`, with no channel yet.
    fn device(&mut self, user: UserId, device: DeviceId) -> Self::Shell;
}

impl<S: Shell, F: FnMut(UserId, DeviceId) -> S> ShellFactory for F {
    type Shell = S;

    fn device(&mut self, user: UserId, device: DeviceId) -> S {
        self(user, device)
    }
}

/// A step whose outcome differed from the scenario's, or a scenario that could not be
/// set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The scenario.
    pub scenario: &'static str,
    /// The step (1-based; 0: setting the scenario up).
    pub step: usize,
    /// What the step does.
    pub doing: String,
    /// Outcomes the scenario expects that the shell did not report.
    pub missing: Vec<Outcome>,
    /// Outcomes the shell reported that the scenario does not expect.
    pub unexpected: Vec<Outcome>,
    /// Why the scenario could not be set up, if so.
    pub setup: Option<EngineError>,
}

/// How many outcomes a diff shows per side before it summarises.
const SHOWN: usize = 12;

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} step {} ({})", self.scenario, self.step, self.doing)?;
        if let Some(error) = &self.setup {
            return write!(f, ": setup failed: {error}");
        }
        for (sign, list) in [("- expected", &self.missing), ("+ reported", &self.unexpected)] {
            for outcome in list.iter().take(SHOWN) {
                write!(f, "\n    {sign} {outcome:?}")?;
            }
            if list.len() > SHOWN {
                write!(f, "\n    {sign} … and {} more", list.len() - SHOWN)?;
            }
        }
        Ok(())
    }
}

/// What a whole run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// Scenarios run.
    pub scenarios: usize,
    /// Steps compared.
    pub steps: usize,
    /// Every step that differed.
    pub mismatches: Vec<Mismatch>,
}

/// Runs every scenario of [`scenarios::all`] on fresh devices from `factory`.
pub fn run_all<F: ShellFactory>(factory: &mut F) -> Run {
    let mut run = Run::default();
    for scenario in scenarios::all() {
        run.scenarios += 1;
        run_one(factory, &scenario, &mut run);
    }
    run
}

/// [`run_all`], panicking with every mismatch if there is one; the number of steps
/// compared otherwise.
pub fn assert_conforms<F: ShellFactory>(factory: &mut F) -> usize {
    let run = run_all(factory);
    if !run.mismatches.is_empty() {
        let report: Vec<String> = run.mismatches.iter().map(ToString::to_string).collect();
        panic!(
            "{} of {} steps differ from the conformance scenarios:\n{}",
            run.mismatches.len(),
            run.steps,
            report.join("\n")
        );
    }
    run.steps
}

fn run_one<F: ShellFactory>(factory: &mut F, scenario: &Scenario, run: &mut Run) {
    let reader = Reader::default();
    let mut shell = factory.device(reader.user, reader.device);
    let sight = shell.sight();
    let key_package = shell.key_package();
    let script = match (scenario.build)(&reader, &key_package) {
        Ok(script) => script,
        Err(error) => {
            run.mismatches.push(Mismatch {
                scenario: scenario.name,
                step: 0,
                doing: "setting up".to_owned(),
                missing: Vec::new(),
                unexpected: Vec::new(),
                setup: Some(error),
            });
            return;
        }
    };
    if let Some(welcome) = &script.welcome {
        shell.join(welcome);
    }
    for (n, step) in script.steps.iter().enumerate() {
        run.steps += 1;
        let reported = match step {
            Step::Ingest { entries, .. } => shell.ingest(entries),
            Step::Plan { members, .. } => vec![Outcome::Plan(shell.plan(members))],
            Step::Send { failure, .. } => vec![Outcome::Send(shell.send_failed(failure))],
        };
        let expected = outcome::as_seen(step.expect(), sight);
        let reported = outcome::as_seen(&reported, sight);
        if expected != reported {
            let (missing, unexpected) = outcome::diff(&expected, &reported);
            run.mismatches.push(Mismatch {
                scenario: scenario.name,
                step: n + 1,
                doing: step.describe(),
                missing,
                unexpected,
                setup: None,
            });
        }
    }
}
