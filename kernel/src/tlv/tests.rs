//! Unit tests of LwM2M TLV.

use super::record::*;
use super::*;
use crate::span::Span;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;
// proptest's assertion macros call `format!` unqualified (this crate is no_std).
#[allow(unused_imports)]
use std::format;

#[test]
fn tlv_type_masks_match_the_types() {
    let all = [
        TlvType::ObjectInstance,
        TlvType::ResourceInstance,
        TlvType::MultipleResource,
        TlvType::Resource,
    ];
    let mask = |f: &dyn Fn(TlvType) -> bool| {
        all.iter()
            .filter(|t| f(**t))
            .fold(0u8, |m, t| m | 1 << (t.bits() >> 6))
    };
    assert_eq!(MASK_ANY, mask(&|_| true));
    assert_eq!(
        MASK_OBJECT_INSTANCE,
        mask(&|t| t == TlvType::ObjectInstance)
    );
    assert_eq!(
        MASK_IN_OBJECT_INSTANCE,
        mask(&|t| TlvType::ObjectInstance.allows(t))
    );
    assert_eq!(
        MASK_IN_MULTIPLE_RESOURCE,
        mask(&|t| TlvType::MultipleResource.allows(t))
    );
    for t in all {
        assert_eq!(TlvType::from_bits(t.bits()), t);
    }
}

/// TLV-shaped bytes from a stream of decisions: every header form, any
/// type at any depth (so nesting errors occur), short values.
fn build(decisions: &mut impl Iterator<Item = u8>, depth: u8, out: &mut Vec<u8>) {
    let count = decisions.next().unwrap_or(0) % 4;
    for _ in 0..count {
        let d = decisions.next().unwrap_or(0);
        let kind = d >> 6;
        let wide_id = d & 0x20 != 0;
        let mut body = Vec::new();
        if (kind == 0 || kind == 2) && depth < 3 {
            build(decisions, depth + 1, &mut body);
        } else {
            let n = usize::from(decisions.next().unwrap_or(0) % 12);
            body.extend(core::iter::repeat_n(0xA5, n));
        }
        // Length form: the smallest that fits, or a wider one.
        let form = if body.len() < 8 && d & 0x18 == 0 {
            0
        } else {
            (usize::from(d >> 3 & 3)).max(1)
        };
        out.push(
            kind << 6
                | u8::from(wide_id) << 5
                | (form as u8) << 3
                | if form == 0 { body.len() as u8 } else { 0 },
        );
        out.push(d);
        if wide_id {
            out.push(0x01);
        }
        let len = body.len().to_be_bytes();
        out.extend_from_slice(&len[len.len() - form..]);
        out.extend_from_slice(&body);
    }
}

