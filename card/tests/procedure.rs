//! The kernel's procedure against the virtual card.

use scboot::apdu::StatusWord;
use scboot::lwm2m::{accounts, SecurityMode};
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{
    run, Bootstrap, Card, Config, Fault, ProcedureError, RunError, SecurePolicy, StepName,
};
use scboot::scp03::{Mode, Scp03Error, SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DodfForm, DEMO_CONFIG};
use scboot_card::VirtualCard;

fn demo() -> CardConfig {
    CardConfig::parse(DEMO_CONFIG).unwrap()
}

/// The demo card with the `i` parameter `i` and all three keys `key_hex`.
fn demo_with_keys(i: u8, key_hex: &str) -> CardConfig {
    let mut cfg = demo();
    cfg.keys.i = i;
    cfg.keys.enc = key_hex.into();
    cfg.keys.mac = key_hex.into();
    cfg.keys.dek = key_hex.into();
    cfg
}

fn keys(cfg: &CardConfig) -> StaticKeys {
    let h = |s: &str| scboot_card::from_hex(s).unwrap();
    StaticKeys::new(
        cfg.keys.kvn,
        &h(&cfg.keys.enc),
        &h(&cfg.keys.mac),
        &h(&cfg.keys.dek),
    )
    .unwrap()
}

fn card(cfg: &CardConfig) -> VirtualCard {
    VirtualCard::new(build(cfg).unwrap()).unwrap()
}

/// A run on a fresh card built from `cfg`, with the card's own keys.
fn run_fresh<'w>(
    cfg: &CardConfig,
    config: Config,
    ws: &'w mut [u8],
    pin: Option<(u8, &[u8])>,
) -> Result<Bootstrap<'w>, RunError<std::convert::Infallible>> {
    run(&mut card(cfg), &keys(cfg), config, ws, pin)
}

/// A run at level 33 without a PIN on `card`, with the keys of `cfg`.
fn run_at_33<'w, C: Card>(
    card: &mut C,
    cfg: &CardConfig,
    seed: u8,
    ws: &'w mut [u8],
) -> Result<Bootstrap<'w>, RunError<C::Error>> {
    run(card, &keys(cfg), config(SecurityLevel::ALL, seed), ws, None)
}

fn config(level: SecurityLevel, seed: u8) -> Config {
    Config::new([seed; 16]).level(level)
}

fn check_demo_accounts(file: &scboot::bootstrap::BootstrapFile<'_>) {
    let accts: Vec<_> = accounts(file).collect::<Result<_, _>>().unwrap();
    assert_eq!(accts.len(), 2);
    let a = &accts[0];
    assert_eq!(
        a.security.server_uri,
        Some("coaps://leshan.eclipseprojects.io:5684")
    );
    assert_eq!(a.security.security_mode, Some(SecurityMode::Psk));
    assert_eq!(
        a.security.public_key_or_identity,
        Some(&b"scboot-demo-device"[..])
    );
    assert_eq!(a.security.secret_key.map(<[u8]>::len), Some(16));
    assert_eq!(a.security.short_server_id, Some(101));
    let srv = a.server.expect("server instance");
    assert_eq!((srv.lifetime, srv.binding), (Some(86400), Some("U")));
    assert_eq!(accts[1].security.bootstrap_server, Some(true));
    assert!(accts[1].server.is_none());
}

#[test]
fn every_level_and_policy() {
    let cfg = demo();
    let k = keys(&cfg);
    for (policy, level) in [
        (SecurePolicy::Required, SecurityLevel::ALL),
        (SecurePolicy::Required, SecurityLevel::C_DEC_R_MAC),
        (SecurePolicy::Required, SecurityLevel::C_MAC_R_MAC),
        (SecurePolicy::Required, SecurityLevel::C_DEC),
        (SecurePolicy::Required, SecurityLevel::C_MAC),
        (SecurePolicy::Required, SecurityLevel::AUTHENTICATED),
        (SecurePolicy::IfOffered, SecurityLevel::ALL),
        (SecurePolicy::Off, SecurityLevel::ALL),
    ] {
        let mut c = card(&cfg);
        let mut ws = [0u8; 4096];
        let b = run(&mut c, &k, config(level, 1).policy(policy), &mut ws, None)
            .unwrap_or_else(|e| panic!("{policy:?} {level:?}: {e}"));
        check_demo_accounts(&b.file);
        let p = b.provenance;
        assert_eq!(p.aid.as_bytes(), scboot::dir::PKCS15_AID);
        assert_eq!(p.application_path.as_bytes(), &[0x3F, 0x00, 0x50, 0x15]);
        assert_eq!(p.file_path.as_bytes(), &[0x64, 0x32]);
        assert_eq!(p.dodf_path.as_bytes(), &[0x64, 0x30]);
        assert_eq!(p.channel, 1);
        assert_eq!(
            p.level,
            if policy == SecurePolicy::Off {
                None
            } else {
                Some(level)
            }
        );
        assert!(!c.secure_channel_open(1), "channel closed at the end");
    }
}

