//! `scboot scp03 trace` reproduces every published session from its keys,
//! host challenge and card response.

use assert_cmd::Command;
use serde_json::Value;

struct Session {
    name: String,
    f: std::collections::HashMap<String, String>,
    cmds: Vec<Vec<String>>,
    resps: Vec<Vec<String>>,
}

fn sessions() -> Vec<Session> {
    let text = include_str!("../../kernel/tests/vectors/scp03_sessions.txt");
    let mut out: Vec<Session> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        if let Some(n) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push(Session {
                name: n.into(),
                f: Default::default(),
                cmds: vec![],
                resps: vec![],
            });
            continue;
        }
        let s = out.last_mut().unwrap();
        let (k, v) = line.split_once('=').unwrap();
        let parts: Vec<String> = v.split(' ').map(str::to_lowercase).collect();
        match k {
            "cmd" => s.cmds.push(parts),
            "resp" => s.resps.push(parts),
            "kdf" => {}
            _ => {
                s.f.insert(k.into(), v.to_lowercase());
            }
        }
    }
    out.retain(|s| s.name != "kdf");
    out
}

fn run(args: &[String]) -> (Option<i32>, Vec<u8>, String) {
    let out = Command::cargo_bin("scboot")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn trace_args(s: &Session) -> Vec<String> {
    let m = if s.f["mode"] == "s16" { 16 } else { 8 };
    let iu = &s.f["iu_cmd"];
    let mut a: Vec<String> = vec!["scp03".into(), "trace".into()];
    for (flag, key) in [
        ("--key-enc", "key_enc"),
        ("--key-mac", "key_mac"),
        ("--key-dek", "key_dek"),
        ("--card-response", "iu_resp"),
        ("--level", "level"),
        ("--aid", "card_aid"),
    ] {
        a.push(flag.into());
        a.push(s.f[key].clone());
    }
    a.push("--host-challenge".into());
    a.push(iu[10..10 + 2 * m].to_string());
    a.push("--kvn".into());
    a.push(iu[4..6].to_string());
    a.push("--apdu".into());
    a.extend(s.cmds.iter().map(|c| c[0].clone()));
    if !s.resps.is_empty() {
        a.push("--response".into());
        a.extend(s.resps.iter().map(|r| r[0].clone()));
    }
    a
}

#[test]
fn trace_reproduces_every_session() {
    let all = sessions();
    assert_eq!(all.len(), 10);
    assert!(all.iter().any(|s| s.name == "pysim_AES128_33"));
    for s in &all {
        let (code, stdout, stderr) = run(&trace_args(s));
        assert_eq!(code, Some(0), "{}: {stderr}", s.name);
        let v: Value = serde_json::from_slice(&stdout).unwrap();
        for (field, key) in [
            ("s_enc", "s_enc"),
            ("s_mac", "s_mac"),
            ("s_rmac", "s_rmac"),
            ("card_cryptogram", "card_cryptogram"),
            ("host_cryptogram", "host_cryptogram"),
            ("initialize_update", "iu_cmd"),
            ("external_authenticate", "ea"),
        ] {
            assert_eq!(v[field], s.f[key].as_str(), "{}: {field}", s.name);
        }
        assert_eq!(v["card_cryptogram_ok"], true, "{}", s.name);
        assert_eq!(v["card_challenge_ok"], true, "{}", s.name);
        let cmds: Vec<&str> = v["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        let expected: Vec<&str> = s.cmds.iter().map(|c| c[1].as_str()).collect();
        assert_eq!(cmds, expected, "{}: wrapped commands", s.name);
        let resps = v["responses"].as_array().unwrap();
        assert_eq!(resps.len(), s.resps.len());
        for (r, e) in resps.iter().zip(&s.resps) {
            assert_eq!(r["data"], e[1].as_str(), "{}: response data", s.name);
            assert_eq!(r["sw"], "9000");
        }
    }
}

#[test]
fn wrong_key_says_so_and_tampered_response_errors() {
    let s = sessions()
        .into_iter()
        .find(|s| s.name == "pysim_AES128_33")
        .unwrap();
    let (code, _, _) = run(&trace_args(&s));
    assert_eq!(code, Some(0), "everything verifies");

    // Wrong keys: the report is printed, and the exit status says 3.
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--key-mac").unwrap();
    a[i + 1] = "00".repeat(16);
    let (code, stdout, _) = run(&a);
    assert_eq!(code, Some(3));
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["card_cryptogram_ok"], false);
    assert_eq!(v["external_authenticate"], Value::Null);
    assert_eq!(v["error"], "card cryptogram mismatch");

    // A tampered response: R-MAC mismatch, 3.
    let mut a = trace_args(&s);
    let last = a.len() - 1;
    a[last].replace_range(0..2, "00"); // flip the first response byte
    let (code, stdout, _) = run(&a);
    assert_eq!(code, Some(3));
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["responses"][0]["error"], "R-MAC mismatch");

    // A pseudo-random challenge checked against another AID: 3.
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--aid").unwrap();
    a[i + 1] = "a000000063504b43532d3135".into();
    let (code, stdout, _) = run(&a);
    assert_eq!(code, Some(3));
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["card_challenge_ok"], false);
}

