//! Terminal comforts: whether to colour, and progress on stderr that shows only on a
//! terminal and only once work has lasted about a second, so pipes, JSON and tests never
//! see it.

use crate::cli::ColorArg;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::ffi::OsStr;
use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Whether to colour output: `always` and `never` decide; `auto` colours a terminal unless
/// `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub(crate) fn use_color(choice: ColorArg, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => is_terminal && no_color.is_none_or(OsStr::is_empty),
    }
}

/// The width tables and text are laid out in. `terminal` is the terminal's width when
/// stdout is one (0 when it says 0×0, as a serial console or some containers do: taken as
/// 80); in a pipe, `COLUMNS`, else 100.
pub(crate) fn width(terminal: Option<u16>, columns: Option<&str>) -> usize {
    match terminal {
        Some(0) => 80,
        Some(w) => usize::from(w),
        None => {
            columns.and_then(|c| c.trim().parse::<usize>().ok()).filter(|&c| c > 0).unwrap_or(100)
        }
    }
}

/// The terminal's width when stdout is a terminal (0 when it cannot say).
pub(crate) fn terminal_width(is_terminal: bool) -> Option<u16> {
    // comfy-table asks the terminal (the one dependency that already does).
    is_terminal.then(|| comfy_table::Table::new().width().unwrap_or(0))
}

/// Work longer than this gets a progress display.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// A progress display on stderr. Hidden at first; a watcher thread makes it visible after
/// [`SHOW_AFTER`] when stderr is a terminal. Finished (and wiped) on drop.
#[derive(Debug)]
pub(crate) struct Progress {
    bar: ProgressBar,
    done: Option<mpsc::Sender<()>>,
    watcher: Option<thread::JoinHandle<()>>,
}

impl Progress {
    /// A spinner with a message, for work of unknown length.
    pub(crate) fn spinner(message: String) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
        Self::watch(bar)
    }

    /// A bar counting `len` items.
    pub(crate) fn bar(len: u64, message: String) -> Self {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:32}] {pos}/{len} ({elapsed}, about {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(message);
        Self::watch(bar)
    }

    fn watch(bar: ProgressBar) -> Self {
        if !std::io::stderr().is_terminal() {
            return Progress { bar, done: None, watcher: None };
        }
        let (tx, rx) = mpsc::channel::<()>();
        let shown = bar.clone();
        let watcher = thread::spawn(move || {
            // Finished (or dropped) before the delay: never drawn.
            if rx.recv_timeout(SHOW_AFTER) != Err(mpsc::RecvTimeoutError::Timeout) {
                return;
            }
            shown.set_draw_target(ProgressDrawTarget::stderr());
            shown.enable_steady_tick(Duration::from_millis(120));
        });
        Progress { bar, done: Some(tx), watcher: Some(watcher) }
    }

    /// Counts one finished item.
    pub(crate) fn inc(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` with the display lifted off the screen, for output to the same terminal.
    pub(crate) fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Whether the display is drawn anywhere (false off a terminal and in the first second).
    #[cfg(test)]
    fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
        self.bar.finish_and_clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    #[test]
    fn width_from_the_terminal_then_columns_then_100() {
        assert_eq!(width(Some(132), Some("60")), 132);
        assert_eq!(width(Some(0), None), 80, "a 0x0 terminal");
        assert_eq!(width(None, Some("72")), 72);
        assert_eq!(width(None, Some("0")), 100);
        assert_eq!(width(None, Some("wide")), 100);
        assert_eq!(width(None, None), 100);
    }

    #[test]
    fn colour_follows_the_flag_then_the_terminal_then_no_color() {
        let set = OsString::from("1");
        let empty = OsString::new();
        assert!(use_color(ColorArg::Always, false, Some(&set)));
        assert!(!use_color(ColorArg::Never, true, None));
        assert!(use_color(ColorArg::Auto, true, None));
        assert!(!use_color(ColorArg::Auto, false, None));
        assert!(!use_color(ColorArg::Auto, true, Some(&set)));
        assert!(use_color(ColorArg::Auto, true, Some(&empty)), "an empty NO_COLOR is unset");
    }

    #[test]
    fn progress_stays_hidden_in_tests() {
        // Test output is captured, so stderr is not a terminal here (or, if it is, the
        // display waits a second before it draws).
        let p = Progress::bar(3, "bundles".to_string());
        p.inc();
        assert!(p.is_hidden());
        drop(p);
        let s = Progress::spinner("reading".to_string());
        assert!(s.is_hidden());
    }
}
