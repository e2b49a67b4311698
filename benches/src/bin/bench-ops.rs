//! `bench-ops list` prints every case; `bench-ops run ID N` runs case ID N
//! times inside `measured_region` (what callgrind counts).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut cases = scboot_benches::all();
    match args.get(1).map(String::as_str) {
        Some("list") => {
            for c in &cases {
                println!("{} {}", c.id(), c.bytes);
            }
        }
        Some("run") => {
            let id = args.get(2).expect("case id");
            let n: usize = args.get(3).and_then(|s| s.parse().ok()).expect("count");
            let c = cases
                .iter_mut()
                .find(|c| &c.id() == id)
                .unwrap_or_else(|| panic!("no case {id}"));
            let r = scboot_benches::measured_region(c, n);
            println!("{r}");
        }
        _ => {
            eprintln!("usage: bench-ops list | bench-ops run ID N");
            std::process::exit(2);
        }
    }
}
