//! DM-SC-GEN-9 against the virtual card: the card signs with its EC key
//! and computes and checks AES-CMAC checksums with its secret key, under
//! SCP03 at every level (and without it), behind the PIN where the key is
//! private; the device verifies with the public key it read from the card.

use scboot::anchor::{checksum_matches, verified_by_signature, verify_p256, VerifyError};
use scboot::procedure::{
    run_operation, Config, Fault, KeyOperation, ProcedureError, RunError, SecurePolicy,
};
use scboot::scp03::{SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;
use sha2::{Digest, Sha256};

/// NIST SP 800-38B, Appendix D.1 (AES-128): the key and the examples'
/// message (up to 64 bytes).
const NIST_KEY: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const NIST_MSG: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

fn config() -> CardConfig {
    let mut text = DEMO_CONFIG.to_string();
    text = text.replace("file_size = 512", "file_size = 512\npin = \"31323334\"");
    text.push_str(&format!(
        r#"
[[key]]
label = "bootstrap-signing"
kind = "ec-p256"
private = "{}"

[[key]]
label = "operator-mac"
kind = "aes-cmac"
secret = "{NIST_KEY}"

[[key]]
label = "pinned-signing"
kind = "ec-p256"
private = "{}"
pin = true

[[key]]
label = "channel-mac"
kind = "aes-cmac"
secret = "000102030405060708090a0b0c0d0e0f1011121314151617"
secure_channel = true
"#,
        "11".repeat(32),
        "22".repeat(32)
    ));
    CardConfig::parse(&text).unwrap()
}

fn card() -> (VirtualCard, StaticKeys) {
    let cfg = config();
    (
        VirtualCard::new(build(&cfg).unwrap()).unwrap(),
        cfg.static_keys().unwrap(),
    )
}

fn h(s: &str) -> Vec<u8> {
    scboot_card::from_hex(s).unwrap()
}

fn op<'k>(
    card: &mut VirtualCard,
    keys: &'k StaticKeys,
    cfg: Config,
    o: KeyOperation<'k>,
    pin: Option<(u8, &[u8])>,
) -> Result<(Vec<u8>, Option<bool>), RunError<std::convert::Infallible>> {
    op_in(&mut [0u8; 2048], card, keys, cfg, o, pin)
}

/// [`op`] in the workspace `ws`.
fn op_in<'k>(
    ws: &mut [u8],
    card: &mut VirtualCard,
    keys: &'k StaticKeys,
    cfg: Config,
    o: KeyOperation<'k>,
    pin: Option<(u8, &[u8])>,
) -> Result<(Vec<u8>, Option<bool>), RunError<std::convert::Infallible>> {
    run_operation(card, keys, cfg, ws, o, pin).map(|r| (r.output.to_vec(), r.verified))
}

type Outcome = Result<Vec<u8>, RunError<std::convert::Infallible>>;

/// The card signs `digest` with its EC key `label`.
fn sign(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    cfg: Config,
    label: &str,
    digest: [u8; 32],
    pin: Option<(u8, &[u8])>,
) -> Outcome {
    op(card, keys, cfg, KeyOperation::Sign { label, digest }, pin).map(|(out, _)| out)
}

/// The public key of the card's EC key `label`, as an uncompressed point.
fn public_key(card: &mut VirtualCard, keys: &StaticKeys, cfg: Config, label: &str) -> Outcome {
    op(card, keys, cfg, KeyOperation::ReadPublicKey { label }, None).map(|(out, _)| out)
}

/// The card's AES-CMAC of `data` with its secret key `label`.
fn checksum(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    cfg: Config,
    label: &str,
    data: &[u8],
) -> Outcome {
    op(
        card,
        keys,
        cfg,
        KeyOperation::Checksum { label, data },
        None,
    )
    .map(|(out, _)| out)
}

/// The card's verdict on `mac` as the AES-CMAC of `data` under its key `label`.
fn verify_checksum(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    cfg: Config,
    label: &str,
    data: &[u8],
    mac: &[u8],
) -> Option<bool> {
    let o = KeyOperation::VerifyChecksum {
        label,
        data,
        checksum: mac,
    };
    op(card, keys, cfg, o, None).unwrap().1
}

fn configs() -> Vec<Config> {
    let mut v = vec![Config::new([3; 16]).policy(SecurePolicy::Off)];
    for level in SecurityLevel::VALID {
        v.push(Config::new([4; 16]).level(level));
    }
    v.push(Config::new([5; 16]).logical_channel(false));
    // Reads of 16 bytes: every key directory and key file takes several.
    v.push(Config::new([6; 16]).max_read(16));
    v
}