#[test]
fn every_dodf_form_s8_and_s16_and_key_sizes() {
    for (form, rule) in [
        (DodfForm::Oid, scboot::dodf::BootstrapRule::RegisteredOid),
        (
            DodfForm::OidDouble,
            scboot::dodf::BootstrapRule::DoubleEncodedOid,
        ),
        (
            DodfForm::Opaque,
            scboot::dodf::BootstrapRule::OpaqueApplicationOid,
        ),
    ] {
        for (i, mode, key_hex) in [
            (0x70u8, Mode::S8, "404142434445464748494a4b4c4d4e4f"),
            (
                0x71,
                Mode::S16,
                "404142434445464748494a4b4c4d4e4f404142434445464748494a4b4c4d4e4f",
            ),
        ] {
            let mut cfg = demo_with_keys(i, key_hex);
            cfg.dodf_form = form;
            let mut c = card(&cfg);
            let mut ws = [0u8; 4096];
            let b = run(
                &mut c,
                &keys(&cfg),
                config(SecurityLevel::ALL, 2).mode(mode),
                &mut ws,
                None,
            )
            .unwrap();
            assert_eq!(b.provenance.rule, rule);
            check_demo_accounts(&b.file);
        }
    }
}

#[test]
fn basic_channel_get_response_and_wrong_le() {
    let mut cfg = demo();
    cfg.quirks.get_response = true;
    cfg.quirks.strict_le = true;
    let k = keys(&cfg);
    for logical_channel in [true, false] {
        let mut c = card(&cfg);
        let mut ws = [0u8; 4096];
        let b = run(
            &mut c,
            &k,
            config(SecurityLevel::ALL, 3).logical_channel(logical_channel),
            &mut ws,
            None,
        )
        .unwrap();
        check_demo_accounts(&b.file);
        assert_eq!(b.provenance.channel, if logical_channel { 1 } else { 0 });
    }
}

#[test]
fn apdu_counts_and_digest_are_stable() {
    let cfg = demo();
    let k = keys(&cfg);
    let mut c = card(&cfg);
    let mut ws1 = [0u8; 4096];
    let a = run(&mut c, &k, config(SecurityLevel::ALL, 4), &mut ws1, None).unwrap();
    let mut ws2 = [0u8; 4096];
    let b = run(&mut c, &k, config(SecurityLevel::ALL, 5), &mut ws2, None).unwrap();
    assert_eq!(a.provenance.digest, b.provenance.digest);
    // SELECT DIR, 1 READ RECORD, MANAGE CHANNEL, SELECT AID, IU, EA, SELECT+READ ODF,
    // SELECT+READ DODF, SELECT + 1 READ BINARY (the 239 bytes one R-ENC response
    // carries hold the header and all 183 bytes of data of the 512-byte file), close.
    assert_eq!(a.provenance.apdus, 13);
}

#[test]
fn private_entry_needs_the_pin() {
    let mut cfg = demo();
    cfg.private = true;
    cfg.pin = Some("31323334".into());
    let mut ws = [0u8; 4096];
    let at33 = config(SecurityLevel::ALL, 6);
    let e = run_fresh(&cfg, at33, &mut ws, None).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::PinRequired));
    let e = run_fresh(&cfg, at33, &mut ws, Some((0x81, b"0000"))).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::Status {
            step: StepName::Verify,
            sw: StatusWord(0x63C2)
        })
    );
    let b = run_fresh(&cfg, at33, &mut ws, Some((0x81, b"1234"))).unwrap();
    assert!(b.provenance.private);
    check_demo_accounts(&b.file);
}

