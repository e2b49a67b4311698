//! Torn over-the-air updates: the card loses power after every possible
//! number of written bytes (so at every chunk boundary and inside every
//! chunk) while `ota::replace_bootstrap` runs; the device's next check then
//! sees the old information (unchanged) or the complete new one, never a
//! partial file and never a removal, and a repeated update completes.

use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Bootstrap, Config};
use scboot::scp03::StaticKeys;
use scboot_card::config::{bootstrap_data, build, CardConfig, DEMO_CONFIG};
use scboot_card::ota::{replace_bootstrap, update_file, Replaced};
use scboot_card::VirtualCard;

fn demo() -> CardConfig {
    CardConfig::parse(DEMO_CONFIG).unwrap()
}

fn device_run<'w>(card: &mut VirtualCard, keys: &StaticKeys, ws: &'w mut [u8]) -> Bootstrap<'w> {
    run(card, keys, Config::new([9; 16]), ws, None).unwrap()
}

/// The new bootstrap EF content: the demo with another lifetime.
fn new_file(cfg: &CardConfig) -> Vec<u8> {
    let mut c = cfg.clone();
    c.server[0].lifetime = Some(3600);
    let mut f = bootstrap_data(&c.server).unwrap();
    f.resize(cfg.file_size, 0xFF);
    f
}

fn digest_of(card: &mut VirtualCard, keys: &StaticKeys) -> ([u8; 32], Vec<u8>) {
    let mut ws = [0u8; 4096];
    let b = device_run(card, keys, &mut ws);
    (
        b.provenance.digest,
        b.provenance.file_path.as_bytes().to_vec(),
    )
}

#[test]
fn replace_switches_files_and_back() {
    let cfg = demo();
    let keys = cfg.static_keys().unwrap();
    let mut card = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    let (old, path) = digest_of(&mut card, &keys);
    assert_eq!(path, [0x64, 0x32]);
    let new = new_file(&cfg);
    assert_eq!(
        replace_bootstrap(&mut card, &keys, &new),
        Ok(Replaced {
            from: [0x64, 0x32],
            to: [0x64, 0x33]
        })
    );
    let (d1, path) = digest_of(&mut card, &keys);
    assert_eq!(path, [0x64, 0x33]);
    assert_ne!(d1, old);
    // The next update goes back to the first file.
    let back = {
        let mut c = cfg.clone();
        c.server[0].lifetime = Some(7200);
        let mut f = bootstrap_data(&c.server).unwrap();
        f.resize(cfg.file_size, 0xFF);
        f
    };
    assert_eq!(
        replace_bootstrap(&mut card, &keys, &back).unwrap().to,
        [0x64, 0x32]
    );
    let (d2, path) = digest_of(&mut card, &keys);
    assert_eq!(path, [0x64, 0x32]);
    assert_ne!(d2, d1);
    // A file of the wrong size is refused before anything is written.
    let e = replace_bootstrap(&mut card, &keys, &back[..100]).unwrap_err();
    assert_eq!(e, "the new file is 100 bytes, the bootstrap EF 512");
    assert_eq!(digest_of(&mut card, &keys).0, d2);
}

#[test]
fn torn_at_every_byte_keeps_the_old_or_gives_the_whole_new() {
    let cfg = demo();
    let keys = cfg.static_keys().unwrap();
    let new = new_file(&cfg);
    // The bytes a full replace writes: the spare file, then the switch byte.
    let total = new.len() + 1;
    let (old_digest, new_digest) = {
        let mut card = VirtualCard::new(build(&cfg).unwrap()).unwrap();
        let old = digest_of(&mut card, &keys).0;
        replace_bootstrap(&mut card, &keys, &new).unwrap();
        (old, digest_of(&mut card, &keys).0)
    };
    let (mut unchanged, mut changed) = (0, 0);
    for budget in 0..=total {
        let mut card = VirtualCard::new(build(&cfg).unwrap()).unwrap();
        let mut monitor = Monitor::new();
        let mut ws = [0u8; 4096];
        monitor.applied(&device_run(&mut card, &keys, &mut ws));

        card.tear_after(Some(budget));
        let r = replace_bootstrap(&mut card, &keys, &new);
        assert_eq!(
            r.is_ok(),
            budget == total,
            "torn after {budget} bytes: {r:?}"
        );
        assert_eq!(card.is_torn(), budget < total);
        // The card is put back: the device checks.
        card.reset();
        let mut ws = [0u8; 4096];
        let fresh = run(&mut card, &keys, Config::new([8; 16]), &mut ws, None);
        match monitor.check(fresh) {
            Ok(Verdict::Unchanged) => {
                assert!(budget < total, "{budget}");
                unchanged += 1;
            }
            Ok(Verdict::Changed(b)) => {
                assert_eq!(b.provenance.digest, new_digest, "partial data at {budget}");
                assert_eq!(budget, total);
                changed += 1;
            }
            r => panic!("torn after {budget} bytes: {r:?}"),
        }
        // The update, repeated, completes; the device sees the whole new file.
        replace_bootstrap(&mut card, &keys, &new).unwrap();
        let mut ws = [0u8; 4096];
        let b = device_run(&mut card, &keys, &mut ws);
        assert_eq!(b.provenance.digest, new_digest);
        assert_ne!(b.provenance.digest, old_digest);
    }
    assert_eq!((unchanged, changed), (total, 1));
}

/// Why the A/B scheme: written in place, some tear points leave a file that
/// parses and that the device would apply, although it is neither the old
/// nor the new one.
#[test]
fn in_place_writes_tear_into_files_that_parse() {
    let cfg = demo();
    let keys = cfg.static_keys().unwrap();
    let mut new = demo();
    // New keys for both servers, same lengths: every byte in place.
    new.server[0].psk_key = Some("f0".repeat(16));
    new.server[1].psk_key = Some("0f".repeat(16));
    let mut file = bootstrap_data(&new.server).unwrap();
    file.resize(cfg.file_size, 0xFF);
    let mut old = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    let old_digest = digest_of(&mut old, &keys).0;
    let mut full = VirtualCard::new(build(&cfg).unwrap()).unwrap();
    update_file(&mut full, &keys, [0x64, 0x32], &file).unwrap();
    let new_digest = digest_of(&mut full, &keys).0;
    let mut partial_applied = 0;
    for budget in 0..file.len() {
        let mut card = VirtualCard::new(build(&cfg).unwrap()).unwrap();
        card.tear_after(Some(budget));
        assert!(update_file(&mut card, &keys, [0x64, 0x32], &file).is_err());
        card.reset();
        let mut ws = [0u8; 4096];
        if let Ok(b) = run(&mut card, &keys, Config::new([8; 16]), &mut ws, None) {
            let d = b.provenance.digest;
            if d != old_digest && d != new_digest {
                partial_applied += 1;
            }
        }
    }
    assert!(partial_applied > 0, "no tear point gave a parsable mix");
}
