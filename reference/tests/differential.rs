//! Kernel against model on the same bytes: the same value, or the same
//! error class at the same offset.

mod common;
use common::hex;

use proptest::prelude::*;
use scboot_reference::mirror::compare_all;

/// Valid files of every format, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let mut boot = hex("00 02 00 4E 00 00 00 00 31 08 00 2E C8 00 25");
    boot.extend_from_slice(b"coap://leshan.eclipseprojects.io:5783");
    boot.extend(hex("C1 01 01 C1 02 03 00 01 01 01 00 12 08 00 0F C1 00 65 C4 01 00015180 C1 07 55 C1 06 01 FF FF"));
    vec![
        hex("61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015 FFFF 61 0B 4F 05 A000000063 50 02 4142"),
        hex("A7 06 30 04 04 02 64 30 A8 0E 30 0C 04 04 3F00 4401 02 01 00 80 01 10 A0 04 A0 02 05 00"),
        hex("A1 27 30 00 30 11 0C 0F 4C774D324D20426F6F747374726170 A1 10 30 0E 06 06 06 04 67 2B 09 01 30 04 04 02 64 32"),
        hex("30 1A 30 00 30 06 06 04 67 2B 09 01 A1 0E 30 0C 04 04 3F00 6431 02 01 00 80 01 10"),
        hex("30 1F 30 0D 0C 02 4142 03 02 06 C0 04 01 01 30 00 30 00 A0 02 05 00 A1 08 A0 06 04 04 01020304"),
        hex("A0 0F 30 03 02 01 03 30 00 A1 06 13 04 6874 7470"),
        hex("30 2F 02 01 00 04 04 01020304 0C 03 616263 80 02 4C4D 03 02 06 40 30 00 A5 11 18 0F 3230323430313031313230303030 5A 13 02 656E"),
        boot,
        hex("08 00 0B C3 00 616263 C1 01 01 C1 02 03 88 10 06 41 00 01 41 01 02"),
    ]
}

fn mutated() -> impl Strategy<Value = Vec<u8>> {
    (
        0..seeds().len(),
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..4),
    )
        .prop_map(|(i, muts)| {
            let mut v = seeds()[i].clone();
            for (at, byte, op) in muts {
                if v.is_empty() {
                    v.push(byte);
                    continue;
                }
                let k = at.index(v.len());
                match op {
                    0 => v[k] = byte,
                    1 => v[k] ^= 1 << (byte % 8),
                    2 => {
                        v.insert(k, byte);
                    }
                    _ => {
                        v.remove(k);
                    }
                }
            }
            v
        })
}

#[test]
fn seeds_agree() {
    for s in seeds() {
        compare_all(&s).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn random_bytes_agree(b in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Err(e) = compare_all(&b) { prop_assert!(false, "{}", e); }
    }

    #[test]
    fn mutated_files_agree(b in mutated()) {
        if let Err(e) = compare_all(&b) { prop_assert!(false, "{}", e); }
    }
}

#[test]
fn each_seed_is_accepted_by_its_format_on_both_sides() {
    use scboot_reference::{bootstrap, dir, dodf, mirror, odf, tlv, tokeninfo};
    let s = seeds();
    assert_eq!(mirror::dir(&s[0]).unwrap().len(), 2);
    assert_eq!(dir::parse(&s[0]).unwrap().len(), 2);
    assert_eq!(mirror::odf(&s[1]).unwrap().len(), 3);
    assert_eq!(odf::parse(&s[1]).unwrap().len(), 3);
    for (i, rule) in [(2, 2u8), (3, 3)] {
        assert_eq!(mirror::dodf(&s[i]).unwrap().1, Some((0, rule)));
        assert_eq!(
            dodf::find_bootstrap(&dodf::parse(&s[i]).unwrap()),
            Some((0, rule))
        );
    }
    assert_eq!(mirror::dodf(&s[4]).unwrap().0.len(), 1);
    assert_eq!(dodf::parse(&s[5]).unwrap()[0].kind, 1);
    assert!(mirror::tokeninfo(&s[6]).is_ok() && tokeninfo::parse(&s[6]).is_ok());
    assert_eq!(mirror::bootstrap(&s[7]).unwrap().len(), 2);
    assert_eq!(bootstrap::parse(&s[7]).unwrap()[1].object_id, 1);
    assert_eq!(mirror::tlv(&s[8]).unwrap().len(), 2);
    assert_eq!(tlv::parse(&s[8]).unwrap()[1].children.len(), 2);
}

#[test]
fn the_comparison_catches_a_divergence() {
    use scboot_reference::mirror::compare;
    use scboot_reference::RefError;
    assert!(compare("v", Ok(1), Ok(2)).is_err());
    let e = |c: &'static str, o| {
        Err(RefError {
            class: c,
            offset: o,
            detail: String::new(),
        })
    };
    assert!(compare::<u8>("c", Err(("Truncated".into(), 3)), e("Truncated", 4)).is_err());
    assert!(compare::<u8>("c", Err(("Truncated".into(), 3)), e("TrailingData", 3)).is_err());
    assert!(compare::<u8>("c", Err(("Truncated".into(), 3)), e("Truncated", 3)).is_ok());
    assert!(compare("c", Ok(1u8), e("Truncated", 3)).is_err());
}
