//! Instruction and estimated-cycle counts of every case under callgrind,
//! budgets, dashboard JSON and the README ratio table.
//!
//! ```text
//! bench-report measure            # run callgrind on every case -> target/bench/callgrind.json
//! bench-report check [--cached]   # measure (or reuse), fail if a case exceeds benches/budgets.toml
//! bench-report update             # measure, then write budgets = measured + 8 %
//! bench-report layouts [--readme] # the procedure per card layout: APDUs, cycles, instructions
//! bench-report dashboard [DIR]    # github-action-benchmark JSON: DIR/callgrind.json, DIR/timing.json
//! bench-report ratios [--readme]  # the ratio table (and rewrite it in README.md)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    ir: f64,
    cycles: f64,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn ops_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.with_file_name("bench-ops")
}

/// Sum of events inside measured_region for `n` runs of case `id`.
fn callgrind(id: &str, n: usize, dir: &Path) -> BTreeMap<String, f64> {
    let out = dir.join(format!("cg.{}.{n}", id.replace('/', "_")));
    let status = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--cache-sim=yes",
            "--toggle-collect=*measured_region*",
            &format!("--callgrind-out-file={}", out.display()),
        ])
        .arg(ops_binary())
        .args(["run", id, &n.to_string()])
        .output()
        .expect("valgrind runs (apt-get install valgrind)");
    assert!(
        status.status.success(),
        "callgrind {id} {n}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = std::fs::read_to_string(&out).expect("callgrind output");
    let events: Vec<&str> = text
        .lines()
        .find_map(|l| l.strip_prefix("events: "))
        .expect("events line")
        .split_whitespace()
        .collect();
    let totals: Vec<f64> = text
        .lines()
        .find_map(|l| {
            l.strip_prefix("totals: ")
                .or_else(|| l.strip_prefix("summary: "))
        })
        .expect("totals line")
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    events.iter().map(|e| e.to_string()).zip(totals).collect()
}

fn estimated_cycles(e: &BTreeMap<String, f64>) -> f64 {
    let g = |k: &str| e.get(k).copied().unwrap_or(0.0);
    let accesses = g("Ir") + g("Dr") + g("Dw");
    let l1_miss = g("I1mr") + g("D1mr") + g("D1mw");
    let ll_miss = g("ILmr") + g("DLmr") + g("DLmw");
    (accesses - l1_miss) + 5.0 * (l1_miss - ll_miss) + 35.0 * ll_miss
}