/// `--apdu` is optional: a handshake-only trace verifies the cryptograms.
#[test]
fn handshake_only_trace() {
    let s = sessions()
        .into_iter()
        .find(|s| s.name == "pysim_AES128_33")
        .unwrap();
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--apdu").unwrap();
    a.truncate(i);
    let (code, stdout, stderr) = run(&a);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(v["card_cryptogram_ok"], true);
    assert_eq!(v["external_authenticate"], s.f["ea"].as_str());
    assert_eq!(v["commands"], Value::Array(vec![]));
}

/// A response padded the way some products pad it (`80`, then two more
/// blocks of `00`), made by the reference card in the captured session's
/// own state: it verifies and reads back as the data.
#[test]
fn field_padded_response_verifies() {
    use scboot_reference::scp03::RefCard;
    let s = sessions()
        .into_iter()
        .find(|s| s.name == "pysim_AES128_33")
        .unwrap();
    let hex = |t: &str| scboot_card::from_hex(t).unwrap();
    let iu_resp = hex(&s.f["iu_resp"]);
    let seq = u32::from_be_bytes([0, iu_resp[29], iu_resp[30], iu_resp[31]]);
    let mut card = RefCard::new(
        &hex(&s.f["key_enc"]),
        &hex(&s.f["key_mac"]),
        0x30,
        iu_resp[12],
        &hex(&s.f["card_aid"]),
        seq - 1,
    );
    assert_eq!(
        card.initialize_update(&hex(&s.f["iu_cmd"]), &[0; 8])
            .unwrap(),
        iu_resp
    );
    card.external_authenticate(&hex(&s.f["ea"])).unwrap();
    let mut session = card.session.take().unwrap();
    session.unwrap_command(&hex(&s.cmds[0][1])).unwrap();
    let wire = session
        .wrap_response_padded(b"eleven byte", 0x9000, 2)
        .unwrap();
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--apdu").unwrap();
    a.truncate(i);
    a.extend([
        "--apdu".into(),
        s.cmds[0][0].clone(),
        "--response".into(),
        scboot_card::to_hex(&wire),
    ]);
    let (code, stdout, stderr) = run(&a);
    assert_eq!(code, Some(0), "{stderr}");
    let v: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        v["responses"][0]["data"],
        scboot_card::to_hex(b"eleven byte")
    );
}

#[test]
fn usage_errors_exit_2() {
    let (code, stdout, stderr) = run(&[
        "scp03".into(),
        "trace".into(),
        "--key-enc".into(),
        "00".into(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty());
    assert!(stderr.contains("--key-mac"), "{stderr}");
    let (code, stdout, _) = run(&["scp03".into(), "trace".into(), "--help".into()]);
    assert_eq!(code, Some(0));
    let help = String::from_utf8(stdout).unwrap();
    assert!(
        help.contains("Exit status") && help.contains("3  the JSON was printed"),
        "{help}"
    );
}

#[test]
fn invalid_input_exits_1_with_a_message() {
    let s = sessions()
        .into_iter()
        .find(|s| s.name == "pysim_AES128_33")
        .unwrap();
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--host-challenge").unwrap();
    a[i + 1] = "zz".into();
    let (code, stdout, stderr) = run(&a);
    assert_eq!(code, Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.contains("--host-challenge"), "{stderr}");

    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--level").unwrap();
    a[i + 1] = "07".into();
    let (code, _, stderr) = run(&a);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("security level 07"), "{stderr}");

    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--host-challenge").unwrap();
    a[i + 1] = "00".repeat(16);
    let (code, _, stderr) = run(&a);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("says S8"), "{stderr}");

    // More responses than commands; a command that is not an APDU.
    let mut a = trace_args(&s);
    a.push("--response".into());
    a.extend(std::iter::repeat_n("9000".to_string(), s.cmds.len() + 1));
    let (code, stdout, stderr) = run(&a);
    assert_eq!((code, stdout.is_empty()), (Some(1), true));
    assert!(stderr.contains("one response per command"), "{stderr}");
    let mut a = trace_args(&s);
    let i = a.iter().position(|x| x == "--apdu").unwrap();
    a[i + 1] = "00b0".into();
    let (code, stdout, stderr) = run(&a);
    assert_eq!((code, stdout.is_empty()), (Some(1), true));
    assert!(stderr.contains("--apdu 00b0"), "{stderr}");
}
