//! `scboot bootstrap` and `scboot card` end to end.

mod common;
use common::{assert_contains_all, build_card, failure, json_of, repo, scboot, success, temp};
use serde_json::Value;

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

    let v = json_of(&["bootstrap", "--json", "--level", "13"]);
    assert_eq!(v["provenance"]["scp03_level"], "13");
    assert_eq!(v["provenance"]["rule"], "double_encoded_oid");
    assert_eq!(v["provenance"]["apdus"], 13);
    assert_eq!(v["accounts"][0]["short_server_id"], 101);
    assert_eq!(v["accounts"][0]["secret_key_len"], 16);
    assert_eq!(v["accounts"][1]["bootstrap_server"], true);
    let v = json_of(&["bootstrap", "--json", "--policy", "off", "--basic-channel"]);
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
    let (img, cfg, cfg2, keys) = (p(&img), p(&cfg), p(&cfg2), p(&keys));
    success(&["card", "build", &cfg, "-o", &img]);
    let read = || json_of(&["bootstrap", "--json", "--image", &img, "--keys", &keys]);
    let v = read();
    assert_eq!(v["accounts"][0]["lifetime"], 60);
    assert_eq!(v["provenance"]["rule"], "opaque_application_oid");
    let before = v["provenance"]["sha256"].clone();

    // The demo keys do not open this card's secure channel.
    assert!(failure(&["bootstrap", "--image", &img]).contains("INITIALIZE UPDATE"));

    let update = |config: &str| success(&["card", "update", &img, config]).0;
    assert_eq!(
        update(&cfg2).trim(),
        "updated over SCP03: bootstrap data written to 6433, DODF switched from 6432 in one byte"
    );
    let v = read();
    assert_eq!(v["accounts"][0]["lifetime"], 120);
    assert_eq!(v["provenance"]["file_path"], "6433");
    assert_ne!(v["provenance"]["sha256"], before);
    // The same configuration again: nothing to write.
    assert_eq!(update(&cfg2).trim(), "nothing to update");
    // The first configuration: back to 6432.
    assert!(update(&cfg).contains("written to 6432"));
    assert_eq!(read()["provenance"]["sha256"], before);
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

/// Every example card builds and bootstraps with its own file as `--keys`
/// (a card configuration is accepted as a keys file).
#[test]
fn example_cards_build_and_bootstrap() {
    let dir = temp("examples");
    let demo = std::fs::read_to_string(repo("examples/cards/demo.toml")).unwrap();
    assert!(
        demo.ends_with(scboot_card::config::DEMO_CONFIG.trim_start()),
        "examples/cards/demo.toml is the built-in demo card"
    );
    for (name, extra) in [
        ("demo", vec![]),
        ("multi-server", vec![]),
        ("private-pin", vec!["--pin", "31323334"]),
        ("additional-objects", vec![]),
    ] {
        let cfg = repo(&format!("examples/cards/{name}.toml"));
        let img = build_card(&cfg, &dir, name);
        let mut args = vec!["bootstrap", "--json", "--image", &img, "--keys", &cfg];
        args.extend(extra);
        let v = json_of(&args);
        assert!(!v["accounts"].as_array().unwrap().is_empty(), "{name}");
    }
    let v = json_of(&[
        "bootstrap",
        "--json",
        "--image",
        dir.join("multi-server.json").to_str().unwrap(),
        "--keys",
        &repo("examples/cards/multi-server.toml"),
    ]);
    assert_eq!(v["accounts"].as_array().unwrap().len(), 4);
    assert_eq!(v["provenance"]["rule"], "opaque_application_oid");
    assert_eq!(v["accounts"][2]["uri"], "coap://[2001:db8::17]:5683");
}