#[test]
fn secure_read_without_secure_channel_is_refused() {
    let mut cfg = demo();
    cfg.secure_read = true;
    let mut ws = [0u8; 4096];
    let at33 = config(SecurityLevel::ALL, 7);
    let e = run_fresh(&cfg, at33.policy(SecurePolicy::Off), &mut ws, None).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::Status {
            step: StepName::ReadBootstrap,
            sw: StatusWord(0x6982)
        })
    );
    assert!(run_fresh(&cfg, at33, &mut ws, None).is_ok());
}

#[test]
fn level_not_offered_required_vs_if_offered() {
    let mut cfg = demo();
    cfg.keys.i = 0x30; // R-MAC only, no R-ENC
    let mut ws = [0u8; 4096];
    let at33 = config(SecurityLevel::ALL, 8);
    let e = run_fresh(&cfg, at33, &mut ws, None).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::SecureChannel {
            step: StepName::InitializeUpdate,
            error: Scp03Error::LevelNotOffered {
                level: 0x33,
                i: 0x30
            }
        })
    );
    let b = run_fresh(&cfg, at33.policy(SecurePolicy::IfOffered), &mut ws, None).unwrap();
    assert_eq!(b.provenance.level, Some(SecurityLevel::C_DEC_R_MAC));
}

/// A card that can be pulled out.
struct Slot(Option<VirtualCard>);

impl Card for Slot {
    type Error = Fault;
    fn transmit(&mut self, c: &[u8], r: &mut [u8]) -> Result<usize, Fault> {
        match &mut self.0 {
            Some(card) => Ok(card.transmit(c, r).unwrap_or(0)),
            None => Err(Fault::CardAbsent),
        }
    }
}

/// One run of the procedure at full security, host challenge `seed`.
fn at<'w>(
    slot: &mut Slot,
    k: &StaticKeys,
    seed: u8,
    ws: &'w mut [u8],
) -> Result<scboot::procedure::Bootstrap<'w>, RunError<Fault>> {
    run(slot, k, config(SecurityLevel::ALL, seed), ws, None)
}

/// Rewrite the bootstrap file over SCP03 (as an over-the-air update would).
fn ota_update(c: &mut VirtualCard, k: &StaticKeys, new_file: &[u8]) {
    scboot_card::ota::update_file(c, k, [0x64, 0x32], new_file).unwrap();
}

