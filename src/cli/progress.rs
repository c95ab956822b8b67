//! The progress line on stderr (indicatif): only when stderr is a terminal, never with `-q`,
//! never on stdout. `check` counts endpoints (done / total, rate, ETA, errors so far); `logs`
//! counts bytes read.

use std::fmt::Write;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A progress line, or nothing when it must not be drawn.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    errors: u64,
}

impl Progress {
    /// A line counting `total` endpoints (unknown for stdin), drawn when `wanted` and stderr
    /// is a terminal and more than one endpoint is checked.
    pub(crate) fn endpoints(total: Option<u128>, wanted: bool) -> Self {
        let total = total.map(|t| u64::try_from(t).unwrap_or(u64::MAX));
        let shown = wanted && std::io::stderr().is_terminal() && total != Some(1);
        let bar = shown.then(|| {
            let (bar, template) = match total {
                Some(total) => (
                    ProgressBar::new(total),
                    "{pos}/{len} endpoints  {rate}  ETA {eta}  {msg}",
                ),
                None => (
                    ProgressBar::no_length(),
                    "{pos} endpoints  {rate}  {elapsed}  {msg}",
                ),
            };
            style(&bar, template);
            bar
        });
        Self { bar, errors: 0 }
    }

    /// A line counting `total` bytes read, drawn when `wanted` and stderr is a terminal.
    pub(crate) fn bytes(total: u64, wanted: bool) -> Self {
        let shown = wanted && std::io::stderr().is_terminal();
        let bar = shown.then(|| {
            let bar = ProgressBar::new(total);
            style(
                &bar,
                "{bytes}/{total_bytes} read  {binary_bytes_per_sec}  ETA {eta}",
            );
            bar
        });
        Self { bar, errors: 0 }
    }

    /// One endpoint done (`failed`: with an error finding).
    pub(crate) fn endpoint(&mut self, failed: bool) {
        let Some(bar) = &self.bar else {
            return;
        };
        if failed {
            self.errors += 1;
            bar.set_message(format!("{} with errors", self.errors));
        }
        bar.inc(1);
    }

    /// The position (bytes read so far).
    pub(crate) fn set(&self, position: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
        }
    }

    /// Removes the line.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn style(bar: &ProgressBar, template: &str) {
    bar.set_draw_target(ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        // Whole endpoints per second (indicatif's own `{per_sec}` prints four decimals).
        let style = style.with_key("rate", |state: &ProgressState, out: &mut dyn Write| {
            let _ = write!(out, "{:.0}/s", state.per_sec());
        });
        bar.set_style(style);
    }
}
