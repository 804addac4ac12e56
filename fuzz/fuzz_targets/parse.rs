//! The whole reader: bytes → strict and lossy parse → every handle walked by the analysis and
//! both renderers. Any panic, overflow or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(md) = flinspect::format::parse(data) {
        let summary = flinspect::analysis::summarize(&md, Some("chk-1"));
        let labels = flinspect::render::UidLabels::new(["my-source".to_string()]);
        let doc = flinspect::render::json::snapshot("fuzz", &md, &summary, &labels, true);
        let _ = serde_json::to_vec(&doc).unwrap();
        let opts = flinspect::render::human::Options { subtasks: true, files: true };
        let _ = flinspect::render::human::inspect("fuzz", &md, &summary, &labels, opts);
        for op in &md.operators {
            let _ = flinspect::analysis::key_group_coverage(op);
        }
        // The state-file probe on inline bytes only (the directory does not exist).
        let _ = flinspect::probe::key_groups_layout(&md, std::path::Path::new("/nonexistent-fuzz-dir"));
    }
    let lossy = flinspect::format::parse_lossy(data);
    if let Some(e) = lossy.error {
        let _ = e.to_string();
    }
});