#[test]
fn monitor_scenarios() {
    let cfg = demo();
    let k = keys(&cfg);
    let mut slot = Slot(Some(card(&cfg)));
    let mut monitor = Monitor::new();
    let mut ws = [0u8; 4096];
    let first = at(&mut slot, &k, 10, &mut ws).unwrap();
    monitor.applied(&first);
    assert!(monitor.holds_card_data());

    // 1. Unchanged.
    let mut ws = [0u8; 4096];
    let v = monitor.check(at(&mut slot, &k, 11, &mut ws)).unwrap();
    assert_eq!(v, Verdict::Unchanged);

    // 2. The bootstrap data updated over the air (through SCP03 UPDATE BINARY).
    let mut cfg2 = demo();
    cfg2.server[0].lifetime = Some(3600);
    let mut new_file = scboot_card::config::bootstrap_data(&cfg2.server).unwrap();
    new_file.resize(512, 0xFF);
    ota_update(slot.0.as_mut().unwrap(), &k, &new_file);
    let mut ws = [0u8; 4096];
    match monitor.check(at(&mut slot, &k, 12, &mut ws)).unwrap() {
        Verdict::Changed(b) => {
            let a = accounts(&b.file).next().unwrap().unwrap();
            assert_eq!(a.server.unwrap().lifetime, Some(3600));
        }
        v => panic!("expected Changed, got {v:?}"),
    }

    // 3. The DODF now points to another file (same contents as before the update).
    let mut img = slot.0.as_ref().unwrap().image();
    let mut boot_old = scboot_card::config::bootstrap_data(&cfg.server).unwrap();
    boot_old.resize(512, 0xFF);
    img.file_mut("3f0050156433").unwrap().structure = scboot_card::image::Structure::Transparent {
        data: scboot_card::to_hex(&boot_old),
    };
    let mut dodf = scboot_card::config::dodf(cfg.dodf_form, false).unwrap();
    let n = dodf.len();
    assert_eq!(&dodf[n - 2..], &[0x64, 0x32]);
    dodf[n - 1] = 0x33;
    img.file_mut("3f0050156430").unwrap().structure = scboot_card::image::Structure::Transparent {
        data: scboot_card::to_hex(&dodf),
    };
    slot.0 = Some(VirtualCard::new(img).unwrap());
    let mut ws = [0u8; 4096];
    match monitor.check(at(&mut slot, &k, 13, &mut ws)).unwrap() {
        Verdict::Changed(b) => assert_eq!(b.provenance.file_path.as_bytes(), &[0x64, 0x33]),
        v => panic!("expected Changed, got {v:?}"),
    }

    // 4. Swapped for another card with the same keys but other accounts.
    let mut cfg3 = demo();
    cfg3.server.truncate(1);
    slot.0 = Some(card(&cfg3));
    let mut ws = [0u8; 4096];
    match monitor.check(at(&mut slot, &k, 14, &mut ws)).unwrap() {
        Verdict::Changed(b) => assert_eq!(accounts(&b.file).count(), 1),
        v => panic!("expected Changed, got {v:?}"),
    }

    // 5. A card with another Key-MAC: an error, not a removal; nothing changes.
    // (Key-ENC is the same, so the pseudo-random challenge still checks out.)
    let mut cfg4 = demo();
    cfg4.keys.mac = "00".repeat(16);
    slot.0 = Some(card(&cfg4));
    let mut ws = [0u8; 4096];
    let e = monitor.check(at(&mut slot, &k, 15, &mut ws)).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::SecureChannel {
            step: StepName::InitializeUpdate,
            error: Scp03Error::CardCryptogramMismatch
        })
    );
    assert!(monitor.holds_card_data());

    // 6. Removed: every card-provisioned account must be deleted.
    slot.0 = None;
    let mut ws = [0u8; 4096];
    let v = monitor.check(at(&mut slot, &k, 16, &mut ws)).unwrap();
    assert_eq!(v, Verdict::Removed);
    assert!(!monitor.holds_card_data());

    // 7. A card without the application is "removed" too.
    let mut img = card(&cfg).image();
    img.files.retain(|f| f.path != "3f002f00");
    slot.0 = Some(VirtualCard::new(img).unwrap());
    let mut m2 = Monitor::new();
    let mut ws = [0u8; 4096];
    let b = run(
        &mut Slot(Some(card(&cfg))),
        &k,
        config(SecurityLevel::ALL, 17),
        &mut ws,
        None,
    )
    .unwrap();
    m2.applied(&b);
    let mut ws = [0u8; 4096];
    assert_eq!(
        m2.check(at(&mut slot, &k, 18, &mut ws)).unwrap(),
        Verdict::Removed
    );
}

#[test]
fn tampered_response_ends_the_run() {
    // A card whose bootstrap file read is corrupted on the wire: R-MAC mismatch.
    struct Tamper(VirtualCard, usize);
    impl Card for Tamper {
        type Error = std::convert::Infallible;
        fn transmit(&mut self, c: &[u8], r: &mut [u8]) -> Result<usize, Self::Error> {
            let n = self.0.transmit(c, r)?;
            self.1 += 1;
            if self.1 == 12 && n > 4 {
                r[1] ^= 0x01;
            }
            Ok(n)
        }
    }
    let cfg = demo();
    let mut ws = [0u8; 4096];
    let e = run_at_33(&mut Tamper(card(&cfg), 0), &cfg, 19, &mut ws).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::SecureChannel {
            step: StepName::ReadBootstrap,
            error: Scp03Error::RMacMismatch
        })
    );
}

/// ODF paths in the three forms of ISO 7816-4 / PKCS#15: relative (`6430`,
/// SELECT P1 00), absolute from the MF (`3F00 5015 6430`, P1 08 with the MF
/// dropped) and from the current application (`3FFF 6430`, P1 09 with 3FFF
/// dropped). The virtual card resolves P1 09 from the current DF, so any
/// other mapping selects a file that does not exist.
#[test]
fn odf_paths_relative_absolute_and_application_relative() {
    use scboot::ber::{Concat, Encode};
    use scboot::odf::{ObjectClass, OdfEntry, OdfLocation};
    use scboot::path::Path;
    use scboot_card::image::Structure;
    let cfg = demo();
    let k = keys(&cfg);
    for path in [
        &[0x64, 0x30][..],
        &[0x3F, 0x00, 0x50, 0x15, 0x64, 0x30],
        &[0x3F, 0xFF, 0x64, 0x30],
    ] {
        let entries = [OdfEntry {
            class: ObjectClass::DataObjects,
            location: OdfLocation::Path(Path::new(path)),
        }];
        let odf = Concat(&entries);
        let mut bytes = vec![0u8; odf.encoded_len()];
        odf.encode(&mut bytes).unwrap();
        let mut image = build(&cfg).unwrap();
        let f = image
            .files
            .iter_mut()
            .find(|f| f.path == "3f0050155031")
            .expect("EF.ODF");
        f.structure = Structure::Transparent {
            data: scboot_card::to_hex(&bytes),
        };
        let mut c = VirtualCard::new(image).unwrap();
        let mut ws = [0u8; 4096];
        let b = run(&mut c, &k, config(SecurityLevel::ALL, 9), &mut ws, None)
            .unwrap_or_else(|e| panic!("{path:02X?}: {e}"));
        assert_eq!(b.provenance.dodf_path.as_bytes(), path);
        check_demo_accounts(&b.file);
    }
}

