//! `bench-ops list` prints every case; `bench-ops run ID N` runs case ID N
//! times inside `measured_region` (what callgrind counts);
//! `bench-ops pair A B [ROUNDS]` times A and B interleaved, round after
//! round, in TSC cycles, and prints the medians and the median of the
//! per-round ratios as JSON: both sides see the same machine state, so the
//! ratio holds on a noisy shared machine where separate runs drift.

use scboot_benches::Case;

/// The time-stamp counter (x86_64), or nanoseconds elsewhere.
#[allow(unsafe_code)]
fn ticks() -> u64 {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: RDTSC has no preconditions on x86_64.
        unsafe { core::arch::x86_64::_rdtsc() }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        use std::sync::OnceLock;
        static START: OnceLock<std::time::Instant> = OnceLock::new();
        START
            .get_or_init(std::time::Instant::now)
            .elapsed()
            .as_nanos() as u64
    }
}

/// Calls of `c` that take about `target` ticks.
fn calibrate(c: &mut Case, target: u64) -> usize {
    let mut n = 1usize;
    loop {
        let t0 = ticks();
        scboot_benches::measured_region(c, n);
        let dt = ticks().saturating_sub(t0);
        if dt >= target || n >= 1 << 20 {
            return n;
        }
        n *= 2;
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pair(a: &mut Case, b: &mut Case, rounds: usize) -> (f64, f64, f64) {
    // Warm up, then blocks of about 40k ticks (~15 us) per side and round.
    for _ in 0..3 {
        calibrate(a, 200_000);
        calibrate(b, 200_000);
    }
    let (na, nb) = (calibrate(a, 40_000), calibrate(b, 40_000));
    let (mut ta, mut tb, mut r) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..rounds {
        // Alternate which side goes first, so neither always follows the other.
        let (first, second) = if i % 2 == 0 {
            ((&mut *a, na), (&mut *b, nb))
        } else {
            ((&mut *b, nb), (&mut *a, na))
        };
        let t0 = ticks();
        scboot_benches::measured_region(first.0, first.1);
        let t1 = ticks();
        scboot_benches::measured_region(second.0, second.1);
        let t2 = ticks();
        let (x, y) = (
            (t1 - t0) as f64 / first.1 as f64,
            (t2 - t1) as f64 / second.1 as f64,
        );
        let (xa, xb) = if i % 2 == 0 { (x, y) } else { (y, x) };
        ta.push(xa);
        tb.push(xb);
        r.push(xa / xb);
    }
    (median(&mut ta), median(&mut tb), median(&mut r))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut cases = scboot_benches::all();
    let index = |cases: &[Case], id: &str| {
        cases
            .iter()
            .position(|c| c.id() == id)
            .unwrap_or_else(|| panic!("no case {id}"))
    };
    match args.get(1).map(String::as_str) {
        Some("list") => {
            for c in &cases {
                println!("{} {}", c.id(), c.bytes);
            }
        }
        Some("run") => {
            let id = args.get(2).expect("case id");
            let n: usize = args.get(3).and_then(|s| s.parse().ok()).expect("count");
            let i = index(&cases, id);
            let r = scboot_benches::measured_region(&mut cases[i], n);
            println!("{r}");
        }
        Some("pair") => {
            let (ia, ib) = (
                index(&cases, args.get(2).expect("case A")),
                index(&cases, args.get(3).expect("case B")),
            );
            let rounds: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(401);
            let (ta, tb, r) = if ia == ib {
                let (a, b) = pair_same(&mut cases[ia], rounds);
                (a, b, 1.0)
            } else {
                let (lo, hi) = (ia.min(ib), ia.max(ib));
                let (left, right) = cases.split_at_mut(hi);
                let (x, y) = (&mut left[lo], &mut right[0]);
                let (a, b) = if ia < ib { (x, y) } else { (y, x) };
                pair(a, b, rounds)
            };
            println!("{{\"a\": {ta:.1}, \"b\": {tb:.1}, \"ratio\": {r:.4}}}");
        }
        _ => {
            eprintln!("usage: bench-ops list | run ID N | pair A B [ROUNDS]");
            std::process::exit(2);
        }
    }
}

/// One case alone: median ticks per call over `rounds` blocks.
fn pair_same(a: &mut Case, rounds: usize) -> (f64, f64) {
    for _ in 0..3 {
        calibrate(a, 200_000);
    }
    let n = calibrate(a, 40_000);
    let mut t: Vec<f64> = (0..rounds)
        .map(|_| {
            let t0 = ticks();
            scboot_benches::measured_region(a, n);
            (ticks() - t0) as f64 / n as f64
        })
        .collect();
    let m = median(&mut t);
    (m, m)
}
