//! How long an HTML report takes to open and become interactive in headless Chromium (the
//! figures in BENCHMARKS.md): `cargo run --release --example html_load -- REPORT.html [RUNS]`.
//!
//! Each run navigates one tab to the file (about:blank in between) and reads from the page's
//! own clock (`performance`, zero at the start of navigation): when the HTML was parsed
//! (DOMContentLoaded), when its script had parsed the embedded JSON data, when its script finished drawing the page with every handler attached
//! (`data-ready`: the page is interactive), and the load event. It then times, in the page, a
//! sort of the first sortable table by its state-size column and a filter keystroke. Prints
//! each run and the median. Needs Chromium (see tests/it/browser).

#[path = "../tests/it/browser/mod.rs"]
mod browser;

use std::path::PathBuf;

fn main() {
    let mut args = std::env::args().skip(1);
    let file = PathBuf::from(args.next().expect("usage: html_load REPORT.html [RUNS]"));
    let runs: usize = args.next().map_or(5, |r| r.parse().expect("RUNS"));
    let size = std::fs::metadata(&file).expect("the report").len();
    let mut b = browser::Browser::launch(1280, 900);
    let mut rows: Vec<[f64; 6]> = Vec::new();
    println!("{} ({size} bytes), {runs} runs", file.display());
    println!("run  data parsed  DOMContentLoaded  interactive  load  sort  filter   (ms)");
    for run in 1..=runs {
        b.call("Page.navigate", serde_json::json!({"url": "about:blank"}));
        b.open(&file);
        assert!(b.errors().is_empty(), "errors: {:?}", b.errors());
        let t = b.eval(
            "(() => { const n = performance.getEntriesByType('navigation')[0];
               const sortable = document.querySelector('th.sortable[data-key=state_size]');
               let t0 = performance.now(); sortable.dispatchEvent(new MouseEvent('click', {bubbles: true}));
               const sort = performance.now() - t0;
               const input = document.querySelector('input[type=search]');
               t0 = performance.now(); input.value = '7'; input.dispatchEvent(new Event('input'));
               const filter = performance.now() - t0;
               input.value = ''; input.dispatchEvent(new Event('input'));
               const parsed = performance.getEntriesByName('flinspect-parsed')[0].startTime;
               return [parsed, n.domContentLoadedEventEnd, +document.body.dataset.ready, n.loadEventEnd, sort, filter]; })()",
        );
        let v: Vec<f64> = t
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        println!(
            "{run:>3}  {:>11.0}  {:>16.0}  {:>11.0}  {:>4.0}  {:>4.1}  {:>6.1}",
            v[0], v[1], v[2], v[3], v[4], v[5]
        );
        rows.push([v[0], v[1], v[2], v[3], v[4], v[5]]);
    }
    let median = |i: usize| {
        let mut c: Vec<f64> = rows.iter().map(|r| r[i]).collect();
        c.sort_by(f64::total_cmp);
        c[c.len() / 2]
    };
    println!(
        "median  {:>8.0}  {:>16.0}  {:>11.0}  {:>4.0}  {:>4.1}  {:>6.1}",
        median(0),
        median(1),
        median(2),
        median(3),
        median(4),
        median(5)
    );
}
