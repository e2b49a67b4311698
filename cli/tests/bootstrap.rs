//! `scboot bootstrap` and `scboot card` end to end.

use assert_cmd::Command;
use serde_json::Value;

fn scboot() -> Command {
    Command::cargo_bin("scboot").unwrap()
}

fn run_json(args: &[&str]) -> Value {
    let out = scboot().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn demo_card_table_and_json() {
    let out = scboot().arg("bootstrap").output().unwrap();
    assert!(out.status.success());
    let t = String::from_utf8(out.stdout).unwrap();
    assert!(t.contains("built-in demo card"), "{t}");
    assert!(t.contains("SCP03 level 33"), "{t}");
    assert!(t.contains("coaps://leshan.eclipseprojects.io:5684"), "{t}");
    assert!(t.contains("scboot-demo-device"), "{t}");
    assert!(!t.contains("3a6e1d2c"), "the PSK must never be printed");

    let v = run_json(&["bootstrap", "--json", "--level", "13"]);
    assert_eq!(v["provenance"]["scp03_level"], "13");
    assert_eq!(v["provenance"]["rule"], "double_encoded_oid");
    assert_eq!(v["provenance"]["apdus"], 15);
    assert_eq!(v["accounts"][0]["short_server_id"], 101);
    assert_eq!(v["accounts"][0]["secret_key_len"], 16);
    assert_eq!(v["accounts"][1]["bootstrap_server"], true);
    let v = run_json(&["bootstrap", "--json", "--policy", "off", "--basic-channel"]);
    assert_eq!(v["provenance"]["scp03_level"], Value::Null);
    assert_eq!(v["provenance"]["channel"], 0);
}

#[test]
fn build_bootstrap_update_bootstrap() {
    let dir = std::env::temp_dir().join(format!("scboot-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("card.toml");
    let cfg2 = dir.join("card2.toml");
    let img = dir.join("card.json");
    let keys = dir.join("keys.toml");
    let text = r#"
dodf_form = "opaque"
file_size = 256
[keys]
kvn = 0x31
enc = "000102030405060708090a0b0c0d0e0f"
mac = "101112131415161718191a1b1c1d1e1f"
dek = "202122232425262728292a2b2c2d2e2f"
[[server]]
uri = "coap://example.org:5683"
security_mode = "nosec"
short_server_id = 7
lifetime = 60
"#;
    std::fs::write(&cfg, text).unwrap();
    std::fs::write(&cfg2, text.replace("lifetime = 60", "lifetime = 120")).unwrap();
    std::fs::write(
        &keys,
        "kvn = 0x31\nenc = \"000102030405060708090a0b0c0d0e0f\"\nmac = \"101112131415161718191a1b1c1d1e1f\"\ndek = \"202122232425262728292a2b2c2d2e2f\"\n",
    )
    .unwrap();
    let p = |x: &std::path::Path| x.to_str().unwrap().to_string();
    scboot()
        .args(["card", "build", &p(&cfg), "-o", &p(&img)])
        .assert()
        .success();
    let v = run_json(&[
        "bootstrap",
        "--json",
        "--image",
        &p(&img),
        "--keys",
        &p(&keys),
    ]);
    assert_eq!(v["accounts"][0]["lifetime"], 60);
    assert_eq!(v["provenance"]["rule"], "opaque_application_oid");
    let before = v["provenance"]["sha256"].clone();

    // The demo keys do not open this card's secure channel.
    let out = scboot()
        .args(["bootstrap", "--image", &p(&img)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("INITIALIZE UPDATE"));

    let out = scboot()
        .args(["card", "update", &p(&img), &p(&cfg2)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3f0050156432"));
    let v = run_json(&[
        "bootstrap",
        "--json",
        "--image",
        &p(&img),
        "--keys",
        &p(&keys),
    ]);
    assert_eq!(v["accounts"][0]["lifetime"], 120);
    assert_ne!(v["provenance"]["sha256"], before);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_arguments_exit_1() {
    let out = scboot()
        .args(["bootstrap", "--level", "07"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    #[cfg(not(feature = "pcsc"))]
    {
        let out = scboot()
            .args(["bootstrap", "--reader", "x"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--features pcsc"));
    }
}
