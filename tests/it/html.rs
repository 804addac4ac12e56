//! `--format html` in a real browser: reports of real fixtures rendered by headless Chromium
//! (Debian's `chromium`; `.ci/run` installs it, and without it these tests fail saying so),
//! driven over the DevTools protocol (`tests/it/browser`). Each test checks that the page raises
//! no script or console error and loads nothing from the network, that the numbers it shows
//! are those of the same command's JSON output, that sorting and filtering work, and takes a
//! screenshot (target/html-screenshots/; `FLINSPECT_BLESS=1` also refreshes the ones the
//! README shows, docs/screenshots/).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::browser::Browser;
use flinspect::units::human_bytes;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn flinspect(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flinspect"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run flinspect")
}

fn json_of(args: &[&str]) -> Value {
    let o = flinspect(args);
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&o.stderr)))
}

/// Writes the report with `args` + `--format html -o FILE` and returns the exit status.
fn html_report(args: &[&str], file: &Path) -> i32 {
    let mut all: Vec<&str> = args.to_vec();
    let f = file.to_str().unwrap();
    all.extend(["--format", "html", "-o", f]);
    let o = flinspect(&all);
    assert!(
        file.is_file(),
        "{all:?} wrote no report: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stdout.is_empty(), "with -o nothing goes to stdout");
    o.status.code().unwrap()
}

/// Opens a report; asserts it raised no error and requested nothing but itself.
fn open(b: &mut Browser, file: &Path) {
    let url = b.open(file);
    let ready = b.eval("document.body.getAttribute('data-ready')");
    assert!(ready.is_string(), "the page's script did not finish");
    assert_eq!(b.errors(), Vec::<String>::new(), "errors in {url}");
    for r in b.requests() {
        assert_eq!(r, url, "the report loaded something besides itself");
    }
}

/// Saves a screenshot of the page's top under target/html-screenshots/NAME.png, and with
/// `FLINSPECT_BLESS=1` under docs/screenshots/ too.
fn screenshot(b: &mut Browser, name: &str, height: u32) {
    let png = b.screenshot(1280, height, 0.75);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(png.len() > 10_000, "an empty-looking screenshot");
    let dir = root().join("target/html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
    if std::env::var_os("FLINSPECT_BLESS").is_some() {
        let docs = root().join("docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
    }
}

/// The rows of table `id` on the page: their data attributes, class and cells by column.
const ROWS: &str = "(id) => [...document.querySelectorAll('#' + id + ' tbody tr')].map(tr => ({
    data: {...tr.dataset}, cls: tr.className,
    cells: Object.fromEntries([...tr.cells].map(td => [td.dataset.col, {text: td.textContent, value: td.dataset.value ?? null}]))}))";

fn rows(b: &mut Browser, table: &str) -> Vec<Value> {
    let v = b.eval(&format!("({ROWS})({table:?})"));
    v.as_array().cloned().unwrap_or_default()
}

fn fact(b: &mut Browser, key: &str) -> (String, Option<i64>) {
    let v = b.eval(&format!(
        "(() => {{ const e = document.querySelector('[data-fact={key:?}]'); return e ? [e.firstChild.textContent, e.dataset.value ?? null] : null; }})()"
    ));
    assert!(!v.is_null(), "no fact {key} on the page");
    (
        v[0].as_str().unwrap().to_string(),
        v[1].as_str().map(|s| s.parse().unwrap()),
    )
}

fn click(b: &mut Browser, selector: &str) {
    let ok = b.eval(&format!(
        "(() => {{ const e = document.querySelector({selector:?}); if (!e) return false; e.dispatchEvent(new MouseEvent('click', {{bubbles: true}})); return true; }})()"
    ));
    assert_eq!(ok, Value::Bool(true), "nothing to click at {selector}");
}

fn type_filter(b: &mut Browser, input: &str, text: &str) {
    b.eval(&format!(
        "(() => {{ const e = document.getElementById({input:?}); e.value = {text:?}; e.dispatchEvent(new Event('input')); }})()"
    ));
}

fn values(rows: &[Value], col: &str) -> Vec<i64> {
    rows.iter()
        .map(|r| {
            r["cells"][col]["value"]
                .as_str()
                .unwrap_or_else(|| panic!("no {col} value in {r}"))
                .parse()
                .unwrap()
        })
        .collect()
}

fn text(rows: &Value, col: &str) -> String {
    rows["cells"][col]["text"].as_str().unwrap().to_string()
}

fn shown(v: &Value) -> String {
    v.as_str().map_or("–".to_string(), str::to_string)
}

const INSPECT_FIXTURES: [&str; 3] = [
    // Flink 2.3.0, RocksDB incremental checkpoint: uids and names (V6), shared files.
    "testdata/restore/flink-2.3.0/snapshots/rocksdb-checkpoint/190575021c51bebc9fd07fa7278ee919/chk-5",
    // Flink 1.20.3, unaligned checkpoint: channel state, heap keyed state.
    "testdata/flink-1.20.3/unaligned",
    // Flink 2.3.0, canonical savepoint (hashmap): the canonical keyed handle, coordinator state.
    V1_SAVEPOINT,
];

#[test]
fn inspect_report_shows_what_inspect_json_says() {
    let tmp = tempfile::tempdir().unwrap();
    let mut b = Browser::launch(1280, 900);
    for (n, fixture) in INSPECT_FIXTURES.iter().enumerate() {
        let fixture = if fixture.ends_with("unaligned") {
            // The first checkpoint directory of the unaligned job.
            let mut found = Vec::new();
            find_metadata(&root().join(fixture), &mut found);
            found.sort();
            found[0].parent().unwrap().to_path_buf()
        } else {
            // Relative to the repository (the working directory of every run), so the page
            // and its screenshot show a short path.
            PathBuf::from(fixture)
        };
        let fixture = fixture.to_str().unwrap();
        let json = json_of(&["inspect", fixture, "--json", "--files"]);
        let file = tmp.path().join(format!("inspect-{n}.html"));
        assert_eq!(html_report(&["inspect", fixture], &file), 0);
        open(&mut b, &file);
        if n == 0 {
            screenshot(&mut b, "inspect", 2000);
        }
        check_inspect_page(&mut b, &json);
    }
}

