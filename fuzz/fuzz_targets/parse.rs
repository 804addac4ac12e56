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
    // The two-thread decode, its helper started at an offset taken from the input: the same
    // digests and the same result or error as the sequential decode.
    if data.len() >= 2 {
        let from = usize::from(u16::from_be_bytes([data[0], data[1]])) % data.len();
        let digest = |op: flinspect::model::OperatorState<'_>| (op.id, op.subtasks.len(), op.state_size());
        let mut want = Vec::new();
        let expected = flinspect::fold::sequential(
            data,
            &mut flinspect::fold::Digests { digest: &digest, sink: |d| want.push(d) },
        );
        let mut got = Vec::new();
        let split = flinspect::split::parse_digests_split_at(data, from, &digest, |d| got.push(d));
        assert_eq!(want, got);
        match (expected, split) {
            (Ok(a), Ok(b)) => assert_eq!((a.checkpoint_id, a.trailing_bytes), (b.checkpoint_id, b.trailing_bytes)),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            (a, b) => panic!("sequential {a:?}, split {b:?}"),
        }
    }
    let lossy = flinspect::format::parse_lossy(data);
    if let Some(e) = lossy.error {
        let _ = e.to_string();
    }
});
