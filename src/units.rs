//! Units for messages: byte counts in a short human form. Used by the renderers and by the
//! rules' messages; depends on nothing.

/// Bytes in a short human form (binary units), exact below 1 KiB.
pub fn human_bytes(n: i64) -> String {
    if n < 0 {
        return "unknown".into();
    }
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", UNITS[i])
}
