//! ANSI colour for human output. Whether to colour is the caller's decision (the CLI's
//! `--color auto|always|never`, `NO_COLOR`, whether the stream is a terminal); with colour off
//! every function here returns its text unchanged.

/// Colours for statuses and severities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Good news: restorable, compatible.
    Good,
    /// Needs attention, but not broken: unverified, unreadable, a warning.
    Caution,
    /// Broken, incompatible, an error.
    Bad,
}

/// Paints text in a tone, or leaves it alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    pub const OFF: Palette = Palette { enabled: false };
    pub const ON: Palette = Palette { enabled: true };

    /// `text` wrapped in the tone's SGR code and a reset, when enabled.
    pub fn paint(self, tone: Tone, text: &str) -> String {
        if !self.enabled {
            return text.to_string();
        }
        let code = match tone {
            Tone::Good => "32",
            Tone::Caution => "33",
            Tone::Bad => "31",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }
}
