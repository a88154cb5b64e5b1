//! The terminal: its width, whether to color, and the progress line.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Width used when output is not a terminal and `COLUMNS` is not set.
pub const PIPED_WIDTH: usize = 100;

/// Columns to fit the human output in: `COLUMNS`, else the terminal's width, else 100.
pub fn width() -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n.max(20);
    }
    if io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size_of(io::stdout()) {
            return usize::from(w).max(20);
        }
    }
    PIPED_WIDTH
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// `--color`, else `CARGO_TERM_COLOR` (as cargo reads it), else `auto`.
    pub fn resolve(flag: Option<ColorChoice>) -> ColorChoice {
        flag.or_else(|| {
            let env = std::env::var("CARGO_TERM_COLOR").ok()?;
            <ColorChoice as clap::ValueEnum>::from_str(env.trim(), true).ok()
        })
        .unwrap_or(ColorChoice::Auto)
    }

    /// Colors for `auto` only on a terminal, and never with `NO_COLOR` set.
    pub fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && io::stdout().is_terminal()
            }
        }
    }
}

/// `files read / files in the run` on stderr, drawn only when the run takes longer than a
/// second and stderr is a terminal; erased before the report is printed.
pub struct ProgressLine {
    start: Instant,
    delay: Duration,
    /// When it was last drawn (`None`: never).
    drawn: Mutex<Option<Instant>>,
}

impl ProgressLine {
    /// A progress line, or `None` when stderr is not a terminal or the run is quiet.
    pub fn for_run(quiet: bool) -> Option<Arc<ProgressLine>> {
        if quiet || !io::stderr().is_terminal() {
            return None;
        }
        // Tests set the delay to 0 to see the line without a slow run.
        let delay = std::env::var("SLOTLINT_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        Some(Arc::new(ProgressLine {
            start: Instant::now(),
            delay: Duration::from_millis(delay),
            drawn: Mutex::new(None),
        }))
    }

    pub fn tick(&self, done: usize, total: usize) {
        if self.start.elapsed() < self.delay {
            return;
        }
        let Ok(mut drawn) = self.drawn.lock() else {
            return;
        };
        if drawn.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) && done < total {
            return;
        }
        *drawn = Some(Instant::now());
        let mut err = io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[K    Checking {done}/{total} {}",
            if total == 1 { "file" } else { "files" }
        );
        let _ = err.flush();
    }

    /// Erases the line, if it was drawn.
    pub fn finish(&self) {
        if self.drawn.lock().is_ok_and(|d| d.is_some()) {
            let mut err = io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }
}
