//! Instruction and estimated-cycle counts of every case under callgrind,
//! budgets, dashboard JSON and the README ratio table.
//!
//! ```text
//! bench-report measure            # run callgrind on every case -> target/bench/callgrind.json
//! bench-report check              # measure, then fail if any case exceeds benches/budgets.toml
//! bench-report update             # measure, then write budgets = measured + 5 %
//! bench-report dashboard OUT      # github-action-benchmark customSmallerIsBetter JSON
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

fn budgets_path() -> PathBuf {
    root().join("benches/budgets.toml")
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

fn write_budgets(c: &BTreeMap<String, Counts>) {
    let mut s = String::from(
        "# Per-operation budgets: [instructions, estimated cycles], steady state under\n\
         # callgrind (bench-report). Written by `bench-report update` as measured + 5 %;\n\
         # CI fails when a case exceeds either. Tighten them when the code gets faster.\n",
    );
    for (k, v) in c {
        s.push_str(&format!(
            "\"{k}\" = [{:.0}, {:.0}]\n",
            (v.ir * 1.05).ceil(),
            (v.cycles * 1.05).ceil()
        ));
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

fn ratio(c: &BTreeMap<String, Counts>, a: &str, b: &str) -> Option<f64> {
    Some(c.get(a)?.cycles / c.get(b)?.cycles)
}

fn ratios_table(c: &BTreeMap<String, Counts>, bytes: &BTreeMap<String, usize>) -> String {
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let per_byte = |id: &str| c.get(id).map(|v| v.cycles / bytes[id].max(1) as f64);
    if let Some(x) = per_byte("bootstrap_1k/scboot") {
        rows.push((
            "TLV decode, 1 KB bootstrap file".into(),
            format!("{x:.2} cycles/byte"),
            "≤ 2 cycles/byte".into(),
        ));
    }
    if let Some(x) = per_byte("tlv_32k/scboot") {
        rows.push((
            "TLV decode, 32 KB".into(),
            format!("{x:.2} cycles/byte"),
            "-".into(),
        ));
    }
    for f in ["dodf", "odf", "ef_dir"] {
        if let Some(r) = ratio(c, &format!("{f}/der"), &format!("{f}/scboot")) {
            rows.push((
                format!("{f}: der ÷ scboot"),
                format!("{r:.2}x"),
                "≥ 2x".into(),
            ));
        }
        if let Some(r) = ratio(c, &format!("{f}/der-parser"), &format!("{f}/scboot")) {
            rows.push((
                format!("{f}: der-parser ÷ scboot"),
                format!("{r:.2}x"),
                "≥ 3x".into(),
            ));
        }
        if let Some(r) = ratio(c, &format!("{f}/reference"), &format!("{f}/scboot")) {
            rows.push((
                format!("{f}: reference model ÷ scboot"),
                format!("{r:.2}x"),
                "-".into(),
            ));
        }
    }
    for (g, limit) in [
        ("scp03_cmd_255_33_s8", "≤ 1.15x"),
        ("scp03_cmd_255_03_s8", "-"),
        ("scp03_cmd_255_01_s8", "-"),
        ("scp03_cmd_16_33_s8", "-"),
        ("scp03_cmd_ext1024_33_s8", "-"),
    ] {
        if let Some(r) = ratio(c, &format!("{g}/scboot"), &format!("{g}/raw-aes-cmac")) {
            rows.push((
                format!("{g}: scboot ÷ raw AES-CMAC+CBC"),
                format!("{r:.2}x"),
                limit.into(),
            ));
        }
    }
    if let Some(r) = ratio(c, "scp03_setup/scboot", "scp03_setup/raw-aes-cmac") {
        rows.push((
            "SCP03 session setup: scboot ÷ its raw CMAC calls".into(),
            format!("{r:.2}x"),
            "≤ 1.2x".into(),
        ));
    }
    if let Some(v) = c.get("procedure/scboot+virtual-card") {
        rows.push((
            "whole procedure vs in-process virtual card (15 APDUs)".into(),
            format!("{:.0} est. cycles", v.cycles),
            "-".into(),
        ));
    }
    let mut s = String::from(
        "| measure (callgrind, estimated cycles) | now | target |\n| --- | --- | --- |\n",
    );
    for (a, b, t) in rows {
        s.push_str(&format!("| {a} | {b} | {t} |\n"));
    }
    s
}

fn dashboard(c: &BTreeMap<String, Counts>, out: &Path) {
    let mut v = Vec::new();
    for (k, x) in c {
        v.push(json!({"name": format!("{k} (instructions)"), "unit": "instructions", "value": x.ir.round()}));
        v.push(json!({"name": format!("{k} (estimated cycles)"), "unit": "cycles", "value": x.cycles.round()}));
    }
    // criterion's wall-clock estimates, where a run left them.
    let crit = root().join("target/criterion");
    if let Ok(groups) = std::fs::read_dir(&crit) {
        for g in groups.flatten() {
            let gname = g.file_name().to_string_lossy().into_owned();
            if !gname.starts_with("ns_") {
                continue;
            }
            for b in std::fs::read_dir(g.path()).into_iter().flatten().flatten() {
                let est = b.path().join("new/estimates.json");
                if let Ok(t) = std::fs::read_to_string(&est) {
                    let j: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if let Some(ns) = j["mean"]["point_estimate"].as_f64() {
                        let range = j["mean"]["standard_error"].as_f64().unwrap_or(0.0);
                        v.push(json!({
                            "name": format!("{}/{} (ns)", &gname[3..], b.file_name().to_string_lossy()),
                            "unit": "ns",
                            "value": (ns * 10.0).round() / 10.0,
                            "range": format!("± {:.1}", range),
                        }));
                    }
                }
            }
        }
    }
    std::fs::write(out, serde_json::to_string_pretty(&Value::Array(v)).unwrap())
        .expect("write dashboard");
    println!("dashboard JSON written to {}", out.display());
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("measure") => {
            measure();
        }
        Some("check") => {
            let (c, _) = measure();
            if !check(&c) {
                eprintln!("a benchmark exceeds its budget (benches/budgets.toml)");
                std::process::exit(1);
            }
        }
        Some("update") => {
            let (c, _) = measure();
            write_budgets(&c);
            println!("budgets written to {}", budgets_path().display());
        }
        Some("dashboard") => {
            let (c, _) = load();
            dashboard(
                &c,
                Path::new(
                    args.get(2)
                        .map_or("target/bench/dashboard.json", String::as_str),
                ),
            );
        }
        Some("ratios") => {
            let (c, b) = load();
            let t = ratios_table(&c, &b);
            print!("{t}");
            if args.iter().any(|a| a == "--readme") {
                let p = root().join("README.md");
                let text = std::fs::read_to_string(&p).expect("README.md");
                let (start, end) = ("<!-- ratios:start -->\n", "<!-- ratios:end -->");
                let (Some(a), Some(z)) = (text.find(start), text.find(end)) else {
                    eprintln!("README.md has no ratios markers");
                    std::process::exit(1);
                };
                let new = format!("{}{}{}{}", &text[..a + start.len()], t, "", &text[z..]);
                std::fs::write(&p, new).expect("write README.md");
            }
        }
        _ => {
            eprintln!("usage: bench-report measure|check|update|dashboard [OUT]|ratios [--readme]");
            std::process::exit(2);
        }
    }
}
