//! `scboot inspect` end to end.

mod common;
use common::{corpus, json_of, scboot};
use serde_json::Value;

#[test]
fn real_card_bootstrap_json() {
    // The done-condition of the parser issue.
    let v = json_of(&["inspect", "--json", &corpus("bootstrap_nrf_real_card.bin")]);
    let obj = &v["objects"][0];
    assert_eq!(obj["object_id"], 0);
    assert_eq!(obj["version"], "1.0");
    let inst = &obj["instances"][0];
    assert_eq!(inst["type"], "object_instance");
    assert_eq!(inst["id"], 0);
    let res = inst["children"].as_array().unwrap();
    assert_eq!(res.len(), 3);
    let uri_hex: String = b"coap://leshan.eclipseprojects.io:5783"
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(res[0]["type"], "resource");
    assert_eq!(res[0]["id"], 0);
    assert_eq!(res[0]["value"], uri_hex.as_str());
    assert_eq!(res[0]["text"], "coap://leshan.eclipseprojects.io:5783");
    assert_eq!(
        (res[1]["id"].clone(), res[1]["value"].clone()),
        (1.into(), "01".into())
    );
    assert_eq!(
        (res[2]["id"].clone(), res[2]["value"].clone()),
        (2.into(), "03".into())
    );
    assert_eq!(res[1]["offset"], 52);
}

#[test]
fn dodf_json_and_finder() {
    let v = json_of(&[
        "inspect",
        "--format",
        "dodf",
        "--json",
        &corpus("dodf_nrf_real_card.bin"),
    ]);
    let e = &v["entries"][0];
    assert_eq!(e["kind"], "oid");
    assert_eq!(e["path"], "6432");
    assert_eq!(e["private"], false);
    assert_eq!(e["modifiable"], false);
    assert_eq!(e["oid_hex"], "0604672b0901");
    assert_eq!(v["lwm2m_bootstrap"]["entry"], 0);
    assert_eq!(v["lwm2m_bootstrap"]["rule"], "double_encoded_oid");
}

#[test]
fn auto_detects_every_vector() {
    for (file, key) in [
        ("ef_dir_design.bin", "applications"),
        ("odf_design.bin", "entries"),
        ("dodf_nrf_real_card.bin", "lwm2m_bootstrap"),
        ("bootstrap_nrf_real_card.bin", "objects"),
    ] {
        let v = json_of(&["inspect", "--json", &corpus(file)]);
        assert!(v.get(key).is_some(), "{file}: {v}");
    }
    let v = json_of(&["inspect", "--json", &corpus("ef_dir_design.bin")]);
    assert_eq!(v["applications"][0]["aid"], "a000000063504b43532d3135");
    assert_eq!(v["applications"][0]["path"], "3f005015");
    let v = json_of(&["inspect", "--json", &corpus("odf_design.bin")]);
    assert_eq!(v["entries"][0]["class"], "dataObjects");
    assert_eq!(v["entries"][0]["path"], "6430");
}

#[test]
fn hex_stdin_tlv_and_tokeninfo() {
    let out = scboot()
        .args(["inspect", "--hex", "--format", "tlv", "--json", "-"])
        .write_stdin("08 00 06\n C1 01 01 C1 02 03")
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["type"], "object_instance");
    assert_eq!(v[0]["children"][1]["offset"], 6);
    assert_eq!(v[0]["children"][1]["value"], "03");

    let out = scboot()
        .args(["inspect", "--hex", "--json", "-"])
        .write_stdin("30 0A 02 01 00 04 02 12 34 03 01 00")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["serial_number"], "1234");
    assert_eq!(v["version"], 0);
}

#[test]
fn tree_output_has_offsets() {
    let out = scboot()
        .args(["inspect", &corpus("dodf_nrf_real_card.bin")])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(s.contains("@0037 04 OCTET STRING (2 bytes): 6432"), "{s}");
    assert!(s.contains("rule double_encoded_oid"), "{s}");
}

#[test]
fn malformed_input_exit_1_stderr_only() {
    let out = scboot()
        .args(["inspect", "--hex", "--format", "bootstrap", "-"])
        .write_stdin("00 01 00 40")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("at offset 2"), "{err}");
    assert!(
        err.contains("size exceeds the bytes after the header"),
        "{err}"
    );
    // The size at fault, 0x0040, is shown where the error points.
    assert!(err.contains("(bytes there: 00 40)"), "{err}");

    let out = scboot()
        .args(["inspect", "--hex", "--format", "dodf", "--json", "-"])
        .write_stdin("A1 02 30 00")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("DODF entry 0 at offset 4"));

    // Not hex at all.
    let out = scboot()
        .args(["inspect", "--hex", "-"])
        .write_stdin("xyz")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

#[test]
fn reader_that_quits_early_is_not_a_crash() {
    // `scboot inspect ... | grep -q X` and `| head`: the pipe closes before the
    // output is written. Rust ignores SIGPIPE, so the write fails with EPIPE;
    // that must end the program quietly with success, not in a panic.
    use std::process::{Command as Std, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("scboot");
    let mut child = Std::new(bin)
        .args(["inspect", &corpus("bootstrap_nrf_real_card.bin")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before any byte is written
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.status.success(), "{:?} {stderr}", out.status);
}

/// 50 MB of zeros (or anything above 64 KiB): refused at once, with exit
/// 1, nothing on stdout and one line on stderr, whatever the format asked.
#[test]
fn hostile_size_is_refused() {
    let path = std::env::temp_dir().join(format!("scboot-zeros-{}.bin", std::process::id()));
    let f = std::fs::File::create(&path).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let p = path.to_str().unwrap();
    for args in [
        vec!["inspect", "--format", "tlv", p],
        vec!["inspect", p],
        vec!["inspect", "--json", p],
    ] {
        let out = scboot().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("larger than 65536 bytes"), "{err}");
    }
    std::fs::remove_file(&path).unwrap();
    // The cap holds on stdin and on hex text too; exactly 64 KiB is accepted.
    let out = scboot()
        .args(["inspect", "--format", "tlv", "-"])
        .write_stdin(vec![0u8; 65_537])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let out = scboot()
        .args(["inspect", "--hex", "-"])
        .write_stdin("00".repeat(65_537))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let max = vec![0xFFu8; 65_536];
    let out = scboot()
        .args(["inspect", "--format", "odf", "-"])
        .write_stdin(max)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// Resources of the Security and Server objects are named in the tree and
/// in JSON; offsets use one notation (`@` and decimal digits), documented
/// in --help.
#[test]
fn tree_names_resources() {
    let out = scboot()
        .args(["inspect", &corpus("bootstrap_nrf_real_card.bin")])
        .output()
        .unwrap();
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        s.contains("@0004 object 0 (LwM2M Security) version 1.0"),
        "{s}"
    );
    assert!(
        s.contains("@0012 Resource 0 (Server URI) (37 bytes)"),
        "{s}"
    );
    assert!(
        s.contains("@0055 Resource 2 (Security Mode) (1 bytes): 03 = 3"),
        "{s}"
    );
    let v = json_of(&["inspect", "--json", &corpus("bootstrap_nrf_real_card.bin")]);
    assert_eq!(v["objects"][0]["name"], "LwM2M Security");
    assert_eq!(
        v["objects"][0]["instances"][0]["children"][1]["name"],
        "Bootstrap-Server"
    );
    let out = scboot().args(["inspect", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("decimal byte offsets") && help.contains("64 KiB"),
        "{help}"
    );
}
