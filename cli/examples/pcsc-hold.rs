//! Test helper for the PC/SC integration script: hold a reader's card in
//! exclusive mode for a few seconds, so that `scboot` meets a busy reader.
//!
//!     cargo run --features pcsc --example pcsc-hold -- "Virtual PCD" 3

#[cfg(feature = "pcsc")]
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let name = args.get(1).map_or("", String::as_str);
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let ctx = pcsc::Context::establish(pcsc::Scope::User).expect("PC/SC context");
    let readers = ctx.list_readers_owned().expect("readers");
    let reader = readers
        .iter()
        .find(|r| r.to_string_lossy().contains(name))
        .expect("a reader with that name");
    let _card = ctx
        .connect(reader, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
        .expect("exclusive connection");
    println!("holding {}", reader.to_string_lossy());
    std::thread::sleep(std::time::Duration::from_secs(seconds));
}

#[cfg(not(feature = "pcsc"))]
fn main() {
    eprintln!("build with --features pcsc");
    std::process::exit(2);
}