#[test]
fn the_card_signs_and_the_device_verifies_with_its_public_key() {
    for cfg in configs() {
        let (mut c, k) = card();
        let package = b"a bootstrap package delivered over the air";
        let digest: [u8; 32] = Sha256::digest(package).into();
        let sig = sign(&mut c, &k, cfg, "bootstrap-signing", digest, None).unwrap();
        assert_eq!(sig.len(), 64);
        let pk = public_key(&mut c, &k, cfg, "bootstrap-signing").unwrap();
        assert_eq!(pk.len(), 65);
        assert_eq!(pk[0], 0x04);
        // The point is the one of the configured scalar.
        let sk = p256::SecretKey::from_slice(&h(&"11".repeat(32))).unwrap();
        assert_eq!(pk, sk.public_key().to_sec1_bytes().to_vec());
        assert_eq!(verify_p256(&pk, &digest, &sig), Ok(()), "{cfg:?}");
        let mut other = digest;
        other[0] ^= 1;
        assert_eq!(
            verify_p256(&pk, &other, &sig),
            Err(VerifyError::BadSignature)
        );
    }
}

#[test]
fn nist_sp800_38b_checksums_through_the_card() {
    let msg = h(NIST_MSG);
    let cases = [
        (0, "bb1d6929e95937287fa37d129b756746"),
        (16, "070a16b46b4d4144f79bdd9dd04a287c"),
        (40, "dfa66747de9ae63030ca32611497c827"),
        (64, "51f0bebf7e3b9d92fc49741779363cfe"),
    ];
    for cfg in configs() {
        for (len, mac) in cases {
            let (mut c, k) = card();
            let data = &msg[..len];
            let got = checksum(&mut c, &k, cfg, "operator-mac", data).unwrap();
            assert_eq!(got, h(mac), "{len} bytes, {cfg:?}");
            let want = h(mac);
            let ok = verify_checksum(&mut c, &k, cfg, "operator-mac", data, &want);
            assert_eq!(ok, Some(true));
            let mut wrong = want.clone();
            wrong[15] ^= 1;
            let ok = verify_checksum(&mut c, &k, cfg, "operator-mac", data, &wrong);
            assert_eq!(ok, Some(false));
        }
    }
}

#[test]
fn long_data_goes_in_a_chain() {
    // 3000 bytes: a dozen chained commands at every level.
    let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
    let local = {
        use cmac::{Cmac, Mac};
        let mut m =
            <Cmac<aes::Aes128> as cmac::digest::KeyInit>::new_from_slice(&h(NIST_KEY)).unwrap();
        m.update(&data);
        m.finalize().into_bytes().to_vec()
    };
    for cfg in configs() {
        let (mut c, k) = card();
        let got = checksum(&mut c, &k, cfg, "operator-mac", &data).unwrap();
        assert_eq!(got, local, "{cfg:?}");
        assert!(checksum_matches(&got, &local));
        let ok = verify_checksum(&mut c, &k, cfg, "operator-mac", &data, &local);
        assert_eq!(ok, Some(true));
    }
}

#[test]
fn access_conditions_hold() {
    let digest = [9u8; 32];
    let cfg = Config::new([6; 16]);
    let (mut c, k) = card();
    // The PIN-protected key: declined, wrong, right.
    let e = sign(&mut c, &k, cfg, "pinned-signing", digest, None).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::PinRequired));
    let e = sign(
        &mut c,
        &k,
        cfg,
        "pinned-signing",
        digest,
        Some((0x81, b"0000")),
    )
    .unwrap_err();
    assert!(
        matches!(e, RunError::Procedure(ProcedureError::Status { .. })),
        "{e:?}"
    );
    let sig = sign(
        &mut c,
        &k,
        cfg,
        "pinned-signing",
        digest,
        Some((0x81, b"1234")),
    )
    .unwrap();
    let pk = public_key(&mut c, &k, cfg, "pinned-signing").unwrap();
    assert_eq!(verify_p256(&pk, &digest, &sig), Ok(()));
    // The key that needs SCP03: refused in the clear, used under it.
    let data = b"abc";
    let e = checksum(
        &mut c,
        &k,
        Config::new([7; 16]).policy(SecurePolicy::Off),
        "channel-mac",
        data,
    )
    .unwrap_err();
    assert!(
        matches!(e, RunError::Procedure(ProcedureError::Status { sw, .. }) if sw.0 == 0x6982),
        "{e:?}"
    );
    assert!(checksum(&mut c, &k, cfg, "channel-mac", data).is_ok());
    // No such key; a key of the wrong kind for the operation.
    let e = sign(&mut c, &k, cfg, "nobody", digest, None).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::NoSuchKey));
    let e = checksum(&mut c, &k, cfg, "bootstrap-signing", data).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::NoSuchKey));
    // A card without keys: no key directory.
    let mut plain =
        VirtualCard::new(build(&CardConfig::parse(DEMO_CONFIG).unwrap()).unwrap()).unwrap();
    let e = sign(&mut plain, &k, cfg, "bootstrap-signing", digest, None).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::NoKeyDirectory));
    let _ = Fault::Transient;
}