/// All the bootstrap information, not only the accounts: every object,
/// typed where known, raw otherwise, secrets by length only.
#[test]
fn additional_objects_are_shown() {
    let dir = temp("objects");
    let cfg = repo("examples/cards/additional-objects.toml");
    let img = build_card(&cfg, &dir, "card");
    let img = &img;
    let (t, _) = success(&["bootstrap", "--image", img, "--keys", &cfg]);
    assert_contains_all(
        &t,
        &[
            "/11 APN Connection Profile",
            "1 APN = \"m2m.operator.example\"",
            "6 Secret = <secret, 10 bytes>",
            "[101] 3",
            "/10241 unknown object",
            "0 = deadbeef",
            "5 Secret Key = <secret, 16 bytes>",
        ],
    );
    assert!(
        !t.contains("apn-secret") && !t.contains("0001020304050607"),
        "{t}"
    );
    let v = json_of(&["bootstrap", "--json", "--image", img, "--keys", &cfg]);
    let objects = v["objects"].as_array().unwrap();
    let ids: Vec<_> = objects
        .iter()
        .map(|o| o["object_id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [0, 1, 2, 3, 11, 10241]);
    let apn = &objects[4]["instances"][0]["resources"];
    assert_eq!(apn[1]["name"], "APN");
    assert_eq!(apn[1]["value"], "m2m.operator.example");
    assert_eq!(apn[2]["value"], true);
    assert_eq!(apn[5]["secret_len"], 10);
    assert!(apn[5].get("value").is_none() && apn[5].get("hex").is_none());
    assert_eq!(
        objects[5]["instances"][0]["resources"][0]["hex"],
        "deadbeef"
    );
    assert!(!v.to_string().contains("apn-secret"));
}

/// `card build` checks what would fail later; each error names the file,
/// the field and its line.
#[test]
fn card_build_validates_with_file_field_and_line() {
    let dir = temp("validate");
    let base = std::fs::read_to_string(repo("examples/cards/demo.toml")).unwrap();
    let cases: [(&str, &str, &str, &str); 8] = [
        (
            "mac = \"404142434445464748494a4b4c4d4e4f\"",
            "mac = \"4041\"",
            "keys.mac",
            "16, 24 or 32 bytes",
        ),
        (
            "dek = \"404142434445464748494a4b4c4d4e4f\"",
            "dek = \"404142434445464748494a4b4c4d4e4f4041424344454647\"",
            "keys.dek",
            "one length",
        ),
        (
            "psk_key = \"3a6e1d2c5b4f8e7d9c0b1a2f3e4d5c6b\"",
            "psk_key = \"3a6e\"",
            "server[0].psk_key",
            "16 to 64 bytes",
        ),
        (
            "psk_identity = \"scboot-demo-device\"",
            "psk_identity = \"\"",
            "server[0].psk_identity",
            "1 to 128 bytes",
        ),
        (
            "uri = \"coaps://leshan.eclipseprojects.io:5684\"",
            "uri = \"http://leshan.eclipseprojects.io\"",
            "server[0].uri",
            "scheme",
        ),
        (
            "short_server_id = 101",
            "short_server_id = 0",
            "server[0].short_server_id",
            "1 to 65534",
        ),
        ("file_size = 512", "file_size = 64", "file_size", "at least"),
        ("kvn = 0x30", "kvn = \"x\"", "kvn", "invalid type"),
    ];
    for (from, to, field, problem) in cases {
        assert!(base.contains(from), "{from}");
        let text = base.replace(from, to);
        let line = text.lines().position(|l| l.contains(to)).unwrap() + 1;
        let cfg = dir.join("bad.toml");
        std::fs::write(&cfg, &text).unwrap();
        let err = failure(&[
            "card",
            "build",
            cfg.to_str().unwrap(),
            "-o",
            dir.join("x.json").to_str().unwrap(),
        ]);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("bad.toml"), "{err}");
        assert!(
            err.contains(&format!("line {line}")),
            "{field}: line {line}: {err}"
        );
        assert!(err.contains(field), "{field}: {err}");
        assert!(err.contains(problem), "{problem}: {err}");
    }
    assert!(
        !dir.join("x.json").exists(),
        "nothing is written for a bad configuration"
    );
}

/// Failures say what to do: no SCP03, wrong keys, no logical channels, a
/// private entry without its PIN, a wrong PIN; flag errors name the flag.
#[test]
fn errors_a_user_can_act_on() {
    let dir = temp("errors");
    let demo = std::fs::read_to_string(repo("examples/cards/demo.toml")).unwrap();
    let image = |name: &str, text: &str| {
        let cfg = dir.join(format!("{name}.toml"));
        std::fs::write(&cfg, text).unwrap();
        build_card(cfg.to_str().unwrap(), &dir, name)
    };
    let no_scp = image(
        "no-scp03",
        &demo.replace("[keys]", "[quirks]\nno_scp03 = true\n\n[keys]"),
    );
    let err = failure(&["bootstrap", "--image", &no_scp]);
    assert!(
        err.contains("offers no SCP03") && err.contains("--policy if-offered"),
        "{err}"
    );
    let v = json_of(&[
        "bootstrap",
        "--json",
        "--image",
        &no_scp,
        "--policy",
        "if-offered",
    ]);
    assert_eq!(v["provenance"]["scp03_level"], Value::Null);

    let no_ch = image(
        "no-channels",
        &demo.replace("[keys]", "[quirks]\nno_logical_channels = true\n\n[keys]"),
    );
    let err = failure(&["bootstrap", "--image", &no_ch]);
    assert!(err.contains("--basic-channel"), "{err}");
    json_of(&["bootstrap", "--json", "--image", &no_ch, "--basic-channel"]);

    let keys = dir.join("wrong-keys.toml");
    std::fs::write(&keys, "kvn = 0x30\nenc = \"00000000000000000000000000000000\"\nmac = \"00000000000000000000000000000000\"\ndek = \"00000000000000000000000000000000\"\n").unwrap();
    let demo_img = image("demo", &demo);
    let err = failure(&[
        "bootstrap",
        "--image",
        &demo_img,
        "--keys",
        keys.to_str().unwrap(),
    ]);
    assert!(
        err.contains("static keys (key version 30)") && err.contains("lock"),
        "{err}"
    );

    let private = repo("examples/cards/private-pin.toml");
    let img = build_card(&private, &dir, "private");
    let img = img.as_str();
    let err = failure(&["bootstrap", "--image", img, "--keys", &private]);
    assert!(err.contains("--pin"), "{err}");
    let with_pin = |pin| {
        failure(&[
            "bootstrap",
            "--image",
            img,
            "--keys",
            &private,
            "--pin",
            pin,
        ])
    };
    let err = with_pin("31313131");
    assert!(
        err.contains("wrong PIN") && err.contains("2 tries left"),
        "{err}"
    );
    let err = with_pin("3x");
    assert!(err.starts_with("scboot: --pin:"), "{err}");
    let err = failure(&["bootstrap", "--keys", "/nonexistent/keys.toml"]);
    assert!(err.contains("--keys"), "{err}");
}

/// `-v`: every command and response, plain and as sent, on stderr; the
/// PIN and the bootstrap data's keys never appear, in any form.
#[test]
fn verbose_log_shows_every_apdu_but_no_secret() {
    let dir = temp("verbose");
    let private = repo("examples/cards/private-pin.toml");
    let img = build_card(&private, &dir, "private");
    for level in ["33", "11", "01"] {
        let card = ["--image", img.as_str(), "--keys", private.as_str()];
        let pin_and_level = ["--pin", "31323334", "--level", level];
        let (_, log) = success(&[&["bootstrap", "-v"], &card[..], &pin_and_level].concat());
        assert_contains_all(
            &log,
            &[
                "SELECT EF.DIR",
                "INITIALIZE UPDATE",
                "EXTERNAL AUTHENTICATE",
                "read DODF",
                "VERIFY",
                "read bootstrap file",
                "close the channel",
            ],
        );
        assert!(
            log.contains("(plain)") && log.contains("(as sent)") && log.contains("(as received)"),
            "{log}"
        );
        assert!(
            !log.contains("31323334"),
            "{level}: the PIN is printed: {log}"
        );
        assert!(log.contains("<PIN, not shown>"), "{log}");
        // The PSK of the card's account, in hex.
        assert!(
            !log.contains("a1a2a3a4a5a6a7a8"),
            "{level}: a secret key is printed: {log}"
        );
        assert!(log.contains("they hold secret keys, not shown"), "{log}");
    }
}

/// `card dump` writes every PKCS#15 file the walk reads, and `inspect`
/// reads each one.
#[test]
fn card_dump_then_inspect() {
    let dir = temp("dump");
    let cfg = repo("examples/cards/multi-server.toml");
    let img = build_card(&cfg, &dir, "card");
    let out_dir = dir.join("files");
    let (report, _) = success(&[
        "card",
        "dump",
        "--image",
        &img,
        "--keys",
        &cfg,
        "-o",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        report.contains("5 files from card image") && report.contains("SCP03 level 33"),
        "{report}"
    );
    for (file, format, key) in [
        ("EF.DIR.bin", "dir", "applications"),
        ("EF.ODF.bin", "odf", "entries"),
        ("EF.TokenInfo.bin", "tokeninfo", "serial_number"),
        ("DODF-0-6430.bin", "dodf", "lwm2m_bootstrap"),
        ("bootstrap-6432.bin", "bootstrap", "objects"),
    ] {
        let path = out_dir.join(file);
        let v = json_of(&[
            "inspect",
            "--json",
            "--format",
            format,
            path.to_str().unwrap(),
        ]);
        assert!(v.get(key).is_some(), "{file}: {v}");
        // Auto-detection finds the same format.
        let auto = json_of(&["inspect", "--json", path.to_str().unwrap()]);
        assert_eq!(auto, v, "{file}");
    }
    let v = json_of(&[
        "inspect",
        "--json",
        out_dir.join("bootstrap-6432.bin").to_str().unwrap(),
    ]);
    assert_eq!(v["objects"][0]["instances"].as_array().unwrap().len(), 4);
    // A failed dump says how far it got: wrong keys stop it after the DIR.
    let keys = dir.join("wrong.toml");
    std::fs::write(&keys, "kvn = 0x31\nenc = \"00000000000000000000000000000000\"\nmac = \"00000000000000000000000000000000\"\ndek = \"00000000000000000000000000000000\"\n").unwrap();
    let err = failure(&[
        "card",
        "dump",
        "--image",
        &img,
        "--keys",
        keys.to_str().unwrap(),
        "-o",
        dir.join("x").to_str().unwrap(),
    ]);
    assert!(err.contains("1 files were written"), "{err}");
}
