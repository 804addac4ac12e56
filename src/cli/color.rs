//! `--color auto|always|never`, shared by the commands with coloured human output.
//!
//! `auto` colours only when the stream is a terminal, `NO_COLOR` is unset or empty
//! (<https://no-color.org>) and `TERM` is not `dumb`; `always` and `never` decide regardless.

use std::ffi::OsStr;
use std::io::IsTerminal;

use flinspect::render::color::Palette;

/// When to colour human output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// When the output is a terminal, NO_COLOR is unset and TERM is not dumb
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// The palette for what is written to stdout.
    pub fn for_stdout(self) -> Palette {
        Palette {
            enabled: decide(
                self,
                std::io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
            ),
        }
    }
}

/// The decision, from the choice and the environment (`NO_COLOR`, `TERM`).
pub fn decide(
    choice: ColorChoice,
    is_terminal: bool,
    no_color: Option<&OsStr>,
    term: Option<&OsStr>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal && no_color.is_none_or(OsStr::is_empty) && !is_dumb_terminal(term)
        }
    }
}

/// `TERM=dumb`: a terminal that understands no control codes (no colour, no cursor movement).
pub fn is_dumb_terminal(term: Option<&OsStr>) -> bool {
    term.is_some_and(|t| t == "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_needs_a_terminal_no_no_color_and_a_capable_term() {
        let t = Some(OsStr::new("xterm-256color"));
        assert!(decide(ColorChoice::Auto, true, None, t));
        assert!(decide(ColorChoice::Auto, true, Some(OsStr::new("")), t));
        assert!(!decide(ColorChoice::Auto, false, None, t));
        assert!(!decide(ColorChoice::Auto, true, Some(OsStr::new("1")), t));
        assert!(!decide(
            ColorChoice::Auto,
            true,
            None,
            Some(OsStr::new("dumb"))
        ));
        assert!(decide(
            ColorChoice::Always,
            false,
            Some(OsStr::new("1")),
            None
        ));
        assert!(!decide(ColorChoice::Never, true, None, t));
    }
}
