//! `flinspect scan`'s human view and stderr: `--problems`, `--quiet`, `--color`, and the
//! progress display on terminals that understand no control codes (`TERM=dumb`).

use crate::scan_fixture;

use std::fs;
use std::process::{Command, Output};

use scan_fixture::{
    all_cases, incremental_case, job_dir, newest_checkpoint, referenced_shared_file, Copy,
};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A healthy case (hashmap) and the incremental case with one shared file of its newest
/// checkpoint deleted: one broken snapshot, the rest restorable.
fn one_broken() -> (Copy, String) {
    let healthy = all_cases()
        .into_iter()
        .find(|(_, c)| c == "hashmap")
        .expect("a hashmap fixture");
    let broken = incremental_case();
    let copy = Copy::new(&[healthy.clone(), broken.clone()]);
    let chk = newest_checkpoint(&job_dir(&copy.case_dir(&broken)));
    fs::remove_file(referenced_shared_file(&copy, &chk)).unwrap();
    let healthy_job = job_dir(&copy.case_dir(&healthy));
    (
        copy,
        healthy_job
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned(),
    )
}

/// Table rows: lines that start with a snapshot kind.
fn rows(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("  checkpoint ") || l.starts_with("  savepoint "))
        .collect()
}

#[test]
fn problems_shows_only_what_needs_attention_and_the_summary() {
    let (copy, healthy_job) = one_broken();
    let all = copy.cli(&[]);
    assert_eq!(all.status.code(), Some(1));
    let all = text(&all.stdout);
    assert!(all.contains(&healthy_job), "{all}");
    assert!(
        rows(&all).iter().any(|r| r.contains(" restorable ")),
        "{all}"
    );

    let o = copy.cli(&["--problems"]);
    assert_eq!(o.status.code(), Some(1), "the same verdict");
    let out = text(&o.stdout);
    assert!(
        !out.contains(&healthy_job),
        "a healthy job is left out: {out}"
    );
    let shown = rows(&out);
    assert!(!shown.is_empty(), "{out}");
    assert!(shown.iter().all(|r| r.contains(" broken ")), "{out}");
    assert!(!out.contains("list them with"), "{out}");
    assert!(
        out.contains("reclaimable: not listed"),
        "the withheld list stays: {out}"
    );
    assert_eq!(
        out.lines().last(),
        all.lines().last(),
        "the same summary line"
    );
}

#[test]
fn color_marks_statuses_only_when_asked_or_on_a_terminal() {
    let (copy, _) = one_broken();
    let plain = text(&copy.cli(&[]).stdout);
    assert!(!plain.contains('\x1b'), "not a terminal: no colour");
    assert!(!text(&copy.cli(&["--color", "never"]).stdout).contains('\x1b'));
    let o = copy.cli(&["--color", "always"]);
    let coloured = text(&o.stdout);
    assert!(coloured.contains("\x1b[32mrestorable\x1b[0m"), "{coloured}");
    assert!(coloured.contains("\x1b[31mbroken\x1b[0m"), "{coloured}");
    // Colour never moves a column: without the codes the text is the same.
    let stripped = coloured
        .replace("\x1b[32m", "")
        .replace("\x1b[31m", "")
        .replace("\x1b[33m", "")
        .replace("\x1b[0m", "");
    assert_eq!(stripped, plain);
}

#[test]
fn quiet_keeps_notes_and_progress_off_stderr_but_not_errors() {
    let (copy, _) = one_broken();
    // Without --map the copy is a relocated tree: a note says so, unless --quiet.
    let run = |args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_flinspect"))
            .arg("scan")
            .args(args)
            .arg(copy.root())
            .output()
            .unwrap()
    };
    let loud = run(&[]);
    assert!(
        text(&loud.stderr).contains("flinspect: note: "),
        "{}",
        text(&loud.stderr)
    );
    let quiet = run(&["--quiet"]);
    assert_eq!(quiet.status.code(), loud.status.code());
    assert_eq!(quiet.stdout, loud.stdout);
    assert!(
        !text(&quiet.stderr).contains("note:"),
        "{}",
        text(&quiet.stderr)
    );
    let p0 = run(&["--quiet", "--print0-reclaimable"]);
    let e = text(&p0.stderr);
    assert!(!e.contains("job(s),") && !e.contains("note:"), "{e}");
    assert!(
        e.contains("are not listed"),
        "the withheld warning stays: {e}"
    );
    // Errors are still printed.
    let bad = job_dir(&copy.case_dir(&incremental_case())).join("chk-99");
    fs::create_dir_all(&bad).unwrap();
    fs::write(bad.join("_metadata"), b"not a snapshot").unwrap();
    let err = run(&["--quiet"]);
    assert_eq!(err.status.code(), Some(2));
    assert!(
        text(&err.stderr).contains("flinspect: error: "),
        "{}",
        text(&err.stderr)
    );
}

/// Runs `flinspect ARGS…` with stdout and stderr on a pseudo-terminal (util-linux `script`),
/// with `env` set; returns everything written to the terminal.
#[cfg(target_os = "linux")]
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut line = String::from(env!("CARGO_BIN_EXE_flinspect"));
    for a in args {
        assert!(!a.contains('\''));
        line.push_str(&format!(" '{a}'"));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("util-linux `script` runs");
    text(&o.stdout)
}

#[cfg(target_os = "linux")]
#[test]
fn a_dumb_terminal_gets_plain_progress_lines_and_no_control_codes() {
    let (copy, _) = one_broken();
    let root = copy.root();
    let map = copy.map_arg();
    let out = on_a_terminal(
        &["scan", "--map", &map, root.to_str().unwrap()],
        &[("TERM", "dumb")],
    );
    assert!(out.contains("flinspect: walking the roots"), "{out:?}");
    assert!(out.contains(" broken "), "{out:?}");
    assert!(!out.contains('\x1b'), "{out:?}");
    // The terminal turns \n into \r\n; no other carriage return (no redrawn line).
    assert!(!out.replace("\r\n", "\n").contains('\r'), "{out:?}");
    // A capable terminal gets colour, unless NO_COLOR is set.
    let args = [
        "scan",
        "--no-progress",
        "--map",
        &map,
        root.to_str().unwrap(),
    ];
    let out = on_a_terminal(&args, &[("TERM", "xterm-256color")]);
    assert!(out.contains("\x1b[31mbroken\x1b[0m"), "{out:?}");
    let out = on_a_terminal(&args, &[("TERM", "xterm-256color"), ("NO_COLOR", "1")]);
    assert!(out.contains(" broken ") && !out.contains('\x1b'), "{out:?}");
}
