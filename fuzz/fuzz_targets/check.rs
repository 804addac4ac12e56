//! `check` on arbitrary input: the first two bytes give the length of a job description
//! (YAML/JSON text), the rest is the snapshot. Neither may panic; a snapshot that does not
//! parse never reaches the rules.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n = usize::from(u16::from_be_bytes([data[0], data[1]])).min(data.len() - 2);
    let (job_text, snapshot) = data[2..].split_at(n);
    let Ok(job_text) = std::str::from_utf8(job_text) else { return };
    let Ok(job) = flinspect::check::job::Job::from_yaml(job_text, "fuzz.yaml") else { return };
    let Ok(md) = flinspect::format::parse(snapshot) else { return };
    let options = flinspect::check::Options::default();
    let report = flinspect::check::check(&md, &job, &options);
    let _ = report.verdict(flinspect::check::Severity::Error);
    // Also the snapshot-against-itself path of `--against`.
    let other = flinspect::check::job::Job::from_snapshot(&md, "fuzz");
    let _ = flinspect::check::check(&md, &other, &options);
});