/// Driving the sans-I/O procedure by hand: one APDU counted per response,
/// the same count `run` reports.
#[test]
fn procedure_counts_each_exchange() {
    use scboot::procedure::{Procedure, Step};
    let cfg = demo();
    let k = keys(&cfg);
    let mut c = card(&cfg);
    let mut ws = [0u8; 4096];
    let mut p = Procedure::new(&k, config(SecurityLevel::ALL, 6), &mut ws);
    let (mut cmd, mut resp) = ([0u8; 1200], [0u8; 1200]);
    let mut sent = 0;
    loop {
        assert_eq!(p.apdus(), sent);
        match p.next(&mut cmd).unwrap() {
            Step::Transmit(n) => {
                let m = c.transmit(&cmd[..n], &mut resp).unwrap();
                p.on_response(&resp[..m]).unwrap();
                sent += 1;
            }
            Step::NeedPin(_) => panic!("the demo entry is public"),
            Step::Done => break,
            _ => unreachable!("the procedure has no other steps"),
        }
    }
    assert_eq!(p.apdus(), 13);
    let b = p.finish().unwrap();
    assert_eq!(b.provenance.apdus, 13);
}

/// A linear-variable EF.DIR whose FCP gives the largest record length: a
/// strict card answers the first READ RECORD `6Cxx` with the exact length,
/// the procedure re-sends it with that Le (one more APDU) and reads the
/// record. With T=0 style `61xx` answers on top, both mechanisms chain.
#[test]
fn wrong_le_answer_is_resent_with_the_card_length() {
    let apdus = |get_response: bool, strict_le: bool, variable_records: bool| {
        let mut cfg = demo();
        cfg.quirks.strict_le = strict_le;
        cfg.quirks.variable_records = variable_records;
        cfg.quirks.get_response = get_response;
        let mut c = card(&cfg);
        let mut ws = [0u8; 4096];
        let b = run_at_33(&mut c, &cfg, 8, &mut ws)
            .unwrap_or_else(|e| panic!("{get_response} {strict_le} {variable_records}: {e}"));
        check_demo_accounts(&b.file);
        b.provenance.apdus
    };
    for get_response in [false, true] {
        let fixed = apdus(get_response, true, false);
        // Linear variable without the strict rule: the card sends what it has.
        assert_eq!(apdus(get_response, false, true), fixed);
        // Strict: exactly one re-sent READ RECORD.
        assert_eq!(apdus(get_response, true, true), fixed + 1);
    }
    assert_eq!(apdus(false, true, false), 13);
}

