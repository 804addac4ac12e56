//! Names Flink gives snapshot and job directories, and RFC 3339 times for the report.

use std::time::SystemTime;

/// `chk-<N>` → N.
pub fn checkpoint_dir_id(name: &str) -> Option<i64> {
    let digits = name.strip_prefix("chk-")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `savepoint-<hex prefix>-<random>` → the prefix (lowercase), as
/// `AbstractFsCheckpointStorageAccess.createSavepointDirectory` names them.
pub fn savepoint_dir_prefix(name: &str) -> Option<String> {
    let rest = name.strip_prefix("savepoint-")?;
    let (prefix, random) = rest.split_once('-')?;
    if prefix.is_empty()
        || prefix.len() > 32
        || random.is_empty()
        || !prefix.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    Some(prefix.to_ascii_lowercase())
}

/// A JobID as Flink prints it: 32 hex digits.
pub fn is_job_id(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Formats a time as RFC 3339 UTC with second precision (`2024-05-01T12:00:00Z`).
pub fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64) - i64::from(e.duration().subsec_nanos() > 0),
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names() {
        assert_eq!(checkpoint_dir_id("chk-42"), Some(42));
        assert_eq!(checkpoint_dir_id("chk-"), None);
        assert_eq!(checkpoint_dir_id("chk-4x"), None);
        assert_eq!(
            savepoint_dir_prefix("savepoint-258a11-410717a82ad9").as_deref(),
            Some("258a11")
        );
        assert_eq!(savepoint_dir_prefix("savepoint-xyz-1"), None);
        assert_eq!(savepoint_dir_prefix("savepoint-abc"), None);
        assert!(is_job_id("258a115d13f3ee1aee8eca7ca587d341"));
        assert!(!is_job_id("258a115d13f3ee1aee8eca7ca587d34"));
    }

    #[test]
    fn rfc3339_dates() {
        let t = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(rfc3339(t(0)), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(t(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(t(1_795_244_361)), "2026-11-21T06:59:21Z");
    }
}
