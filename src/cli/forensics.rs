//! Forensics helpers: `uid-hash` and `max-parallelism`.

use std::fmt::Write as _;

use flinspect::model::keygroups::{
    default_max_parallelism, key_group_range_for_subtask, UPPER_BOUND_MAX_PARALLELISM,
};
use flinspect::model::OperatorId;
use serde_json::json;

use super::{emit, exit, Failure};

#[derive(clap::Args)]
pub struct UidHashArgs {
    /// One or more uids as given to `.uid(…)`
    #[arg(required = true)]
    uids: Vec<String>,
    /// JSON output: [{"uid": …, "operator_id": …}]
    #[arg(long)]
    json: bool,
}

pub fn uid_hash(a: UidHashArgs) -> Result<i32, Failure> {
    let pairs: Vec<(String, String)> = a
        .uids
        .iter()
        .map(|u| (u.clone(), OperatorId::from_uid(u).to_hex()))
        .collect();
    let out = if a.json {
        let v: Vec<_> = pairs
            .iter()
            .map(|(u, id)| json!({"uid": u, "operator_id": id}))
            .collect();
        serde_json::to_string_pretty(&v).map_err(|e| Failure::Message(e.to_string()))? + "\n"
    } else {
        pairs.iter().fold(String::new(), |mut s, (u, id)| {
            let _ = writeln!(s, "{id}  {u}");
            s
        })
    };
    emit(&out)?;
    Ok(exit::OK)
}

#[derive(clap::Args)]
pub struct MaxParallelismArgs {
    /// The operator's parallelism
    parallelism: u32,
    /// Use this max parallelism instead of Flink's default for the parallelism
    #[arg(long)]
    max_parallelism: Option<u32>,
    /// JSON output
    #[arg(long)]
    json: bool,
}

pub fn max_parallelism(a: MaxParallelismArgs) -> Result<i32, Failure> {
    if a.parallelism == 0 || a.parallelism > UPPER_BOUND_MAX_PARALLELISM {
        return Err(Failure::Message(format!(
            "parallelism {} is out of range: expected 1 to {UPPER_BOUND_MAX_PARALLELISM}",
            a.parallelism
        )));
    }
    let derived = default_max_parallelism(a.parallelism);
    let maxp = a.max_parallelism.unwrap_or(derived);
    if maxp == 0 || maxp > UPPER_BOUND_MAX_PARALLELISM || maxp < a.parallelism {
        return Err(Failure::Message(format!(
            "max parallelism {maxp} is out of range: expected {} to {UPPER_BOUND_MAX_PARALLELISM}",
            a.parallelism
        )));
    }
    let ranges: Vec<_> = (0..a.parallelism)
        .map(|i| key_group_range_for_subtask(maxp, a.parallelism, i))
        .collect();
    let out = if a.json {
        let v = json!({
            "parallelism": a.parallelism,
            "default_max_parallelism": derived,
            "max_parallelism": maxp,
            "subtasks": ranges.iter().enumerate().map(|(i, r)| json!({"index": i, "key_groups": [r.start, r.end]})).collect::<Vec<_>>(),
        });
        serde_json::to_string_pretty(&v).map_err(|e| Failure::Message(e.to_string()))? + "\n"
    } else {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "parallelism {}: Flink's default max parallelism is {derived}",
            a.parallelism
        );
        let _ = writeln!(s, "  (min(max(roundUpToPowerOfTwo(p + p/2), 128), 32768))");
        if maxp != derived {
            let _ = writeln!(s, "key groups below use max parallelism {maxp}");
        }
        for (i, r) in ranges.iter().enumerate() {
            let _ = writeln!(
                s,
                "  subtask {i:>5}: key groups {:>5} - {:<5} ({} groups)",
                r.start,
                r.end,
                r.len()
            );
        }
        s
    };
    emit(&out)?;
    Ok(exit::OK)
}