/// The client's check of an OTA bootstrap package: signed by the operator's
/// key (here the card's own, as the trust anchor that holds it), verified
/// with the public key read from the card; a tampered package applies nothing.
#[test]
fn a_signed_package_is_applied_only_when_it_verifies() {
    let (mut c, k) = card();
    let cfg = Config::new([8; 16]);
    let mut pkg = scboot_card::config::bootstrap_data(&config().server).unwrap();
    let digest: [u8; 32] = Sha256::digest(&pkg).into();
    let sig = sign(&mut c, &k, cfg, "bootstrap-signing", digest, None).unwrap();
    let pk = public_key(&mut c, &k, cfg, "bootstrap-signing").unwrap();
    let file = verified_by_signature(&pkg, &sig, &pk).unwrap();
    assert_eq!(scboot::lwm2m::accounts(&file).count(), 2);
    let last = pkg.len() - 1;
    pkg[last] ^= 1;
    assert_eq!(
        verified_by_signature(&pkg, &sig, &pk).map(|_| ()),
        Err(VerifyError::BadSignature)
    );
}

/// The same through the anchor's one-call checks, for both mechanisms: a
/// package is given to apply only when the card's key vouches for it.
#[test]
fn one_call_package_checks() {
    use scboot::anchor::{check_package_with_card, verify_package_with_card, PackageError};
    let (mut c, k) = card();
    let cfg = Config::new([9; 16]);
    let pkg = scboot_card::config::bootstrap_data(&config().server).unwrap();
    let digest: [u8; 32] = Sha256::digest(&pkg).into();
    let sig = sign(&mut c, &k, cfg, "bootstrap-signing", digest, None).unwrap();
    let mut ws = [0u8; 2048];
    let file = verify_package_with_card(&mut c, &k, cfg, &mut ws, "bootstrap-signing", &pkg, &sig)
        .unwrap();
    assert_eq!(file.object_count(), 2);
    let mut bad = sig.clone();
    bad[5] ^= 1;
    let mut ws = [0u8; 2048];
    assert_eq!(
        verify_package_with_card(&mut c, &k, cfg, &mut ws, "bootstrap-signing", &pkg, &bad)
            .map(|_| ()),
        Err(PackageError::Rejected(VerifyError::BadSignature))
    );
    // AES: the operator's checksum of the package.
    let mac = checksum(&mut c, &k, cfg, "operator-mac", &pkg).unwrap();
    let mut ws = [0u8; 2048];
    let file =
        check_package_with_card(&mut c, &k, cfg, &mut ws, "operator-mac", &pkg, &mac).unwrap();
    assert_eq!(file.object_count(), 2);
    let mut wrong = mac.clone();
    wrong[0] ^= 0x80;
    let mut ws = [0u8; 2048];
    assert_eq!(
        check_package_with_card(&mut c, &k, cfg, &mut ws, "operator-mac", &pkg, &wrong).map(|_| ()),
        Err(PackageError::Rejected(VerifyError::BadChecksum))
    );
    // No such key: a card error, nothing applied.
    let mut ws = [0u8; 2048];
    assert_eq!(
        verify_package_with_card(&mut c, &k, cfg, &mut ws, "nobody", &pkg, &sig).map(|_| ()),
        Err(PackageError::Card(RunError::Procedure(
            ProcedureError::NoSuchKey
        )))
    );
}

/// A public key given in the PuKDF itself (`direct [0]`; the card has no
/// file for it, so a SELECT of one would fail): the device reads the same
/// point as from a file and verifies the card's signature with it. The
/// workspace is small (256 bytes, the PuKDF fits), so the point moved to
/// its front must be taken from where it lies and nowhere else.
#[test]
fn a_public_key_given_directly_in_the_directory() {
    let scalar = "33".repeat(32);
    let mut text = DEMO_CONFIG.to_string();
    text.push_str(&format!(
        "\n[[key]]\nlabel = \"direct-signing\"\nkind = \"ec-p256\"\nprivate = \"{scalar}\"\npublic_direct = true\n"
    ));
    let cfg = CardConfig::parse(&text).unwrap();
    let image = build(&cfg).unwrap();
    let keys = cfg.static_keys().unwrap();
    let sk = p256::SecretKey::from_slice(&[0x33; 32]).unwrap();
    let point = sk.public_key().to_sec1_bytes().to_vec();
    let digest: [u8; 32] = Sha256::digest(b"direct").into();
    for level in [SecurityLevel::ALL, SecurityLevel::C_MAC] {
        let cfg = Config::new([8; 16]).level(level);
        let mut c = VirtualCard::new(image.clone()).unwrap();
        let sig = sign(&mut c, &keys, cfg, "direct-signing", digest, None).unwrap();
        let o = KeyOperation::ReadPublicKey {
            label: "direct-signing",
        };
        let (pk, _) = op_in(&mut [0u8; 256], &mut c, &keys, cfg, o, None).unwrap();
        assert_eq!(pk, point, "{level:?}");
        assert_eq!(verify_p256(&pk, &digest, &sig), Ok(()));
    }
    // Only an EC key has a public key to give.
    let aes = format!(
        "{DEMO_CONFIG}\n[[key]]\nlabel = \"mac\"\nkind = \"aes-cmac\"\nsecret = \"{}\"\npublic_direct = true\n",
        "00".repeat(16)
    );
    let e = CardConfig::parse(&aes).and_then(|c| build(&c).map(|_| ()));
    assert!(
        matches!(&e, Err(m) if m.contains("an aes-cmac key has no public key")),
        "{e:?}"
    );
}
