//! Helpers shared by the command-line tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// The `scboot` binary under test.
pub fn scboot() -> Command {
    Command::cargo_bin("scboot").unwrap()
}

/// A file of the repository.
pub fn repo(path: &str) -> String {
    format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"))
}

/// A named test vector.
pub fn corpus(name: &str) -> String {
    repo(&format!("corpus/vectors/{name}"))
}

/// A fresh folder for one test.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scboot-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run `scboot` with `args`; it must succeed; its stdout as JSON.
pub fn json_of(args: &[&str]) -> Value {
    let out = scboot().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Run `scboot` with `args`; it must fail with status 1 and print nothing
/// on stdout; its stderr.
pub fn failure(args: &[&str]) -> String {
    let out = scboot().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
    String::from_utf8(out.stderr).unwrap()
}

/// `scboot card build CONFIG -o DIR/NAME.json`; the image's path.
pub fn build_card(config: &str, dir: &std::path::Path, name: &str) -> String {
    let img = dir.join(format!("{name}.json"));
    let img = img.to_str().unwrap().to_string();
    let out = scboot()
        .args(["card", "build", config, "-o", &img])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{config}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    img
}