fn measure() -> (BTreeMap<String, Counts>, BTreeMap<String, usize>) {
    let list = Command::new(ops_binary())
        .arg("list")
        .output()
        .expect("bench-ops list");
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).expect("target/bench");
    let mut out = BTreeMap::new();
    let mut bytes = BTreeMap::new();
    for line in String::from_utf8_lossy(&list.stdout).lines() {
        let mut it = line.split_whitespace();
        let (Some(id), Some(b)) = (it.next(), it.next()) else {
            continue;
        };
        let one = callgrind(id, 1, &dir);
        let eleven = callgrind(id, 11, &dir);
        let diff: BTreeMap<String, f64> = eleven
            .iter()
            .map(|(k, v)| (k.clone(), (v - one.get(k).copied().unwrap_or(0.0)) / 10.0))
            .collect();
        let c = Counts {
            ir: diff.get("Ir").copied().unwrap_or(0.0),
            cycles: estimated_cycles(&diff),
        };
        eprintln!("{id:<40} {:>12.0} Ir {:>12.0} est. cycles", c.ir, c.cycles);
        out.insert(id.to_string(), c);
        bytes.insert(id.to_string(), b.parse().unwrap_or(0));
    }
    let j: Value = out
        .iter()
        .map(|(k, c)| {
            (
                k.clone(),
                json!({"instructions": c.ir, "estimated_cycles": c.cycles, "bytes": bytes[k]}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    std::fs::write(
        dir.join("callgrind.json"),
        serde_json::to_string_pretty(&j).unwrap(),
    )
    .expect("write results");
    (out, bytes)
}

fn load() -> (BTreeMap<String, Counts>, BTreeMap<String, usize>) {
    let p = root().join("target/bench/callgrind.json");
    let Ok(text) = std::fs::read_to_string(&p) else {
        return measure();
    };
    let j: Value = serde_json::from_str(&text).expect("callgrind.json");
    let mut c = BTreeMap::new();
    let mut b = BTreeMap::new();
    for (k, v) in j.as_object().expect("object") {
        c.insert(
            k.clone(),
            Counts {
                ir: v["instructions"].as_f64().unwrap_or(0.0),
                cycles: v["estimated_cycles"].as_f64().unwrap_or(0.0),
            },
        );
        b.insert(k.clone(), v["bytes"].as_u64().unwrap_or(0) as usize);
    }
    (c, b)
}

/// Budget = measurement x this. Instruction counts repeat exactly; the
/// estimated cycles move a little with address layout (cache simulation).
const MARGIN: f64 = 1.08;

/// `benches/budgets.toml`, or the file `SCBOOT_BUDGETS` names (the CI's
/// negative control points it at a copy with one budget cut).
fn budgets_path() -> PathBuf {
    std::env::var_os("SCBOOT_BUDGETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("benches/budgets.toml"))
}

/// `"id" = [instructions, estimated_cycles]` lines.
fn read_budgets() -> BTreeMap<String, (f64, f64)> {
    let text = std::fs::read_to_string(budgets_path()).unwrap_or_default();
    let mut m = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with('"')) {
        let (k, v) = line.split_once('=').expect("id = [ir, cycles]");
        let k = k.trim().trim_matches('"').to_string();
        let nums: Vec<f64> = v
            .trim()
            .trim_matches(|c| c == '[' || c == ']')
            .split(',')
            .map(|x| x.trim().parse().unwrap_or(0.0))
            .collect();
        m.insert(k, (nums[0], nums[1]));
    }
    m
}

/// Rewrite the budgets of the cases whose id starts with one of `only`
/// (all when empty) as measured + 8 %; the others keep theirs.
fn write_budgets(c: &BTreeMap<String, Counts>, only: &[String]) {
    let old = read_budgets();
    let mut s = String::from(
        "# Per-operation budgets: [instructions, estimated cycles], steady state under\n\
         # callgrind (bench-report). Written by `bench-report update` as measured + 8 %;\n\
         # CI fails when a case exceeds either. Tighten them when the code gets faster.\n",
    );
    for (k, v) in c {
        let (ir, cycles) = match old.get(k) {
            Some(&kept) if !only.is_empty() && !only.iter().any(|p| k.starts_with(p.as_str())) => {
                kept
            }
            _ => ((v.ir * MARGIN).ceil(), (v.cycles * MARGIN).ceil()),
        };
        s.push_str(&format!("\"{k}\" = [{ir:.0}, {cycles:.0}]\n"));
    }
    std::fs::write(budgets_path(), s).expect("write budgets");
}

fn check(c: &BTreeMap<String, Counts>) -> bool {
    let b = read_budgets();
    let mut ok = true;
    println!(
        "{:<40} {:>12} {:>12} {:>12} {:>12}  result",
        "case", "Ir", "Ir budget", "cycles", "cyc. budget"
    );
    for (k, v) in c {
        let Some(&(bi, bc)) = b.get(k) else {
            println!(
                "{k:<40} {:>12.0} {:>12} {:>12.0} {:>12}  NO BUDGET",
                v.ir, "-", v.cycles, "-"
            );
            ok = false;
            continue;
        };
        let pass = v.ir <= bi && v.cycles <= bc;
        ok &= pass;
        println!(
            "{k:<40} {:>12.0} {:>12.0} {:>12.0} {:>12.0}  {}",
            v.ir,
            bi,
            v.cycles,
            bc,
            if pass { "ok" } else { "OVER BUDGET" }
        );
    }
    ok
}

/// `bench-ops pair A B`: (ticks of A, ticks of B, median ratio A/B), timed
/// interleaved; the median of three runs of 1001 rounds each.
fn interleaved(a: &str, b: &str) -> Option<(f64, f64, f64)> {
    let mut runs: Vec<(f64, f64, f64)> = (0..3)
        .filter_map(|_| {
            let out = Command::new(ops_binary())
                .args(["pair", a, b, "1001"])
                .output()
                .ok()?;
            let j: Value = serde_json::from_slice(&out.stdout).ok()?;
            Some((j["a"].as_f64()?, j["b"].as_f64()?, j["ratio"].as_f64()?))
        })
        .collect();
    if runs.is_empty() {
        return None;
    }
    runs.sort_by(|x, y| x.2.total_cmp(&y.2));
    let mid = runs[runs.len() / 2];
    // For absolute figures the least disturbed run counts.
    let least = runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    Some((least, mid.1, mid.2))
}

/// One row: a ratio (or per-byte figure) in TSC cycles and in instructions.
struct Row {
    what: String,
    cycles: Option<f64>,
    instructions: Option<f64>,
    unit: &'static str,
    target: Option<(f64, bool)>, // (limit, true: at most / false: at least)
}

fn fmt_value(v: Option<f64>, unit: &str) -> String {
    match v {
        Some(x) if unit == "x" => format!("{x:.2}x"),
        Some(x) if unit == "cycles" => format!("{x:.0}"),
        Some(x) => format!("{x:.2} {unit}"),
        None => "-".into(),
    }
}

fn ratios_table(c: &BTreeMap<String, Counts>, bytes: &BTreeMap<String, usize>) -> String {
    let ir = |id: &str| c.get(id).map(|v| v.ir);
    let cy = |id: &str| interleaved(id, id).map(|r| r.0);
    let ratio = |a: &str, b: &str| interleaved(a, b).map(|r| r.2);
    let div = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    // `a` ÷ `b` by interleaved TSC and by instructions.
    let ratio_row = |what: String, a: &str, b: &str, target: Option<(f64, bool)>| Row {
        what,
        cycles: ratio(a, b),
        instructions: div(ir(a), ir(b)),
        unit: "x",
        target,
    };
    let mut rows: Vec<Row> = Vec::new();
    for (id, what, limit) in [
        (
            "bootstrap_1k/scboot",
            "LwM2M TLV: a 1 KB bootstrap file",
            Some((0.5, true)),
        ),
        ("tlv_32k/scboot", "LwM2M TLV: 32 KB", Some((0.5, true))),
    ] {
        let n = bytes.get(id).copied().unwrap_or(1).max(1) as f64;
        rows.push(Row {
            what: what.into(),
            cycles: cy(id).map(|x| x / n),
            instructions: ir(id).map(|x| x / n),
            unit: "per byte",
            target: limit,
        });
    }
    let (a, b) = ("bootstrap_1k/scboot+accounts", "bootstrap_1k/scboot");
    rows.push(ratio_row(
        "typed accounts of the 1 KB file ÷ its TLV-level parse".into(),
        a,
        b,
        Some((2.0, true)),
    ));
    // The least any typed accounts can cost: the parse and the UTF-8 checks
    // of the strings alone. What 2x leaves beyond it is all the walk of
    // every record, the other values and the pairing may take.
    let limit = "bootstrap_1k/limit-parse+utf8";
    rows.push(ratio_row(
        "its limit (the parse and the strings' UTF-8 checks, nothing else) ÷ the parse".into(),
        limit,
        b,
        None,
    ));
    rows.push(ratio_row(
        "typed accounts ÷ that limit".into(),
        a,
        limit,
        None,
    ));
    for f in ["dodf", "odf", "ef_dir", "tokeninfo"] {
        for (peer, limit) in [
            ("der", Some((2.5, false))),
            ("der-parser", Some((4.0, false))),
            ("reference", None),
        ] {
            let (a, b) = (format!("{f}/{peer}"), format!("{f}/scboot"));
            rows.push(ratio_row(format!("{f}: {peer} ÷ scboot"), &a, &b, limit));
        }
    }
    for (g, size, encrypt, limit) in [
        ("scp03_cmd_255_33_s8", 255, true, Some((1.10, true))),
        ("scp03_cmd_16_33_s8", 16, true, None),
        ("scp03_cmd_ext1024_33_s8", 1024, true, None),
        ("scp03_cmd_255_03_s8", 255, true, None),
        ("scp03_cmd_255_01_s8", 255, false, None),
    ] {
        let (a, b) = (format!("{g}/scboot"), format!("{g}/floor-aes-work"));
        rows.push(ratio_row(
            format!("{g}: scboot ÷ its AES work (floor)"),
            &a,
            &b,
            limit,
        ));
        // The computed limit: AES block operations at the measured cost of one.
        let hlen = if size > 247 { 7 } else { 5 };
        let ops = scboot_benches::RawFloor::block_operations(hlen, size, encrypt) as f64;
        let block = "aes_block/aes128-encrypt";
        rows.push(Row {
            what: format!("{g}: scboot ÷ {ops} AES blocks (computed limit)"),
            cycles: div(cy(&a), cy(block).map(|c| c * ops)),
            instructions: div(ir(&a), ir(block).map(|c| c * ops)),
            unit: "x",
            target: None,
        });
    }
    for (floor, what, limit) in [
        (
            "floor-fair",
            "the fair floor (static keys keyed once, 7 CMACs, the session's schedules)",
            Some((1.2, true)),
        ),
        (
            "floor-7-cmacs",
            "the 7 CMACs alone, static keys keyed once",
            None,
        ),
        (
            "floor-7-cmacs-oneshot",
            "the 7 CMACs one-shot (nothing keyed before)",
            None,
        ),
    ] {
        let (a, b) = (
            "scp03_setup/scboot".to_string(),
            format!("scp03_setup/{floor}"),
        );
        rows.push(ratio_row(
            format!("SCP03 session setup: scboot ÷ {what}"),
            &a,
            &b,
            limit,
        ));
    }
    rows.push(Row {
        what: "whole procedure vs in-process virtual card (13 APDUs), per run".into(),
        cycles: cy("procedure/scboot+virtual-card"),
        instructions: ir("procedure/scboot+virtual-card"),
        unit: "cycles",
        target: None,
    });
    let mut s = String::from(
        "| measure | TSC cycles (interleaved runs, median) | instructions (callgrind) | target |\n\
         | --- | --- | --- | --- |\n",
    );
    for r in rows {
        let target = match r.target {
            None => "-".to_string(),
            Some((l, at_most)) => {
                let ok = |v: f64| if at_most { v <= l } else { v >= l };
                // A ratio is held by both measures: the TSC median moves
                // with the machine by several percent between runs, the
                // instruction count does not. (Ticks per byte have no
                // instruction counterpart.)
                let by_tsc = r.cycles.map(ok);
                let by_instructions = if r.unit == "x" {
                    r.instructions.map(ok)
                } else {
                    None
                };
                let sign = if at_most { "≤" } else { "≥" };
                let l = if r.unit == "x" {
                    format!("{l}x")
                } else {
                    format!("{l} {}", r.unit)
                };
                match (by_tsc, by_instructions) {
                    (Some(true), Some(false)) => {
                        format!("{sign} {l}: met by TSC, **missed** by instructions")
                    }
                    (Some(false), Some(true)) => {
                        format!("{sign} {l}: **missed** by TSC, met by instructions")
                    }
                    (Some(true), _) => format!("{sign} {l}: met"),
                    (Some(false), _) => format!("{sign} {l}: **missed**"),
                    (None, _) => format!("{sign} {l}"),
                }
            }
        };
        let (cyc, ins) = if r.unit == "per byte" {
            (
                fmt_value(r.cycles, "cycles/byte"),
                fmt_value(r.instructions, "instructions/byte"),
            )
        } else {
            (
                fmt_value(r.cycles, r.unit),
                fmt_value(r.instructions, r.unit),
            )
        };
        s.push_str(&format!("| {} | {cyc} | {ins} | {target} |\n", r.what));
    }
    s.push_str(
        "| heap allocations: whole procedure, SCP03 sessions, every parser | 0 | 0 | 0: met (kernel/tests/no_alloc.rs, card/tests/no_alloc.rs) |\n",
    );
    s
}

/// github-action-benchmark JSON, in two files under `dir`:
/// `callgrind.json` (instructions and estimated cycles: deterministic, the
/// only figures that may raise alerts) and `timing.json` (criterion's
/// wall-clock ns and TSC medians: noisy on shared runners, published for
/// reading only).
fn dashboard(c: &BTreeMap<String, Counts>, dir: &Path) {
    let mut det = Vec::new();
    for (k, x) in c {
        det.push(json!({"name": format!("{k} (instructions)"), "unit": "instructions", "value": x.ir.round()}));
        det.push(json!({"name": format!("{k} (estimated cycles)"), "unit": "cycles", "value": x.cycles.round()}));
    }
    let mut timing = Vec::new();
    // criterion's medians (wall-clock ns and TSC cycles), where a run left them.
    let crit = root().join("target/criterion");
    if let Ok(groups) = std::fs::read_dir(&crit) {
        for g in groups.flatten() {
            let gname = g.file_name().to_string_lossy().into_owned();
            let (prefix, unit) = if let Some(g) = gname.strip_prefix("ns_") {
                (g.to_string(), "ns")
            } else if let Some(g) = gname.strip_prefix("cycles_") {
                (g.to_string(), "TSC cycles")
            } else {
                continue;
            };
            for b in std::fs::read_dir(g.path()).into_iter().flatten().flatten() {
                let est = b.path().join("new/estimates.json");
                if let Ok(t) = std::fs::read_to_string(&est) {
                    let j: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if let Some(x) = j["median"]["point_estimate"].as_f64() {
                        let range = j["median"]["standard_error"].as_f64().unwrap_or(0.0);
                        timing.push(json!({
                            "name": format!("{prefix}/{} ({unit})", b.file_name().to_string_lossy()),
                            "unit": unit,
                            "value": (x * 10.0).round() / 10.0,
                            "range": format!("± {range:.1}"),
                        }));
                    }
                }
            }
        }
    }
    std::fs::create_dir_all(dir).expect("dashboard folder");
    for (name, v) in [("callgrind.json", det), ("timing.json", timing)] {
        let out = dir.join(name);
        std::fs::write(
            &out,
            serde_json::to_string_pretty(&Value::Array(v)).unwrap(),
        )
        .expect("write dashboard");
        println!("dashboard JSON written to {}", out.display());
    }
}

/// Put `table` between the README's `<!-- name:start -->` and `<!-- name:end -->`.
fn into_readme(name: &str, table: &str) {
    let p = root().join("README.md");
    let text = std::fs::read_to_string(&p).expect("README.md");
    let (start, end) = (
        format!("<!-- {name}:start -->\n"),
        format!("<!-- {name}:end -->"),
    );
    let (Some(a), Some(z)) = (text.find(&start), text.find(&end)) else {
        eprintln!("README.md has no {name} markers");
        std::process::exit(1);
    };
    let new = format!("{}{}{}", &text[..a + start.len()], table, &text[z..]);
    std::fs::write(&p, new).expect("write README.md");
}

/// Least-squares slope and intercept of `y` over `x`.
fn fit(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if n < 2.0 {
        return None;
    }
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let slope = sxy / sxx;
    Some((slope, my - slope * mx))
}

/// Parse cost against the input's size: callgrind instructions, the
/// cost per unit at each size, and the fitted slope (a line through the
/// points: linear growth, no quadratic term).
fn scaling_table(c: &BTreeMap<String, Counts>, bytes: &BTreeMap<String, usize>) -> String {
    let mut s = String::from(
        "| input | size | instructions | per unit | fitted line |\n| --- | --- | --- | --- | --- |\n",
    );
    for (prefix, what, (unit, units_name), units) in [
        ("scale_tlv_", "LwM2M TLV", ("byte", "bytes"), None),
        ("scale_dodf_", "DODF", ("entry", "entries"), Some(())),
    ] {
        let mut pts = Vec::new();
        for (k, v) in c.iter().filter(|(k, _)| k.starts_with(prefix)) {
            let size = k[prefix.len()..]
                .split('/')
                .next()
                .and_then(|n| n.parse::<f64>().ok())
                .unwrap_or(0.0);
            let x = match units {
                Some(()) => size,
                None => bytes.get(k).copied().unwrap_or(0) as f64,
            };
            pts.push((x, v.ir));
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let line = fit(&pts);
        for (i, (x, y)) in pts.iter().enumerate() {
            let fitted = match (i, line) {
                (0, Some((m, b0))) => format!("{m:.2} instructions/{unit} + {b0:.0}"),
                _ => String::new(),
            };
            s.push_str(&format!(
                "| {what} | {x:.0} {} | {y:.0} | {:.2} | {fitted} |\n",
                if *x == 1.0 { unit } else { units_name },
                y / x.max(1.0)
            ));
        }
    }
    s
}

/// The whole procedure per card layout: APDUs exchanged (one run), TSC
/// cycles (the least disturbed of three interleaved runs) and callgrind
/// instructions per run.
fn layouts_table(c: &BTreeMap<String, Counts>) -> String {
    let mut s = String::from(
        "| layout | APDUs | TSC cycles per run | instructions per run |\n| --- | --- | --- | --- |\n",
    );
    for (name, ..) in scboot_benches::LAYOUTS {
        let id = format!("procedure_layout/{name}");
        let apdus = scboot_benches::layout_apdus(name).map_or("-".into(), |n| n.to_string());
        let cycles = interleaved(&id, &id).map_or("-".into(), |r| format!("{:.0}", r.0));
        let ir = c.get(&id).map_or("-".into(), |v| format!("{:.0}", v.ir));
        s.push_str(&format!("| `{name}` | {apdus} | {cycles} | {ir} |\n"));
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("measure") => {
            measure();
        }
        Some("check") => {
            let (c, _) = if args.iter().any(|a| a == "--cached") {
                load()
            } else {
                measure()
            };
            if !check(&c) {
                eprintln!("a benchmark exceeds its budget (benches/budgets.toml)");
                std::process::exit(1);
            }
        }
        Some("update") => {
            // update [--cached] [ID-PREFIX...]: the listed cases only, or all.
            let cached = args.iter().any(|a| a == "--cached");
            let (c, _) = if cached { load() } else { measure() };
            let only: Vec<String> = args
                .iter()
                .skip(2)
                .filter(|a| !a.starts_with("--"))
                .cloned()
                .collect();
            write_budgets(&c, &only);
            println!("budgets written to {}", budgets_path().display());
        }
        Some("dashboard") => {
            let (c, _) = load();
            dashboard(
                &c,
                Path::new(args.get(2).map_or("target/bench/dashboard", String::as_str)),
            );
        }
        Some("ratios") => {
            let (c, b) = load();
            let t = ratios_table(&c, &b);
            print!("{t}");
            if args.iter().any(|a| a == "--readme") {
                into_readme("ratios", &t);
            }
        }
        Some("scaling") => {
            let (c, b) = load();
            let t = scaling_table(&c, &b);
            print!("{t}");
            if args.iter().any(|a| a == "--readme") {
                into_readme("scaling", &t);
            }
        }
        Some("layouts") => {
            let (c, _) = load();
            let t = layouts_table(&c);
            print!("{t}");
            if args.iter().any(|a| a == "--readme") {
                into_readme("layouts", &t);
            }
        }
        _ => {
            eprintln!(
                "usage: bench-report measure|check|update|dashboard [DIR]|ratios [--readme]|scaling [--readme]|layouts [--readme]"
            );
            std::process::exit(2);
        }
    }
}
