//! Progress for people: a bar with sizes and rates on a terminal, plain lines
//! (start and summary) otherwise, so cron mail and logs stay readable.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{HumanBytes, ProgressBar, ProgressStyle};

/// One phase of work measured in bytes.
pub struct Progress {
    bar: Option<ProgressBar>,
    what: &'static str,
    started: Instant,
    bytes: u64,
}

impl Progress {
    /// Starts a phase over `total` bytes.
    pub fn start(what: &'static str, total: u64, items: usize) -> Self {
        println!("{what}: {items} item(s), {}", HumanBytes(total));
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what);
            bar
        });
        Self {
            bar,
            what,
            started: Instant::now(),
            bytes: 0,
        }
    }

    /// Counts bytes done.
    pub fn advance(&mut self, bytes: u64) {
        self.bytes = self.bytes.saturating_add(bytes);
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }

    /// Ends the phase with a summary line.
    pub fn finish(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        // Bytes per second for a summary line; precision is not needed.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let rate = (self.bytes as f64 / secs) as u64;
        println!(
            "{}: {summary} ({} in {secs:.1} s, {}/s)",
            self.what,
            HumanBytes(self.bytes),
            HumanBytes(rate)
        );
    }
}