/// A DODF path with index and length (PKCS#15 `Path.index`/`length`): the
/// bootstrap data sits 300 bytes into its EF, and a workspace of exactly
/// its length is enough, since only the named part is read.
#[test]
fn bootstrap_data_by_index_and_length() {
    use scboot::ber::{Encode, Oid};
    use scboot::dodf::{
        CommonDataObjectAttributes, CommonObjectAttributes, DataObject, DataObjectKind, ObjectValue,
    };
    use scboot::path::{IndexLength, Path};
    use scboot_card::config::bootstrap_data;
    use scboot_card::image::Structure;
    let cfg = demo();
    let boot = bootstrap_data(&cfg.server).unwrap();
    let mut file = vec![0xA5u8; 300];
    file.extend(&boot);
    file.resize(1024, 0xFF);
    let il = IndexLength {
        index: 300,
        length: boot.len() as u32,
    };
    let entry = DataObject {
        kind: DataObjectKind::Oid(Oid::LWM2M_BOOTSTRAP),
        common: CommonObjectAttributes::default(),
        data: CommonDataObjectAttributes::default(),
        sub_class: None,
        value: ObjectValue::Path(Path {
            path: &[0x64, 0x32],
            index_length: Some(il),
        }),
    };
    let mut dodf = vec![0u8; entry.encoded_len()];
    entry.encode(&mut dodf).unwrap();
    let image = || {
        let mut image = build(&cfg).unwrap();
        for f in image.files.iter_mut() {
            let data = match f.path.as_str() {
                "3f0050156430" => &dodf,
                "3f0050156432" => &file,
                _ => continue,
            };
            f.structure = Structure::Transparent {
                data: scboot_card::to_hex(data),
            };
        }
        VirtualCard::new(image).unwrap()
    };
    let k = keys(&cfg);
    let mut c = image();
    let mut ws = vec![0u8; boot.len()];
    let b = run(&mut c, &k, config(SecurityLevel::ALL, 10), &mut ws, None).unwrap();
    assert_eq!(b.provenance.index_length, Some(il));
    check_demo_accounts(&b.file);
    // One byte less of workspace: refused, naming the part's size.
    let mut c = image();
    let mut ws = vec![0u8; boot.len() - 1];
    let e = run(&mut c, &k, config(SecurityLevel::ALL, 11), &mut ws, None).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::FileTooLarge {
            step: StepName::SelectBootstrap,
            size: boot.len(),
            capacity: boot.len() - 1,
        })
    );
}

/// EF.DIR with two templates, the PKCS#15 one second: with the record count
/// in the FCP the procedure reads exactly both records; without it, it reads
/// on until the card answers `6A83` (one more READ RECORD).
#[test]
fn ef_dir_second_record_with_and_without_a_record_count() {
    use scboot::ber::Encode;
    use scboot::dir::{ApplicationTemplate, PKCS15_AID};
    use scboot_card::image::Structure;
    let usim = ApplicationTemplate {
        label: Some("USIM"),
        ..ApplicationTemplate::new(&[0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02])
    };
    let pkcs15 = ApplicationTemplate {
        label: Some("LwM2M"),
        path: Some(&[0x3F, 0x00, 0x50, 0x15]),
        ..ApplicationTemplate::new(PKCS15_AID)
    };
    let rec = |t: &ApplicationTemplate<'_>| {
        let mut b = vec![0u8; t.encoded_len()];
        t.encode(&mut b).unwrap();
        scboot_card::to_hex(&b)
    };
    let cfg = demo();
    let k = keys(&cfg);
    for omit in [false, true] {
        let mut image = build(&cfg).unwrap();
        image.quirks.omit_record_count = omit;
        let dir = image
            .files
            .iter_mut()
            .find(|f| f.path == "3f002f00")
            .expect("EF.DIR");
        dir.structure = Structure::LinearFixed {
            record_len: 40,
            records: vec![rec(&usim), rec(&pkcs15)],
        };
        let mut c = VirtualCard::new(image).unwrap();
        let mut ws = [0u8; 4096];
        let b = run(&mut c, &k, config(SecurityLevel::ALL, 12), &mut ws, None)
            .unwrap_or_else(|e| panic!("omit {omit}: {e}"));
        check_demo_accounts(&b.file);
        assert_eq!(b.provenance.apdus, 14 + u32::from(omit), "omit {omit}");
    }
}

/// The digest the monitor compares covers the bootstrap data only: the same
/// data in a larger, differently padded EF is no change.
#[test]
fn digest_ignores_file_size_and_padding() {
    let digest = |cfg: &CardConfig| {
        let mut ws = [0u8; 8192];
        let b = run(
            &mut card(cfg),
            &keys(cfg),
            config(SecurityLevel::ALL, 13),
            &mut ws,
            None,
        )
        .unwrap();
        b.provenance.digest
    };
    let sized = |file_size| CardConfig {
        file_size,
        ..demo()
    };
    let d = digest(&sized(1024));
    assert_eq!(digest(&sized(2048)), d);
    assert_eq!(digest(&sized(300)), d);
    let mut changed = demo();
    changed.server[0].lifetime = Some(3600);
    assert_ne!(digest(&changed), d);
}

