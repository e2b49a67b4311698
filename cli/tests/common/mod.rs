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

/// Run `scboot` with `args`; it must succeed; its stdout and stderr.
pub fn success(args: &[&str]) -> (String, String) {
    let out = scboot().args(args).output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// Run `scboot` with `args`; it must succeed; its stdout as JSON.
pub fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&success(args).0).unwrap()
}

/// Every one of `wants` is in `text`.
pub fn assert_contains_all(text: &str, wants: &[&str]) {
    for want in wants {
        assert!(text.contains(want), "{want}: {text}");
    }
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
    success(&["card", "build", config, "-o", &img]);
    img
}
