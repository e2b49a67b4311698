//! The procedure's layers, driven by hand against the virtual card: READ
//! sizes per level, the bootstrap header read first, the files and
//! exchanges a log or a dump sees, the PIN step, sticky failures.

use scboot::apdu::Command;
use scboot::procedure::{
    Card, Config, FileKind, Procedure, ProcedureError, SecurePolicy, Step, StepName,
};
use scboot::scp03::{SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::image::Structure;
use scboot_card::VirtualCard;

fn demo() -> CardConfig {
    CardConfig::parse(DEMO_CONFIG).unwrap()
}

fn keys(cfg: &CardConfig) -> StaticKeys {
    cfg.static_keys().unwrap()
}

/// One exchange as a log sees it.
#[derive(Debug, Clone)]
struct Seen {
    step: StepName,
    plain: Vec<u8>,
    protected: bool,
    response: Option<Vec<u8>>,
}

/// A completed file: kind, path, bytes.
type Seenfile = (FileKind, Vec<u8>, Vec<u8>);
/// A run: the digest or the error, the exchanges, the files.
type Driven = (Result<[u8; 32], ProcedureError>, Vec<Seen>, Vec<Seenfile>);

/// Drive the procedure over `card`, recording every exchange and every
/// completed file.
fn drive(card: &mut VirtualCard, k: &StaticKeys, cfg: Config, pin: Option<&[u8]>) -> Driven {
    let mut ws = vec![0u8; 8192];
    let mut p = Procedure::new(k, cfg, &mut ws);
    let (mut cmd, mut resp) = ([0u8; 1200], [0u8; 1200]);
    let (mut seen, mut files) = (Vec::new(), Vec::new());
    loop {
        match p.next(&mut cmd) {
            Ok(Step::Transmit(n)) => {
                let c = p.last_command();
                seen.push(Seen {
                    step: c.step,
                    plain: if c.plain.is_empty() {
                        cmd[..n].to_vec()
                    } else {
                        c.plain.to_vec()
                    },
                    protected: c.protected,
                    response: None,
                });
                let m = card.transmit(&cmd[..n], &mut resp).unwrap();
                if let Err(e) = p.on_response(&resp[..m]) {
                    return (Err(e), seen, files);
                }
                if let Some(r) = p.last_response() {
                    seen.last_mut().unwrap().response = Some(r.data.to_vec());
                }
                if let Some(f) = p.file() {
                    files.push((f.kind, f.path.to_vec(), f.bytes.to_vec()));
                }
            }
            Ok(Step::NeedPin(request)) => match pin {
                Some(pin) => request.supply(0x81, pin).unwrap(),
                None => return (Err(request.decline()), seen, files),
            },
            Ok(Step::Done) => return (p.finish().map(|b| b.provenance.digest), seen, files),
            Ok(_) => unreachable!("the procedure has no other steps"),
            Err(e) => return (Err(e), seen, files),
        }
    }
}

/// The demo card with a bootstrap EF of `file_size` bytes whose data is
/// padded with `extra` more servers (to make the data long).
fn card_with(file_size: usize, extra_servers: usize) -> (VirtualCard, StaticKeys) {
    let mut cfg = demo();
    cfg.file_size = file_size;
    for i in 0..extra_servers {
        let mut s = cfg.server[0].clone();
        s.short_server_id = Some(200 + i as u16);
        s.uri = format!("coaps://server-{i}.example.net:5684");
        cfg.server.insert(0, s);
    }
    let k = keys(&cfg);
    (VirtualCard::new(build(&cfg).unwrap()).unwrap(), k)
}

fn reads_of(seen: &[Seen], step: StepName) -> Vec<u32> {
    seen.iter()
        .filter(|s| s.step == step)
        .filter_map(|s| Command::parse(&s.plain).ok())
        .filter(|c| c.ins == 0xB0)
        .map(|c| c.le.unwrap())
        .collect()
}

/// Each READ asks for as much as one short response carries at the
/// session's level: 256 in the clear, 248 under R-MAC (S8), 239 under
/// R-ENC (S8); the caller may ask for less.
#[test]
fn reads_are_sized_to_the_level() {
    let (_, k) = card_with(3000, 8);
    for (policy, level, max_read, size) in [
        (SecurePolicy::Off, SecurityLevel::ALL, 0, 256),
        (SecurePolicy::Required, SecurityLevel::C_MAC, 0, 256),
        (SecurePolicy::Required, SecurityLevel::C_MAC_R_MAC, 0, 248),
        (SecurePolicy::Required, SecurityLevel::C_DEC_R_MAC, 0, 248),
        (SecurePolicy::Required, SecurityLevel::ALL, 0, 239),
        (SecurePolicy::Required, SecurityLevel::ALL, 100, 100),
        (SecurePolicy::Off, SecurityLevel::ALL, 300, 300),
    ] {
        let (mut c, _) = card_with(3000, 8);
        let cfg = Config::new([1; 16])
            .policy(policy)
            .level(level)
            .max_read(max_read);
        let (r, seen, _) = drive(&mut c, &k, cfg, None);
        r.unwrap_or_else(|e| panic!("{level:?}: {e}"));
        let reads = reads_of(&seen, StepName::ReadBootstrap);
        assert_eq!(reads[0], size, "{policy:?} {level:?} {max_read}");
        assert!(reads[..reads.len() - 1].iter().all(|&n| n == size));
    }
}

/// The bootstrap file is read to the end its header announces, not to the
/// end of the EF: a 3000-byte EF holding a few hundred bytes of data costs
/// the READs of the data only.
#[test]
fn bootstrap_header_bounds_the_reads() {
    let (mut c, k) = card_with(3000, 3);
    let (digest, seen, files) = drive(&mut c, &k, Config::new([2; 16]), None);
    digest.unwrap();
    let (_, _, data) = files.iter().find(|f| f.0 == FileKind::Bootstrap).unwrap();
    let size = usize::from(u16::from_be_bytes([data[2], data[3]]));
    assert_eq!(data.len(), 4 + size, "nothing past the data was read");
    let reads = reads_of(&seen, StepName::ReadBootstrap);
    assert_eq!(reads.len(), (4 + size).div_ceil(239));
    assert!(reads.len() < 3000 / 239, "{reads:?}");
    // The same data in a 512-byte file: the same digest.
    let (mut small, _) = card_with(4 + size, 3);
    let (digest2, _, _) = drive(&mut small, &k, Config::new([3; 16]), None);
    use sha2::Digest;
    let want: [u8; 32] = sha2::Sha256::digest(data).into();
    assert_eq!(digest2.unwrap(), want);
}

/// What a dump and a log see: every file as it completes (EF.DIR, ODF,
/// TokenInfo, each DODF, the bootstrap data), byte for byte as the card
/// holds them, and every plain command with its plain response.
#[test]
fn files_and_exchanges_as_a_dump_and_a_log_see_them() {
    let cfg = demo();
    let image = build(&cfg).unwrap();
    let mut c = VirtualCard::new(image.clone()).unwrap();
    let k = keys(&cfg);
    let (r, seen, files) = drive(&mut c, &k, Config::new([4; 16]).read_everything(true), None);
    r.unwrap();
    let kinds: Vec<FileKind> = files.iter().map(|f| f.0).collect();
    assert_eq!(
        kinds,
        [
            FileKind::EfDir,
            FileKind::Odf,
            FileKind::TokenInfo,
            FileKind::Dodf(0),
            FileKind::Bootstrap
        ]
    );
    let held = |path: &str| match &image.file(path).unwrap().structure {
        Structure::Transparent { data } => scboot_card::from_hex(data).unwrap(),
        _ => panic!("{path}"),
    };
    assert_eq!(
        files[1],
        (FileKind::Odf, vec![0x50, 0x31], held("3f0050155031"))
    );
    assert_eq!(files[2].2, held("3f0050155032"));
    assert_eq!(
        files[3],
        (FileKind::Dodf(0), vec![0x64, 0x30], held("3f0050156430"))
    );
    let boot = held("3f0050156432");
    assert!(boot.starts_with(&files[4].2) && files[4].2.len() < boot.len());
    // Plain commands: SELECT EF.DIR in the clear, SELECT ODF on channel 1
    // through the secure channel; the plain FCP comes back.
    assert_eq!(
        seen[0].plain,
        [0x00, 0xA4, 0x08, 0x04, 0x02, 0x2F, 0x00, 0x00]
    );
    assert!(!seen[0].protected);
    let odf = seen.iter().find(|s| s.step == StepName::SelectOdf).unwrap();
    assert_eq!(odf.plain, [0x01, 0xA4, 0x00, 0x04, 0x02, 0x50, 0x31, 0x00]);
    assert!(odf.protected);
    assert_eq!(odf.response.as_ref().unwrap()[0], 0x62);
    let steps: Vec<StepName> = seen.iter().map(|s| s.step).collect();
    assert!(steps.contains(&StepName::SelectTokenInfo) && steps.contains(&StepName::ReadTokenInfo));
}

/// The PIN step is a value: declining ends the procedure for good; the
/// authId names the PIN.
#[test]
fn pin_step_and_sticky_failures() {
    let mut cfg = demo();
    cfg.private = true;
    cfg.pin = Some("31323334".into());
    let k = keys(&cfg);
    let mut c = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    let mut ws = [0u8; 4096];
    let mut p = Procedure::new(&k, Config::new([5; 16]), &mut ws);
    let (mut cmd, mut resp) = ([0u8; 600], [0u8; 600]);
    let declined = loop {
        match p.next(&mut cmd).unwrap() {
            Step::Transmit(n) => {
                let m = c.transmit(&cmd[..n], &mut resp).unwrap();
                p.on_response(&resp[..m]).unwrap();
            }
            Step::NeedPin(request) => {
                assert_eq!(request.auth_id(), &[0x01]);
                break request.decline();
            }
            Step::Done => panic!("a private entry needs the PIN"),
            _ => unreachable!("the procedure has no other steps"),
        }
    };
    assert_eq!(declined, ProcedureError::PinRequired);
    // Sticky: every later call answers the same error.
    assert_eq!(p.next(&mut cmd).unwrap_err(), ProcedureError::PinRequired);
    assert_eq!(
        p.on_response(&[0x90, 0x00]),
        Err(ProcedureError::PinRequired)
    );
    assert_eq!(p.finish().unwrap_err(), ProcedureError::PinRequired);

    // A wrong PIN: the VERIFY status word, then the same error again.
    let mut c = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    let (r, seen, _) = drive(&mut c, &k, Config::new([6; 16]), Some(b"0000"));
    let e = r.unwrap_err();
    assert_eq!(
        e,
        ProcedureError::Status {
            step: StepName::Verify,
            sw: scboot::apdu::StatusWord(0x63C2)
        }
    );
    assert_eq!(seen.last().unwrap().step, StepName::Verify);
    // The right PIN reads the data.
    let mut c = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    let (r, _, _) = drive(&mut c, &k, Config::new([7; 16]), Some(b"1234"));
    r.unwrap();
}

/// Out-of-order calls are errors that leave the procedure usable; a
/// failure on the card's side is sticky.
#[test]
fn out_of_order_calls_and_sticky_card_failures() {
    let cfg = demo();
    let k = keys(&cfg);
    let mut ws = [0u8; 4096];
    let mut p = Procedure::new(&k, Config::new([8; 16]), &mut ws);
    let mut cmd = [0u8; 600];
    assert_eq!(
        p.on_response(&[0x90, 0x00]),
        Err(ProcedureError::OutOfOrder)
    );
    assert!(matches!(
        p.next(&mut [0u8; 2]),
        Err(ProcedureError::BufferTooSmall)
    ));
    assert!(matches!(p.next(&mut cmd), Ok(Step::Transmit(_))));
    assert!(matches!(p.next(&mut cmd), Err(ProcedureError::OutOfOrder)));
    // EF.DIR not found: a removal, and sticky.
    let e = p.on_response(&[0x6A, 0x82]).unwrap_err();
    assert!(e.data_removed());
    assert_eq!(p.next(&mut cmd).unwrap_err(), e);
    assert_eq!(p.on_response(&[0x90, 0x00]).unwrap_err(), e);
}
