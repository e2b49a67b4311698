//! `scboot public-key`, `sign` and `verify` on the example signing card:
//! outputs, exit statuses (0 genuine, 3 not genuine, 1 errors) and messages.

mod common;

use common::{repo, scboot, temp};

struct Card {
    dir: std::path::PathBuf,
    image: String,
    keys: String,
}

fn card(name: &str) -> Card {
    let dir = temp(name);
    let image = dir.join("card.json").display().to_string();
    let keys = repo("examples/cards/signing.toml");
    scboot()
        .args(["card", "build", &keys, "-o", &image])
        .assert()
        .success();
    Card { dir, image, keys }
}

impl Card {
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--image", &self.image, "--keys", &self.keys]);
        let out = scboot().args(&all).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    }
}

#[test]
fn public_key_is_the_configured_scalars_point() {
    let c = card("public-key");
    // RFC 6979 A.2.5's P-256 key pair.
    let (code, out, _) = c.run(&["public-key", "--label", "bootstrap-signing"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6\
         7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299"
    );
}

#[test]
fn sign_then_verify_and_a_change_is_caught() {
    let c = card("sign-verify");
    let f = c.file("package.bin", b"a bootstrap package");
    let (code, sig, err) = c.run(&["sign", "--label", "bootstrap-signing", &f]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(sig.len(), 128);
    let verify = |sig: &str, file: &str| {
        c.run(&[
            "verify",
            "--label",
            "bootstrap-signing",
            "--signature",
            sig,
            file,
        ])
    };
    let (code, out, _) = verify(&sig, &f);
    assert_eq!((code, out.starts_with("genuine")), (Some(0), true), "{out}");
    let g = c.file("other.bin", b"a bootstrap packagE");
    let (code, out, _) = verify(&sig, &g);
    assert_eq!(
        (code, out.starts_with("NOT genuine")),
        (Some(3), true),
        "{out}"
    );
    // A signature that is not r || s: an error, not a verdict.
    let (code, out, err) = verify("3044", &f);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("64 bytes"), "{err}");
}

#[test]
fn aes_checksums_are_nist_sp800_38b() {
    let c = card("cmac");
    // SP 800-38B D.1 Example 2: one block.
    let f = c.file(
        "m.bin",
        &scboot_card::from_hex("6bc1bee22e409f96e93d7e117393172a").unwrap(),
    );
    let (code, mac, err) = c.run(&["sign", "--label", "operator-mac", &f]);
    assert_eq!(
        (code, mac.as_str()),
        (Some(0), "070a16b46b4d4144f79bdd9dd04a287c"),
        "{err}"
    );
    let (code, _, _) = c.run(&["verify", "--label", "operator-mac", "--signature", &mac, &f]);
    assert_eq!(code, Some(0));
    let (code, _, _) = c.run(&[
        "verify",
        "--label",
        "operator-mac",
        "--signature",
        "070a16b46b4d4144f79bdd9dd04a287d",
        &f,
    ]);
    assert_eq!(code, Some(3));
}

#[test]
fn a_private_key_needs_the_pin_and_unknown_labels_are_errors() {
    let c = card("pin");
    let f = c.file("m.bin", b"data");
    let (code, out, err) = c.run(&["sign", "--label", "pin-signing", &f]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("--pin"), "{err}");
    let (code, sig, _) = c.run(&["sign", "--label", "pin-signing", &f, "--pin", "31323334"]);
    assert_eq!(code, Some(0));
    let (code, _, _) = c.run(&["verify", "--label", "pin-signing", "--signature", &sig, &f]);
    assert_eq!(code, Some(0));
    let (code, _, err) = c.run(&["sign", "--label", "nobody", &f]);
    assert_eq!(code, Some(1));
    assert!(err.contains("no key with that label"), "{err}");
}