/// The generator is not vacuous: both outcomes occur often, for both tops.
#[test]
fn structure_check_sees_valid_and_invalid_inputs() {
    let mut x: u32 = 0x1234_5678;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 8) as u8
    };
    let mut counts = [[0u32; 2]; 2];
    let cases: u32 = if cfg!(miri) { 200 } else { 3000 };
    for _ in 0..cases {
        let decisions: Vec<u8> = (0..40).map(|_| next()).collect();
        let mut b = Vec::new();
        build(&mut decisions.into_iter(), 0, &mut b);
        for (k, top) in [MASK_ANY, MASK_OBJECT_INSTANCE].into_iter().enumerate() {
            let fast = structure_ok(&b, top);
            assert_eq!(fast, validate_run_precise(Span::new(&b), top).is_ok());
            counts[k][usize::from(fast)] += 1;
        }
    }
    for c in counts {
        assert!(c[0] > cases / 10 && c[1] > cases / 10, "{counts:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 16 } else { 4000 }))]
    /// The one-pass check accepts exactly what the record walk accepts,
    /// for valid, mis-nested, corrupted and truncated inputs.
    #[test]
    fn structure_check_agrees_with_record_walk(
        decisions in proptest::collection::vec(any::<u8>(), 0..48),
        corrupt in proptest::option::of((any::<prop::sample::Index>(), any::<u8>())),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut b = Vec::new();
        build(&mut decisions.into_iter(), 0, &mut b);
        if let (Some((at, v)), false) = (corrupt, b.is_empty()) {
            let i = at.index(b.len());
            b[i] = v;
        }
        if let (Some(at), false) = (cut, b.is_empty()) {
            let n = at.index(b.len());
            b.truncate(n);
        }
        for top in [MASK_ANY, MASK_OBJECT_INSTANCE] {
            prop_assert_eq!(
                structure_ok(&b, top),
                validate_run_precise(Span::new(&b), top).is_ok(),
                "top {:04b} bytes {:02x?}", top, b
            );
        }
    }
}

/// Every type byte, at the top level, inside an Object Instance and inside
/// a Multiple Resource, followed by identifier, length and value bytes cut
/// at every length: the one-pass check accepts exactly what the record walk
/// accepts. (Its fast arms take two header forms and leave the others to
/// the general decoder; this reaches every form deterministically.)
#[test]
fn structure_check_agrees_with_record_walk_for_every_type_byte() {
    let tail = [
        0x05u8, 0x00, 0x03, 0x01, 0xC1, 0x02, 0x07, 0x41, 0x00, 0x01, 0x09,
    ];
    let (mut accepted, mut refused) = (0, 0);
    for t in type_bytes() {
        for cut in 0..=tail.len() {
            let mut child = Vec::new();
            child.push(t);
            child.extend_from_slice(&tail[..cut]);
            let n = child.len() as u8;
            let top_level = child.clone();
            let mut in_instance = vec![0x08, 0x00, n];
            in_instance.extend_from_slice(&child);
            let mut in_multiple = vec![0x08, 0x00, n + 3, 0x88, 0x05, n];
            in_multiple.extend_from_slice(&child);
            for b in [top_level, in_instance, in_multiple] {
                for top in [MASK_ANY, MASK_OBJECT_INSTANCE] {
                    let fast = structure_ok(&b, top);
                    assert_eq!(
                        fast,
                        validate_run_precise(Span::new(&b), top).is_ok(),
                        "top {top:04b} bytes {b:02x?}"
                    );
                    if fast {
                        accepted += 1;
                    } else {
                        refused += 1;
                    }
                }
            }
        }
    }
    let enough = if cfg!(miri) { 10 } else { 300 };
    assert!(
        accepted > enough && refused > enough,
        "{accepted} {refused}"
    );
}

/// The raw walk under the typed decode, on every type byte followed by
/// identifier, length and value bytes cut at every length: the record the
/// precise parser reads (type, identifier, header length, value), or
/// nothing where it refuses. Its fast arms take two header forms and leave
/// the others to the general decoder; this reaches every form.
#[test]
fn raw_walk_reads_every_header_form_as_the_parser_does() {
    let tail = [
        0x05u8, 0x00, 0x03, 0x01, 0xC1, 0x02, 0x07, 0x41, 0x00, 0x01, 0x09,
    ];
    let mut read = 0;
    for t in type_bytes() {
        for cut in 0..=tail.len() {
            let mut b = vec![t];
            b.extend_from_slice(&tail[..cut]);
            let raw = RawRecords::new(&b).next();
            match record_slow(Span::new(&b)) {
                Ok((r, _)) => {
                    let header_len = r.value_offset() - r.offset();
                    assert_eq!(raw, Some((t, r.id(), header_len, r.value())), "{b:02x?}");
                    read += 1;
                }
                Err(_) => assert_eq!(raw, None, "{b:02x?}"),
            }
        }
    }
    assert!(read > if cfg!(miri) { 20 } else { 1000 }, "{read}");
}

/// Every type byte; under Miri, one of each header form and type (the
/// edges of the identifier, length-form and type bits).
fn type_bytes() -> Vec<u8> {
    if cfg!(miri) {
        vec![
            0x00, 0x07, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x3F, 0x40, 0x48, 0x68, 0x80,
            0x88, 0xB8, 0xC0, 0xC5, 0xC8, 0xE8, 0xF8, 0xFF,
        ]
    } else {
        (0..=255).collect()
    }
}

/// The record header's fast arms (8-bit identifier, length in the type
/// byte or one length octet) against the general parser they stand in
/// for: every type byte, cut at every length, at an offset: the same
/// record and rest, or the same error. With the `fast-paths` feature off
/// the general parser runs alone, so the two builds agree.
#[test]
fn record_fast_arms_read_as_the_general_parser() {
    let tail = [
        0x05u8, 0x00, 0x03, 0x01, 0xC1, 0x02, 0x07, 0x41, 0x00, 0x01, 0x09,
    ];
    let mut fast = 0;
    for t in type_bytes() {
        for cut in 0..=tail.len() {
            let mut b = vec![t];
            b.extend_from_slice(&tail[..cut]);
            let span = Span::at(&b, 5);
            let general = record_slow(span);
            assert_eq!(record(span), general, "{b:02x?}");
            fast += usize::from(t & 0x20 == 0 && t & 0x10 == 0 && general.is_ok());
        }
    }
    assert!(fast > if cfg!(miri) { 10 } else { 500 }, "{fast}");
}
