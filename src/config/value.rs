//! Values as Flink reads them: durations (`TimeUtils.parseDuration`), memory sizes
//! (`MemorySize.parse`), booleans, numbers and enum names. Each parser returns `Err` with what
//! Flink expects, so a value Flink would reject becomes a finding naming it.

use std::time::Duration;

use super::keys::Type;

/// `TimeUtils.parseDuration`: digits, optional whitespace, an optional unit (default
/// milliseconds). ISO-8601 (`PT10M`, what `Duration.toString` prints) is accepted too.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(iso) = t.strip_prefix("pt") {
        return parse_iso(iso).ok_or_else(|| format!("{s:?} is not a duration"));
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!(
            "{s:?} is not a duration (a whole number and a unit such as ms, s, min, h, d)"
        ));
    }
    let n: u64 = t[..digits]
        .parse()
        .map_err(|_| format!("{s:?}: the number is too large"))?;
    let unit = t[digits..].trim();
    let nanos_per: u128 = match unit {
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "m" | "min" | "minute" | "minutes" => 60_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        _ => {
            return Err(format!(
                "{s:?}: unknown time unit {unit:?} (ms, s, min, h, d and their long forms)"
            ))
        }
    };
    let nanos = n as u128 * nanos_per;
    u64::try_from(nanos / 1_000_000_000)
        .map(|secs| Duration::new(secs, (nanos % 1_000_000_000) as u32))
        .map_err(|_| format!("{s:?}: the duration is too large"))
}

fn parse_iso(rest: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'h' | 'm' | 's' => {
                let v: f64 = num.parse().ok()?;
                num.clear();
                total += v * match c {
                    'h' => 3600.0,
                    'm' => 60.0,
                    _ => 1.0,
                };
            }
            _ => return None,
        }
    }
    (num.is_empty() && total.is_finite()).then(|| Duration::from_secs_f64(total))
}

/// `MemorySize.parse`: digits, optional whitespace, an optional unit (default bytes).
pub fn parse_memory(s: &str) -> Result<u64, String> {
    let t = s.trim().to_ascii_lowercase();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(format!(
            "{s:?} is not a memory size (a whole number and a unit such as b, kb, mb, gb, tb)"
        ));
    }
    let n: u64 = t[..digits]
        .parse()
        .map_err(|_| format!("{s:?}: the number is too large"))?;
    let mult: u64 = match t[digits..].trim() {
        "" | "b" | "bytes" => 1,
        "k" | "kb" | "kibibytes" => 1 << 10,
        "m" | "mb" | "mebibytes" => 1 << 20,
        "g" | "gb" | "gibibytes" => 1 << 30,
        "t" | "tb" | "tebibytes" => 1 << 40,
        u => {
            return Err(format!(
                "{s:?}: unknown memory unit {u:?} (b, kb, mb, gb, tb and their long forms)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?}: the size is too large"))
}

/// `ConfigurationUtils.convertToBoolean`: `true` or `false`, any case, nothing else.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("{s:?} is not a boolean (true or false)")),
    }
}

/// A whole number (`Long.parseLong`, then the option's range).
pub fn parse_int(s: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number"))?;
    if n < min || n > max {
        return Err(format!("{n} is outside {min} – {max}"));
    }
    Ok(n)
}

/// Whether a value is acceptable for a key of this type; `Err` says what Flink expects.
pub fn validate(ty: Type, value: &str) -> Result<(), String> {
    match ty {
        Type::Text | Type::List => Ok(()),
        Type::Bool => parse_bool(value).map(|_| ()),
        Type::Int { min, max } => parse_int(value, min, max).map(|_| ()),
        Type::Fraction => match value.trim().parse::<f64>() {
            Ok(f) if (0.0..=1.0).contains(&f) => Ok(()),
            _ => Err(format!("{value:?} is not a fraction between 0 and 1")),
        },
        Type::Duration => parse_duration(value).map(|_| ()),
        Type::Memory => parse_memory(value).map(|_| ()),
        Type::Enum { names, class } => {
            let v = value.trim();
            if names.iter().any(|n| n.eq_ignore_ascii_case(v)) {
                return Ok(());
            }
            // Flink loads any other value as a factory class: a dotted Java name may be one.
            let class_like = v.contains('.')
                && v.split('.').all(|p| {
                    !p.is_empty()
                        && p.chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                });
            if class && class_like {
                return Ok(());
            }
            Err(format!(
                "{value:?} is not one of {}{}",
                names.join(", "),
                if class {
                    " (or a factory class name)"
                } else {
                    ""
                }
            ))
        }
    }
}

/// A duration as people write it: `90 s`, `10 min`, `1 h`.
pub fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0 ms".into()
    } else if ms % 3_600_000 == 0 {
        format!("{} h", ms / 3_600_000)
    } else if ms % 60_000 == 0 {
        format!("{} min", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_as_flink_reads_them() {
        assert_eq!(parse_duration("10 min").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("3min").unwrap(), Duration::from_secs(180));
        assert_eq!(parse_duration("500").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1 h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("PT10M").unwrap(), Duration::from_secs(600));
        assert!(parse_duration("10 minutez").is_err());
        assert!(parse_duration("ten").is_err());
        assert!(parse_duration("1.5 s").is_err());
    }

    #[test]
    fn memory_sizes_as_flink_reads_them() {
        assert_eq!(parse_memory("1600m").unwrap(), 1600 << 20);
        assert_eq!(parse_memory("4 kb").unwrap(), 4096);
        assert_eq!(parse_memory("7").unwrap(), 7);
        assert!(parse_memory("1.5g").is_err());
        assert!(parse_memory("12 parsecs").is_err());
    }

    #[test]
    fn types_validate() {
        assert!(validate(Type::Bool, "TRUE").is_ok());
        assert!(validate(Type::Bool, "yes").is_err());
        assert!(validate(Type::Int { min: 1, max: 5 }, "6").is_err());
        let e = Type::Enum {
            names: &["full", "region"],
            class: false,
        };
        assert!(validate(e, "Region").is_ok());
        assert!(validate(e, "regional").is_err());
        let c = Type::Enum {
            names: &["hashmap"],
            class: true,
        };
        assert!(validate(c, "com.example.MyBackendFactory").is_ok());
        assert!(validate(c, "rocks").is_err());
    }
}