fn find_metadata(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            find_metadata(&p, out);
        } else if p.file_name().is_some_and(|n| n == "_metadata") {
            out.push(p);
        }
    }
}

fn check_inspect_page(b: &mut Browser, json: &Value) {
    let ops = json["operators"].as_array().unwrap();
    // Header facts.
    let state_size = json["state_size"].as_i64().unwrap();
    assert_eq!(
        fact(b, "state_size"),
        (human_bytes(state_size), Some(state_size))
    );
    assert_eq!(fact(b, "operators").1, Some(ops.len() as i64));
    assert_eq!(fact(b, "checkpoint_id").1, json["checkpoint_id"].as_i64());
    assert_eq!(
        fact(b, "metadata_version").1,
        json["metadata_version"].as_i64()
    );
    let backend = fact(b, "backend").0;
    match json["inferred"]["backend"]["value"].as_str() {
        Some(v) => assert_eq!(backend, v),
        None => assert_eq!(backend, "no keyed state"),
    }
    let subtasks: usize = ops
        .iter()
        .map(|o| o["subtasks"].as_array().unwrap().len())
        .sum();
    assert_eq!(fact(b, "subtasks").1, Some(subtasks as i64));
    // Kind and format (canonical or native), recorded or inferred.
    for key in ["kind", "format"] {
        let want = match json["snapshot"][key].as_str() {
            Some(v) => v.to_string(),
            None => match json["inferred"][key]["value"].as_str() {
                Some(v) => format!("{v} (inferred)"),
                None => "not recorded".to_string(),
            },
        };
        assert_eq!(fact(b, key).0, want, "{key}");
    }
    // The handle kinds (the canonical savepoint's, a native snapshot's or a backend's own
    // layout), each with the number of operators that use it.
    let mut kinds: BTreeMap<String, i64> = BTreeMap::new();
    for op in ops {
        for k in op["handle_kinds"].as_array().unwrap() {
            *kinds.entry(k.as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    let coordinators = ops
        .iter()
        .filter(|o| !o["coordinator_state"].is_null())
        .count() as i64;
    if coordinators > 0 {
        kinds.insert("coordinator state".to_string(), coordinators);
    }
    let shown_kinds: BTreeMap<String, i64> = rows(b, "handle-kinds")
        .iter()
        .map(|r| (text(r, "k"), text(r, "n").parse().unwrap()))
        .collect();
    assert!(!kinds.is_empty());
    assert_eq!(shown_kinds, kinds);

    // Referenced files, against `--files`.
    let files = json["files"].as_array().unwrap();
    assert_eq!(fact(b, "files-references").1, Some(files.len() as i64));
    let bytes = |inline: bool| -> i64 {
        files
            .iter()
            .filter(|f| (f["storage"] == "inline") == inline)
            .map(|f| f["size"].as_i64().unwrap().max(0))
            .sum()
    };
    assert_eq!(fact(b, "files-inline").1, Some(bytes(true)));
    assert_eq!(fact(b, "files-in-files").1, Some(bytes(false)));
    let distinct: BTreeSet<&str> = files.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(fact(b, "files-distinct").1, Some(distinct.len() as i64));

    // The operator table: every operator, with the numbers of --json.
    let table = rows(b, "operators");
    assert_eq!(table.len(), ops.len());
    let by_id: BTreeMap<String, &Value> = table
        .iter()
        .map(|r| (r["data"]["id"].as_str().unwrap().to_string(), r))
        .collect();
    for op in ops {
        let r = by_id[op["id"].as_str().unwrap()];
        let size = op["state_size"].as_i64().unwrap();
        assert_eq!(values(std::slice::from_ref(r), "state_size"), [size]);
        assert_eq!(text(r, "state_size"), human_bytes(size));
        assert_eq!(text(r, "parallelism"), op["parallelism"].to_string());
        assert_eq!(
            text(r, "max_parallelism"),
            op["max_parallelism"].to_string()
        );
        assert_eq!(text(r, "uid"), shown(&op["uid"]));
        assert_eq!(text(r, "name"), shown(&op["name"]));
        let kinds: Vec<&str> = op["handle_kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(text(r, "handles"), kinds.join(", "));
    }

    // Sorting: by state size, largest first, then smallest first.
    click(b, "#operators th[data-key=state_size]");
    let desc = values(&rows(b, "operators"), "state_size");
    let mut want = desc.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(desc, want);
    assert_eq!(
        b.eval("document.querySelector('#operators th[data-key=state_size]').getAttribute('aria-sort')"),
        "descending"
    );
    click(b, "#operators th[data-key=state_size]");
    let asc = values(&rows(b, "operators"), "state_size");
    want.reverse();
    assert_eq!(asc, want);

    // Filtering by id, uid or name: the rows are those whose id/uid/name contain the text.
    let probe = ops.last().unwrap();
    let q = probe["uid"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| probe["id"].as_str().unwrap()[..6].to_string());
    type_filter(b, "operators-filter", &q);
    let shown_ids: BTreeSet<String> = rows(b, "operators")
        .iter()
        .map(|r| r["data"]["id"].as_str().unwrap().to_string())
        .collect();
    let ql = q.to_lowercase();
    let want: BTreeSet<String> = ops
        .iter()
        .filter(|o| {
            ["uid", "name", "id"].iter().any(|k| {
                o[k].as_str()
                    .is_some_and(|s| s.to_lowercase().contains(&ql))
            })
        })
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(shown_ids, want, "filter {q:?}");
    type_filter(b, "operators-filter", "");
    assert_eq!(rows(b, "operators").len(), ops.len());

    // The operator shown first is the one with the most state; its subtasks, skew and
    // key-group ranges are those of --json.
    let biggest = ops
        .iter()
        .fold(None::<&Value>, |best, o| match best {
            Some(b) if b["state_size"].as_i64() >= o["state_size"].as_i64() => Some(b),
            _ => Some(o),
        })
        .unwrap();
    let first = if biggest["state_size"].as_i64() > Some(0) {
        biggest
    } else {
        &ops[0]
    };
    check_detail(b, first);
    // Selecting another operator in the table shows it.
    let other = ops
        .iter()
        .find(|o| o["id"] != first["id"] && !o["subtasks"].as_array().unwrap().is_empty())
        .unwrap();
    click(
        b,
        &format!("#operators tr[data-id='{}']", other["id"].as_str().unwrap()),
    );
    check_detail(b, other);
}

/// The page's finding cards, each equal to its `--json` finding (rule, message, Flink's
/// message), and the operator ids the cards name.
fn finding_cards(b: &mut Browser, json: &Value) -> (Value, BTreeSet<String>) {
    let cards = b.eval(
        "[...document.querySelectorAll('#findings .finding')].map(f => ({rule: f.dataset.rule, ops: f.dataset.operators, msg: f.querySelector('.msg').textContent, flink: f.querySelector('pre.flink')?.textContent ?? null}))",
    );
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(cards.as_array().unwrap().len(), findings.len());
    let mut affected = BTreeSet::new();
    for (c, f) in cards.as_array().unwrap().iter().zip(findings) {
        assert_eq!(c["rule"], f["rule"]);
        assert_eq!(c["msg"], f["message"]);
        assert_eq!(c["flink"], f["flink_error"]);
        affected.extend(
            c["ops"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .map(String::from),
        );
    }
    (cards, affected)
}

fn check_detail(b: &mut Browser, op: &Value) {
    assert_eq!(
        b.eval("document.getElementById('operator-detail').dataset.id"),
        op["id"]
    );
    let subtasks = op["subtasks"].as_array().unwrap();
    let sizes: Vec<i64> = subtasks
        .iter()
        .map(|s| s["state_size"].as_i64().unwrap())
        .collect();
    let table = rows(b, "subtasks");
    assert_eq!(values(&table, "size"), sizes);
    for (r, s) in table.iter().zip(subtasks) {
        assert_eq!(r["data"]["index"].as_str().unwrap(), s["index"].to_string());
        assert_eq!(
            text(r, "size"),
            human_bytes(s["state_size"].as_i64().unwrap())
        );
    }
    // Skew: the largest subtask against the median.
    let max = *sizes.iter().max().unwrap();
    let mut sorted = sizes.clone();
    sorted.sort();
    let m = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 {
        sorted[m] as f64
    } else {
        (sorted[m - 1] + sorted[m]) as f64 / 2.0
    };
    let skew = b.eval(
        "(() => { const e = document.querySelector('[data-fact=skew]'); return [e.dataset.max, e.dataset.median, e.dataset.ratio, e.textContent]; })()",
    );
    assert_eq!(skew[0], max.to_string());
    assert_eq!(skew[1].as_str().unwrap().parse::<f64>().unwrap(), median);
    if median > 0.0 {
        assert_eq!(skew[2], format!("{:.2}", max as f64 / median));
        assert!(skew[3].as_str().unwrap().contains(&human_bytes(max)));
    }
    // Key-group ranges: one bar per subtask with keyed state, spanning its handles' ranges.
    let bars = b.eval(
        "[...document.querySelectorAll('#keygroups rect.kg')].map(r => [+r.dataset.subtask, +r.dataset.start, +r.dataset.end])",
    );
    let mut want = Vec::new();
    for s in subtasks {
        let ranges: Vec<[i64; 2]> = s["managed_keyed"]
            .as_array()
            .unwrap()
            .iter()
            .chain(s["raw_keyed"].as_array().unwrap())
            .filter_map(|h| {
                let kg = h["key_groups"].as_array()?;
                let (a, z) = (kg[0].as_i64()?, kg[1].as_i64()?);
                (z >= a).then_some([a, z])
            })
            .collect();
        if let (Some(a), Some(z)) = (
            ranges.iter().map(|r| r[0]).min(),
            ranges.iter().map(|r| r[1]).max(),
        ) {
            want.push(serde_json::json!([s["index"], a, z]));
        }
    }
    assert_eq!(bars, Value::Array(want));
}

const CHECK_CASE: &str = "testdata/restore/flink-2.3.0/cases/keyed-uid-removed";

#[test]
fn check_report_shows_the_verdict_findings_and_what_would_be_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let case = root().join(CHECK_CASE);
    let details: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("details.json")).unwrap()).unwrap();
    let outcome: Value =
        serde_json::from_str(&std::fs::read_to_string(case.join("outcome.json")).unwrap()).unwrap();
    // Paths relative to the repository (every run's working directory): short on the page.
    let snapshot = Path::new("testdata/restore/flink-2.3.0")
        .join(details["snapshot_metadata_dir"].as_str().unwrap());
    let snapshot = snapshot.to_str().unwrap();
    let job = format!("{CHECK_CASE}/job.yaml");
    let job = job.as_str();
    let inspect = json_of(&["inspect", snapshot, "--json", "--states"]);
    let mut b = Browser::launch(1280, 900);
    for (n, allow) in [false, true].into_iter().enumerate() {
        let mut args = vec!["check", snapshot, "--job", job];
        if allow {
            args.push("--allow-non-restored-state");
        }
        let mut json_args = args.clone();
        json_args.push("--json");
        let json = json_of(&json_args);
        let file = tmp.path().join(format!("check-{n}.html"));
        let status = html_report(&args, &file);
        assert_eq!(
            status,
            if json["verdict"] == "incompatible" {
                1
            } else {
                0
            }
        );
        open(&mut b, &file);
        if n == 0 {
            screenshot(&mut b, "check", 1300);
        }

        // The verdict first.
        let first = b.eval("document.querySelector('#app > .verdict').dataset.verdict");
        assert_eq!(first, json["verdict"]);
        // Each finding with its message and Flink's.
        let (cards, affected) = finding_cards(&mut b, &json);
        let findings = json["findings"].as_array().unwrap();
        if !allow {
            // What real Flink 2.3.0 said when this restore was run (testdata/restore).
            let real = outcome["message"].as_str().unwrap();
            let shown = cards[0]["flink"].as_str().unwrap();
            let tail = |m: &str| m[m.find("Cannot map").unwrap()..].to_string();
            assert_eq!(tail(shown), tail(real));
        }
        // The affected operators are highlighted in the table, and only they.
        let table = rows(&mut b, "operators");
        let highlighted: BTreeSet<String> = table
            .iter()
            .filter(|r| r["cls"].as_str().unwrap().contains("affected"))
            .map(|r| r["data"]["id"].as_str().unwrap().to_string())
            .collect();
        let in_snapshot: BTreeSet<String> = inspect["operators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_string())
            .collect();
        assert!(!highlighted.is_empty());
        assert_eq!(
            highlighted,
            affected.intersection(&in_snapshot).cloned().collect()
        );
        // What allowNonRestoredState drops: the unmapped operators' state, as inspect --json.
        let unmapped: Vec<&Value> = findings
            .iter()
            .filter(|f| f["rule"] == "unmapped_state")
            .collect();
        assert_eq!(unmapped.len(), 1);
        let id = unmapped[0]["operator_id"].as_str().unwrap();
        let op = inspect["operators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap();
        let dropped = rows(&mut b, "dropped");
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0]["data"]["id"], id);
        let size = op["state_size"].as_i64().unwrap();
        assert_eq!(values(&dropped, "state_size"), [size]);
        assert_eq!(fact(&mut b, "drop-total").1, Some(size));
        assert_eq!(text(&dropped[0], "states"), operator_states(op));
        // The states its state files declare, as `inspect --states` reads them.
        let declared = file_states(&inspect, id);
        assert!(!declared.is_empty());
        assert_eq!(text(&dropped[0], "file_states"), declared);
        // Sorting the operator table by OperatorID.
        click(&mut b, "#operators th[data-key=id]");
        let ids: Vec<String> = rows(&mut b, "operators")
            .iter()
            .map(|r| r["data"]["id"].as_str().unwrap().to_string())
            .collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted);
    }
}

/// `inspect --json`'s operator states of `op` as the pages show them: `name (mode)`.
fn operator_states(op: &Value) -> String {
    op["operator_states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{} ({})",
                s["name"].as_str().unwrap(),
                s["mode"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The states `inspect --json --states` reads from operator `id`'s state files, as the pages
/// show them: `scope "name" (kind)`, each scope and name once.
fn file_states(inspect: &Value, id: &str) -> String {
    let mut seen = BTreeSet::new();
    inspect["states"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["operator"] == id)
        .flat_map(|o| o["states"].as_array().unwrap())
        .filter(|s| seen.insert((s["scope"].to_string(), s["name"].to_string())))
        .map(|s| {
            format!(
                "{} {:?} ({})",
                s["scope"].as_str().unwrap(),
                s["name"].as_str().unwrap(),
                s["kind"].as_str().unwrap()
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

#[test]
fn scan_report_shows_each_jobs_timeline_as_scan_json() {
    let tmp = tempfile::tempdir().unwrap();
    // A real Flink 1.20.3 RocksDB incremental job (checkpoints 2 and 5, a canonical and a
    // native savepoint), copied, with one shared file of checkpoint 5 removed: checkpoint 5 and
    // every other snapshot that references the file are broken.
    let tree = tmp.path().join("tree");
    copy_tree(
        &root().join("testdata/flink-1.20.3/rocksdb-incremental"),
        &tree,
    );
    let chk5 = tree.join("258a115d13f3ee1aee8eca7ca587d341/chk-5");
    let chk5 = chk5.to_str().unwrap();
    let inspect = json_of(&["inspect", chk5, "--json", "--files"]);
    let shared = inspect["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "rocksdb-shared" && f["storage"] == "absolute")
        .unwrap();
    let name = Path::new(shared["path"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_owned();
    std::fs::remove_file(
        tree.join("258a115d13f3ee1aee8eca7ca587d341/shared")
            .join(name),
    )
    .unwrap();

    let t = tree.to_str().unwrap();
    let out = flinspect(&["scan", t, "--json"]);
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let file = tmp.path().join("scan.html");
    assert_eq!(
        html_report(&["scan", t], &file),
        1,
        "a broken snapshot: exit 1"
    );
    let mut b = Browser::launch(1280, 900);
    open(&mut b, &file);
    screenshot(&mut b, "scan", 1100);

    let summary = records.iter().find(|r| r["type"] == "summary").unwrap();
    for key in [
        "jobs",
        "snapshots",
        "restorable",
        "broken",
        "unverified",
        "metadata_errors",
        "reclaimable_bytes",
    ] {
        assert_eq!(fact(&mut b, key).1, summary[key].as_i64(), "{key}");
    }
    assert!(summary["broken"].as_i64() >= Some(1));
    let jobs: Vec<&Value> = records.iter().filter(|r| r["type"] == "job").collect();
    let sections = b.eval("[...document.querySelectorAll('section.job')].map(s => s.dataset.job)");
    assert_eq!(
        sections,
        Value::Array(jobs.iter().map(|j| j["job"].clone()).collect())
    );
    for (j, job) in jobs.iter().enumerate() {
        let key = job["job"].as_str().unwrap();
        // The timeline: one mark per snapshot, by checkpoint id, with the record's numbers.
        let marks = b.eval(&format!(
            "[...document.querySelectorAll('section.job')[{j}].querySelectorAll('g.snap')].map(g => [g.dataset.path, g.dataset.status, g.dataset.size ?? null, g.dataset.shared ?? null])"
        ));
        let mut snaps: Vec<&Value> = records
            .iter()
            .filter(|r| r["type"] == "snapshot" && r["job"] == key)
            .collect();
        snaps.sort_by_key(|s| s["checkpoint_id"].as_i64());
        let want: Vec<Value> = snaps
            .iter()
            .map(|s| {
                serde_json::json!([
                    s["path"],
                    s["status"],
                    s["state_size"].as_i64().map(|n| n.to_string()),
                    s["shared_state_size"].as_i64().map(|n| n.to_string())
                ])
            })
            .collect();
        assert_eq!(marks, Value::Array(want));
        assert!(snaps
            .iter()
            .any(|s| s["shared_state_size"].as_i64() > Some(0)));
        // The newest restorable ones and the reclaimable bytes.
        let newest = |k: &str| job[k]["checkpoint_id"].as_i64();
        let facts = b.eval(&format!(
            "Object.fromEntries([...document.querySelectorAll('section.job')[{j}].querySelectorAll('[data-fact]')].map(e => [e.dataset.fact, e.dataset.value ?? null]))"
        ));
        let num = |k: &str| facts[k].as_str().map(|s| s.parse::<i64>().unwrap());
        assert_eq!(
            num("newest-checkpoint"),
            newest("newest_restorable_checkpoint")
        );
        assert_eq!(
            num("newest-savepoint"),
            newest("newest_restorable_savepoint")
        );
        if job["reclaimable_withheld"].is_null() {
            assert_eq!(num("reclaimable"), job["reclaimable_bytes"].as_i64());
        } else {
            assert_eq!(num("reclaimable"), None);
        }
        // The snapshot table, newest first; sorted by state size on a click.
        let table = format!("snapshots-{j}");
        let ids: Vec<i64> = rows(&mut b, &table)
            .iter()
            .map(|r| text(r, "id").parse().unwrap())
            .collect();
        let mut want: Vec<i64> = snaps
            .iter()
            .map(|s| s["checkpoint_id"].as_i64().unwrap())
            .collect();
        want.sort_by(|a, b| b.cmp(a));
        assert_eq!(ids, want);
        click(&mut b, &format!("#{table} th[data-key=state_size]"));
        let sizes = values(&rows(&mut b, &table), "state_size");
        let mut want: Vec<i64> = snaps
            .iter()
            .map(|s| s["state_size"].as_i64().unwrap())
            .collect();
        want.sort_by(|a, b| b.cmp(a));
        assert_eq!(sizes, want);
        // Filtering by status.
        type_filter(&mut b, &format!("{table}-filter"), "broken");
        let broken: BTreeSet<String> = rows(&mut b, &table)
            .iter()
            .map(|r| r["data"]["path"].as_str().unwrap().to_string())
            .collect();
        let want: BTreeSet<String> = snaps
            .iter()
            .filter(|s| s["status"] == "broken")
            .map(|s| s["path"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(broken, want);
        type_filter(&mut b, &format!("{table}-filter"), "");
    }
}

#[test]
fn output_is_only_for_html_and_never_an_input() {
    let tmp = tempfile::tempdir().unwrap();
    let snap = root().join(INSPECT_FIXTURES[0]).join("_metadata");
    let s = snap.to_str().unwrap();
    let before = std::fs::read(&snap).unwrap();
    let o = flinspect(&["inspect", s, "--format", "html", "-o", s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never writes to its inputs"));
    assert_eq!(std::fs::read(&snap).unwrap(), before);
    let f = tmp.path().join("x.json");
    let o = flinspect(&["inspect", s, "--json", "-o", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--output is for --format html"));
    assert!(!f.exists());
    // Without -o the page goes to stdout.
    let o = flinspect(&["inspect", s, "--format", "html"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.starts_with(b"<!DOCTYPE html>"));
    // `--format json` is `--json`.
    assert_eq!(
        flinspect(&["inspect", s, "--format", "json"]).stdout,
        flinspect(&["inspect", s, "--json"]).stdout
    );
}

/// A real savepoint of the restore harness's job v1 (Flink 2.3.0, hashmap, canonical): the job
/// whose graph `testdata/audit/graphs/default.json` is (the companion's reading of it).
const V1_SAVEPOINT: &str =
    "testdata/restore/flink-2.3.0/snapshots/hashmap-canonical/savepoint-5ff306-405f35f060a6";

#[test]
fn audit_report_shows_the_checklist_as_audit_json() {
    let tmp = tempfile::tempdir().unwrap();
    // The job's graph (checkpointing off: a finding), a hardened configuration (passes) and a
    // real savepoint, without a checkpoint directory to scan (not checked): all three statuses.
    let args = [
        "audit",
        "--job",
        "testdata/audit/graphs/default.json",
        "--config",
        "testdata/audit/hardened/config.yaml",
        V1_SAVEPOINT,
    ];
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let json = json_of(&json_args);
    let items = json["items"].as_array().unwrap();
    for status in ["finding", "passed", "not_checked"] {
        assert!(
            items.iter().any(|i| i["status"] == status),
            "no {status} item: the fixture no longer shows every status"
        );
    }
    let file = tmp.path().join("audit.html");
    let code = html_report(&args, &file);
    assert_eq!(code, exit_of_verdict(&json["verdict"]));
    let mut b = Browser::launch(1280, 900);
    open(&mut b, &file);
    screenshot(&mut b, "audit", 1250);

    // The verdict first, then the inputs and the counts of --json.
    let first = b.eval("document.querySelector('#app > .verdict').dataset.verdict");
    assert_eq!(first, json["verdict"]);
    let c = &json["counts"];
    assert_eq!(fact(&mut b, "passed").1, c["passed"].as_i64());
    assert_eq!(fact(&mut b, "not_checked").1, c["not_checked"].as_i64());
    let findings = ["error", "warning", "info"]
        .iter()
        .map(|k| c[k].as_i64().unwrap())
        .sum::<i64>();
    assert_eq!(fact(&mut b, "findings").1, Some(findings));
    assert_eq!(
        fact(&mut b, "input-snapshots").1,
        Some(json["inputs"]["snapshots"].as_array().unwrap().len() as i64)
    );
    let evidence = |b: &mut Browser, key: &str| {
        b.eval(&format!(
            "document.querySelector('[data-fact={key:?}] .ev')?.textContent ?? null"
        ))
    };
    assert_eq!(evidence(&mut b, "input-job"), json["inputs"]["job"]["path"]);
    assert_eq!(
        evidence(&mut b, "input-config"),
        json["inputs"]["config"]["path"]
    );
    let bar = b.eval(
        "Object.fromEntries([...document.querySelectorAll('#status-bar .seg')].map(s => [s.dataset.status, +s.dataset.count]))",
    );
    for status in ["finding", "passed", "not_checked"] {
        let n = items.iter().filter(|i| i["status"] == status).count();
        assert_eq!(bar[status], n, "{status}");
    }

    // Each finding as a card: its rule, message and the inputs that decided it.
    let cards = b.eval(
        "[...document.querySelectorAll('#findings .finding')].map(f => ({i: +f.dataset.index, rule: f.dataset.rule, msg: f.querySelector('.msg').textContent, ev: [...f.querySelectorAll('.evidence li')].map(l => l.textContent)}))",
    );
    let want: Vec<(usize, &Value)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i["status"] == "finding")
        .collect();
    assert_eq!(cards.as_array().unwrap().len(), want.len());
    for (card, (i, item)) in cards.as_array().unwrap().iter().zip(&want) {
        assert_eq!(card["i"], *i);
        assert_eq!(card["rule"], item["rule"]);
        assert_eq!(card["msg"], item["message"]);
        let ev: Vec<String> = item["decided_by"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("decided by {}", source(e)))
            .collect();
        assert_eq!(card["ev"], serde_json::json!(ev));
    }

    // The checklist: every item in the document's order, with its status, severity, rule,
    // subject, result and the input that decided it (or the one that would).
    let table = rows(&mut b, "checklist");
    assert_eq!(table.len(), items.len());
    let titles = rules_titles();
    for (n, (r, item)) in table.iter().zip(items).enumerate() {
        assert_eq!(r["data"]["index"], n.to_string());
        assert_eq!(r["data"]["rule"], item["rule"]);
        assert_eq!(r["data"]["status"], item["status"]);
        assert_eq!(r["cells"]["status"]["value"], item["status"]);
        assert_eq!(r["cells"]["severity"]["value"], item["severity"]);
        let rule = item["rule"].as_str().unwrap();
        assert_eq!(text(r, "rule"), format!("{rule}{}", titles[rule]));
        assert_eq!(text(r, "subject"), shown(&item["subject"]));
        assert_eq!(text(r, "message"), item["message"].as_str().unwrap());
        let decided = if item["status"] == "not_checked" {
            format!("needs {}", item["needs"].as_str().unwrap())
        } else {
            item["decided_by"]
                .as_array()
                .unwrap()
                .iter()
                .map(source)
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert_eq!(text(r, "decided"), decided);
    }

    // One status only, and back.
    for status in ["not_checked", "finding", "passed"] {
        click(&mut b, &format!("#app button[data-show={status}]"));
        let shown: Vec<Value> = rows(&mut b, "checklist")
            .iter()
            .map(|r| r["data"]["status"].clone())
            .collect();
        let n = items.iter().filter(|i| i["status"] == status).count();
        assert_eq!(shown.len(), n, "{status}");
        assert!(shown.iter().all(|s| s == status), "{status}: {shown:?}");
    }
    click(&mut b, "#app button[data-show=all]");
    assert_eq!(rows(&mut b, "checklist").len(), items.len());
    // Sorting by severity: errors first.
    let rank = |s: &Value| match s.as_str() {
        Some("error") => 3,
        Some("warning") => 2,
        _ => 1,
    };
    click(&mut b, "#checklist th[data-key=severity]");
    click(&mut b, "#checklist th[data-key=severity]");
    let sev: Vec<i32> = rows(&mut b, "checklist")
        .iter()
        .map(|r| rank(&r["cells"]["severity"]["value"]))
        .collect();
    let mut want = sev.clone();
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, want);
    assert_eq!(sev.len(), items.len());
    // Filtering by text: a rule id.
    let rule = want_rule(items);
    type_filter(&mut b, "checklist-filter", &rule);
    let shown: BTreeSet<String> = rows(&mut b, "checklist")
        .iter()
        .map(|r| r["data"]["index"].as_str().unwrap().to_string())
        .collect();
    let expected: BTreeSet<String> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| {
            let r = i["rule"].as_str().unwrap();
            [r, titles[r], i["message"].as_str().unwrap()]
                .iter()
                .chain(i["subject"].as_str().iter())
                .any(|t| t.to_lowercase().contains(&rule))
                || i["decided_by"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| source(e).to_lowercase().contains(&rule))
                || i["needs"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&rule))
        })
        .map(|(n, _)| n.to_string())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(shown, expected);
}

/// The exit status the CLI documents for a verdict.
fn exit_of_verdict(v: &Value) -> i32 {
    match v.as_str().unwrap() {
        "compatible" | "ready" => 0,
        "incompatible" | "not-ready" => 1,
        "unknown" => 3,
        other => panic!("verdict {other}"),
    }
}

/// An audit item's evidence as the page writes it.
fn source(e: &Value) -> String {
    let mut s = format!(
        "{}: {}",
        e["source"].as_str().unwrap(),
        e["detail"].as_str().unwrap()
    );
    if let Some(f) = e["file"].as_str() {
        s.push_str(&format!(" ({f}"));
        if let Some(l) = e["line"].as_i64() {
            s.push_str(&format!(":{l}"));
        }
        s.push(')');
    }
    s
}

/// Each audit rule's summary, as `flinspect rules --json` lists it.
fn rules_titles() -> BTreeMap<&'static str, &'static str> {
    flinspect::audit::RULES
        .iter()
        .map(|r| (r.id, r.summary))
        .collect()
}

/// A rule id that names only some of the items.
fn want_rule(items: &[Value]) -> String {
    items.iter().find(|i| i["status"] == "finding").unwrap()["rule"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The graph documents the companion took of the restore harness's job with Flink 2.3.0:
/// `default` as job v1 ran, `no-uid` with the keyed operator and the source stripped of their
/// uids (testdata/audit/generate.sh).
const OLD_GRAPH: &str = "testdata/audit/graphs/default.json";
const NEW_GRAPH: &str = "testdata/audit/graphs/no-uid.json";

#[test]
fn diff_report_shows_the_verdict_findings_and_the_old_jobs_operators() {
    let tmp = tempfile::tempdir().unwrap();
    // The old graph as `graph --snapshot` records it: what job v1's real savepoint holds per
    // operator.
    let lock = std::fs::read_to_string(root().join(OLD_GRAPH)).unwrap();
    let mut doc = flinspect::graph::GraphDocument::from_json(&lock, OLD_GRAPH).unwrap();
    let metadata = root().join(V1_SAVEPOINT).join("_metadata");
    let loaded = flinspect::load::load(&metadata).unwrap();
    let md = flinspect::format::parse(&loaded.bytes).unwrap();
    doc.record_snapshot(&md, V1_SAVEPOINT, Some("canonical"));
    // Under target/ and relative to the repository (the working directory of every run), so
    // the page and its screenshot show a short path.
    let dir = root().join("target/html-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("flinspect.lock.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .unwrap();
    let recorded = "target/html-screenshots/flinspect.lock.json";
    let inspect = json_of(&["inspect", V1_SAVEPOINT, "--json", "--states"]);
    let graph: Value = serde_json::from_str(&lock).unwrap();

    let mut b = Browser::launch(1280, 900);
    // (old, new, the old side's operators: graph or snapshot, whether sizes are known)
    let runs = [
        (recorded, NEW_GRAPH, "graph", true),
        (OLD_GRAPH, NEW_GRAPH, "graph", false),
        (OLD_GRAPH, OLD_GRAPH, "graph", false),
        (
            V1_SAVEPOINT,
            "testdata/restore/flink-2.3.0/cases/uid-renamed/job.yaml",
            "snapshot",
            true,
        ),
    ];
    for (n, (old, new, from, sized)) in runs.into_iter().enumerate() {
        let args = ["diff", old, new];
        let json = json_of(&["diff", old, new, "--json"]);
        let file = tmp.path().join(format!("diff-{n}.html"));
        assert_eq!(
            html_report(&args, &file),
            exit_of_verdict(&json["verdict"]),
            "{old} -> {new}"
        );
        open(&mut b, &file);
        if n == 0 {
            screenshot(&mut b, "diff", 1950);
        }
        let first = b.eval("document.querySelector('#app > .verdict').dataset.verdict");
        assert_eq!(first, json["verdict"]);
        assert_eq!(
            fact(&mut b, "counts").1,
            Some(json["findings"].as_array().unwrap().len() as i64)
        );
        assert_eq!(
            b.eval("document.querySelector('[data-fact=old] .ev').textContent"),
            json["old"]["path"]
        );

        // Each finding with its message and Flink's.
        let (_, affected) = finding_cards(&mut b, &json);
        let findings = json["findings"].as_array().unwrap();

        // The operator table: the old side's operators, the affected ones highlighted.
        let table = rows(&mut b, "operators");
        let old_ops: Vec<(String, Value, Value, Option<i64>)> = if from == "graph" {
            graph["operators"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    let id = o["operator_id"].as_str().unwrap().to_string();
                    let size = sized.then(|| state_size(&inspect, &id));
                    (id, o["uid"].clone(), o["name"].clone(), size)
                })
                .collect()
        } else {
            inspect["operators"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    (
                        o["id"].as_str().unwrap().to_string(),
                        o["uid"].clone(),
                        o["name"].clone(),
                        o["state_size"].as_i64(),
                    )
                })
                .collect()
        };
        assert_eq!(table.len(), old_ops.len());
        for (r, (id, uid, name, size)) in table.iter().zip(&old_ops) {
            assert_eq!(r["data"]["id"].as_str().unwrap(), id);
            assert_eq!(text(r, "uid"), shown(uid));
            assert_eq!(text(r, "name"), shown(name));
            match size {
                Some(s) => assert_eq!(values(std::slice::from_ref(r), "state_size"), [*s]),
                None => assert_eq!(text(r, "state_size"), "–"),
            }
        }
        let highlighted: BTreeSet<String> = table
            .iter()
            .filter(|r| r["cls"].as_str().unwrap().contains("affected"))
            .map(|r| r["data"]["id"].as_str().unwrap().to_string())
            .collect();
        let ids: BTreeSet<String> = old_ops.iter().map(|o| o.0.clone()).collect();
        assert_eq!(highlighted, affected.intersection(&ids).cloned().collect());

        // What allowNonRestoredState drops: the unmapped_state findings' operators, with the
        // bytes the savepoint holds for them (when the old side says) and their state names.
        let unmapped: Vec<String> = findings
            .iter()
            .filter(|f| f["rule"] == "unmapped_state")
            .map(|f| f["operator_id"].as_str().unwrap().to_string())
            .collect();
        if unmapped.is_empty() {
            assert_eq!(fact(&mut b, "drop-total").1, Some(0));
            continue;
        }
        let dropped = rows(&mut b, "dropped");
        let dropped_ids: Vec<String> = dropped
            .iter()
            .map(|r| r["data"]["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(dropped_ids, unmapped);
        if sized {
            let sizes: Vec<i64> = unmapped.iter().map(|id| state_size(&inspect, id)).collect();
            assert_eq!(values(&dropped, "state_size"), sizes);
            assert_eq!(fact(&mut b, "drop-total").1, Some(sizes.iter().sum()));
            for (r, id) in dropped.iter().zip(&unmapped) {
                let op = inspect["operators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|o| o["id"] == id.as_str())
                    .unwrap();
                if from == "graph" {
                    let names: Vec<&str> = op["operator_states"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|s| s["name"].as_str().unwrap())
                        .collect();
                    assert_eq!(text(r, "states"), names.join(", "));
                } else {
                    assert_eq!(text(r, "states"), operator_states(op));
                    assert_eq!(text(r, "file_states"), file_states(&inspect, id));
                }
            }
        } else {
            assert_eq!(fact(&mut b, "drop-total").1, None);
            assert!(dropped.iter().all(|r| text(r, "state_size") == "–"));
        }

        // Filtering and sorting the operator table.
        type_filter(&mut b, "operators-filter", "keyed");
        let kept: Vec<String> = rows(&mut b, "operators")
            .iter()
            .map(|r| r["data"]["id"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = old_ops
            .iter()
            .filter(|(id, uid, name, _)| {
                [uid.as_str(), name.as_str(), Some(id.as_str())]
                    .iter()
                    .any(|x| x.is_some_and(|x| x.to_lowercase().contains("keyed")))
            })
            .map(|o| o.0.clone())
            .collect();
        assert!(!want.is_empty());
        assert_eq!(kept, want);
        type_filter(&mut b, "operators-filter", "");
        click(&mut b, "#operators th[data-key=uid]");
        let uids: Vec<String> = rows(&mut b, "operators")
            .iter()
            .map(|r| text(r, "uid"))
            .filter(|u| u != "–")
            .collect();
        let mut sorted = uids.clone();
        sorted.sort_by_key(|a| a.to_lowercase());
        assert_eq!(uids, sorted);
    }
}

/// `inspect --json`'s state size of operator `id`.
fn state_size(inspect: &Value, id: &str) -> i64 {
    inspect["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == id)
        .map_or(0, |o| o["state_size"].as_i64().unwrap())
}

/// `--format html` for audit and diff: `-o FILE` is honoured (nothing on stdout), refused for
/// the other formats and for a file the run reads; without it the page goes to stdout; the
/// exit status is that of the JSON format for the same run; a run that fails writes no page.
#[test]
fn audit_and_diff_html_keep_the_cli_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let runs: [&[&str]; 5] = [
        &[
            "audit",
            "--job",
            OLD_GRAPH,
            "--config",
            "testdata/audit/hardened/config.yaml",
        ],
        &["audit", "--job", "testdata/audit/graphs/hardened.json"],
        &["audit", "--job", OLD_GRAPH, V1_SAVEPOINT],
        &["diff", OLD_GRAPH, NEW_GRAPH],
        &["diff", OLD_GRAPH, OLD_GRAPH],
    ];
    let mut codes = BTreeSet::new();
    for (n, args) in runs.iter().enumerate() {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let json_run = flinspect(&with_json);
        let code = json_run.status.code().unwrap();
        codes.insert(code);
        // -o FILE.
        let file = tmp.path().join(format!("r{n}.html"));
        assert_eq!(html_report(args, &file), code, "{args:?}");
        let page = std::fs::read_to_string(&file).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"));
        // Without -o: stdout, the same page.
        let mut to_stdout = args.to_vec();
        to_stdout.extend(["--format", "html"]);
        let o = flinspect(&to_stdout);
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        assert!(o.stdout.starts_with(b"<!DOCTYPE html>"));
        // -o with another format.
        let f = tmp.path().join(format!("r{n}.json"));
        let mut other = with_json.clone();
        other.extend(["-o", f.to_str().unwrap()]);
        let o = flinspect(&other);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("--output is for --format html"));
        assert!(!f.exists());
        // -o onto an input.
        let input = args.iter().find(|a| a.ends_with(".json")).unwrap();
        let before = std::fs::read(root().join(input)).unwrap();
        let mut onto = args.to_vec();
        onto.extend(["--format", "html", "-o", input]);
        let o = flinspect(&onto);
        assert_eq!(o.status.code(), Some(2), "{onto:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("never writes to its inputs"));
        assert_eq!(std::fs::read(root().join(input)).unwrap(), before);
    }
    // ready, not-ready / incompatible, unknown.
    assert_eq!(codes, BTreeSet::from([0, 1, 3]));
    // Every file a run reads is an input, the allow-list too.
    let allow = tmp.path().join("accepted.yaml");
    let allow_s = allow.to_str().unwrap();
    for (rule, args) in [
        ("missing_uid", vec!["diff", OLD_GRAPH, NEW_GRAPH]),
        ("max_parallelism_derived", vec!["audit", "--job", OLD_GRAPH]),
        (
            "missing_uid",
            vec!["check", V1_SAVEPOINT, "--job", NEW_GRAPH],
        ),
    ] {
        let list = format!("- rule: {rule}\n  reason: accepted for this test\n");
        std::fs::write(&allow, &list).unwrap();
        let mut all = args.clone();
        all.extend(["--allow", allow_s, "--format", "html", "-o", allow_s]);
        let o = flinspect(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("never writes to its inputs"), "{all:?}: {err}");
        assert_eq!(std::fs::read_to_string(&allow).unwrap(), list);
    }
    // A run that fails (an unreadable input) writes no page and exits 2, as with the other
    // formats.
    for args in [
        ["audit", "--job", "testdata/audit/graphs/missing.json"],
        ["diff", OLD_GRAPH, "testdata/audit/graphs/missing.json"],
    ] {
        let file = tmp.path().join("failed.html");
        let mut all = args.to_vec();
        all.extend(["--format", "html", "-o", file.to_str().unwrap()]);
        let o = flinspect(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("missing.json"));
        assert!(o.stdout.is_empty());
        assert!(!file.exists());
    }
}