/// Two DODFs in the ODF: the first holds no bootstrap entry, so the
/// procedure goes on to the second; with neither holding one, it reports
/// that no entry exists (which the monitor reads as "data removed").
#[test]
fn bootstrap_entry_in_the_second_dodf() {
    use scboot::ber::{Concat, Encode};
    use scboot::odf::{ObjectClass, OdfEntry, OdfLocation};
    use scboot::path::Path;
    use scboot_card::image::{Access, File, Structure};
    let cfg = demo();
    let entries = [
        OdfEntry {
            class: ObjectClass::DataObjects,
            location: OdfLocation::Path(Path::new(&[0x64, 0x31])),
        },
        OdfEntry {
            class: ObjectClass::DataObjects,
            location: OdfLocation::Path(Path::new(&[0x64, 0x30])),
        },
    ];
    let odf = Concat(&entries);
    let mut odf_bytes = vec![0u8; odf.encoded_len()];
    odf.encode(&mut odf_bytes).unwrap();
    let image_with = |second_dodf_has_entry: bool| {
        let mut image = build(&cfg).unwrap();
        for f in image.files.iter_mut() {
            if f.path == "3f0050155031" {
                f.structure = Structure::Transparent {
                    data: scboot_card::to_hex(&odf_bytes),
                };
            }
            if f.path == "3f0050156430" && !second_dodf_has_entry {
                // Padding only: a DODF without entries.
                f.structure = Structure::Transparent {
                    data: "ffff".into(),
                };
            }
        }
        image.files.push(File {
            path: "3f0050156431".into(),
            structure: Structure::Transparent {
                data: "0000".into(),
            },
            read: Access::Always,
            update: Access::Never,
        });
        VirtualCard::new(image).unwrap()
    };
    let mut ws = [0u8; 4096];
    let b = run_at_33(&mut image_with(true), &cfg, 14, &mut ws).unwrap();
    assert_eq!(b.provenance.dodf_path.as_bytes(), &[0x64, 0x30]);
    check_demo_accounts(&b.file);
    // SELECT + READ of the first DODF: two more APDUs than the demo's 13.
    assert_eq!(b.provenance.apdus, 15);
    let mut ws = [0u8; 4096];
    let e = run_at_33(&mut image_with(false), &cfg, 14, &mut ws).unwrap_err();
    assert_eq!(e, RunError::Procedure(ProcedureError::NoBootstrapEntry));
    assert!(e.card_removed());
}

/// Driving a private entry by hand: the procedure stops at `NeedPin` and
/// names the entry's authId only then; the PIN given, it goes on.
#[test]
fn hand_driven_private_entry_names_its_auth_id() {
    use scboot::procedure::{Procedure, Step};
    let mut cfg = demo();
    cfg.private = true;
    cfg.pin = Some("31323334".into());
    let k = keys(&cfg);
    let mut c = card(&cfg);
    let mut ws = [0u8; 4096];
    let mut p = Procedure::new(&k, config(SecurityLevel::ALL, 15), &mut ws);
    let (mut cmd, mut resp) = ([0u8; 1200], [0u8; 1200]);
    let mut asked = 0;
    loop {
        match p.next(&mut cmd).unwrap() {
            Step::Transmit(n) => {
                let m = c.transmit(&cmd[..n], &mut resp).unwrap();
                p.on_response(&resp[..m]).unwrap();
            }
            Step::NeedPin(request) => {
                asked += 1;
                assert_eq!(request.auth_id(), &[0x01][..]);
                request.supply(0x81, b"1234").unwrap();
            }
            Step::Done => break,
            _ => unreachable!("the procedure has no other steps"),
        }
    }
    assert_eq!(asked, 1);
    let b = p.finish().unwrap();
    assert!(b.provenance.private);
    check_demo_accounts(&b.file);
}

/// READ BINARY offsets stop at 0x7FFF (P1 bit 8 would mean an SFI): a part
/// of the bootstrap EF that starts beyond is refused before any read.
#[test]
fn bootstrap_part_beyond_32_kb_offsets_is_refused() {
    use scboot::ber::{Encode, Oid};
    use scboot::dodf::{
        CommonDataObjectAttributes, CommonObjectAttributes, DataObject, DataObjectKind, ObjectValue,
    };
    use scboot::path::{IndexLength, Path};
    use scboot_card::image::Structure;
    let cfg = demo();
    let entry = DataObject {
        kind: DataObjectKind::Oid(Oid::LWM2M_BOOTSTRAP),
        common: CommonObjectAttributes::default(),
        data: CommonDataObjectAttributes::default(),
        sub_class: None,
        value: ObjectValue::Path(Path {
            path: &[0x64, 0x32],
            index_length: Some(IndexLength {
                index: 0x8000,
                length: 0x40,
            }),
        }),
    };
    let mut dodf = vec![0u8; entry.encoded_len()];
    entry.encode(&mut dodf).unwrap();
    let mut image = build(&cfg).unwrap();
    for f in image.files.iter_mut() {
        let data = match f.path.as_str() {
            "3f0050156430" => dodf.clone(),
            "3f0050156432" => vec![0xFF; 0x8100],
            _ => continue,
        };
        f.structure = Structure::Transparent {
            data: scboot_card::to_hex(&data),
        };
    }
    let mut c = VirtualCard::new(image).unwrap();
    let mut ws = [0u8; 4096];
    let e = run_at_33(&mut c, &cfg, 16, &mut ws).unwrap_err();
    assert_eq!(
        e,
        RunError::Procedure(ProcedureError::FileTooLarge {
            step: StepName::ReadBootstrap,
            size: 0x8040,
            capacity: 0x7FFF,
        })
    );
}

/// Found by the hostile_card fuzzer: on the basic channel a run leaves the
/// application selected, where EF.DIR (2F00, under the MF) is not visible by
/// its identifier alone; the next run (a check) must still find it, and
/// not take "not found" for a removed card.
#[test]
fn runs_repeat_on_the_basic_channel() {
    let cfg = demo();
    let k = keys(&cfg);
    let mut c = card(&cfg);
    let mut monitor = Monitor::new();
    for seed in 0..3 {
        let mut ws = [0u8; 4096];
        let r = run(
            &mut c,
            &k,
            config(SecurityLevel::ALL, seed).logical_channel(false),
            &mut ws,
            None,
        );
        if seed == 0 {
            monitor.applied(r.as_ref().unwrap());
        } else {
            assert_eq!(monitor.check(r), Ok(Verdict::Unchanged));
        }
    }
}

/// The static keys given as bytes (keyed at each handshake) run the same
/// procedure as the keyed ones: the same APDUs, digest and accounts, at
/// every level, in S8 and S16, with AES-128 and AES-256 keys.
#[test]
fn static_key_bytes_run_the_same_procedure() {
    use scboot::scp03::StaticKeyBytes;
    for (i, mode, key_hex) in [
        (0x70u8, Mode::S8, "404142434445464748494a4b4c4d4e4f"),
        (
            0x71,
            Mode::S16,
            "404142434445464748494a4b4c4d4e4f404142434445464748494a4b4c4d4e4f",
        ),
    ] {
        let cfg = demo_with_keys(i, key_hex);
        let h = |s: &str| scboot_card::from_hex(s).unwrap();
        let bytes = StaticKeyBytes::new(
            cfg.keys.kvn,
            &h(&cfg.keys.enc),
            &h(&cfg.keys.mac),
            &h(&cfg.keys.dek),
        )
        .unwrap();
        for level in [SecurityLevel::ALL, SecurityLevel::C_MAC] {
            let (mut w1, mut w2) = ([0u8; 4096], [0u8; 4096]);
            let c = config(level, 3).mode(mode);
            let a = run(&mut card(&cfg), &keys(&cfg), c, &mut w1, None).unwrap();
            let b = run(&mut card(&cfg), &bytes, c, &mut w2, None).unwrap();
            assert_eq!(a.provenance, b.provenance);
            assert_eq!(b.provenance.level, Some(level));
            check_demo_accounts(&b.file);
        }
        // A wrong Key-ENC: the pseudo-random challenge does not verify; a
        // wrong Key-MAC: the card cryptogram does not.
        let other = h(&key_hex.replace('4', "5"));
        let (enc, mac, dek) = (h(&cfg.keys.enc), h(&cfg.keys.mac), h(&cfg.keys.dek));
        for (wrong, want) in [
            (
                StaticKeyBytes::new(cfg.keys.kvn, &other, &mac, &dek).unwrap(),
                Scp03Error::CardChallengeMismatch,
            ),
            (
                StaticKeyBytes::new(cfg.keys.kvn, &enc, &other, &dek).unwrap(),
                Scp03Error::CardCryptogramMismatch,
            ),
        ] {
            let mut ws = [0u8; 4096];
            let c = config(SecurityLevel::ALL, 3).mode(mode);
            let e = run(&mut card(&cfg), &wrong, c, &mut ws, None).unwrap_err();
            assert!(
                matches!(
                    e,
                    RunError::Procedure(ProcedureError::SecureChannel { error, .. }) if error == want
                ),
                "{e:?}"
            );
        }
    }
}
