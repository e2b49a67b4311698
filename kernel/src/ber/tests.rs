//! Unit tests of the BER core.

use super::*;
use crate::span::Span;
use primitives::decode_bit_string;
use std::vec;
use std::vec::Vec;

/// `flags` (word arithmetic) against `bit` (one bit at a time), for every
/// unused-bit count, lengths 0..=6 octets and every n up to 40.
#[test]
fn flags_agree_with_bit_by_bit() {
    let octets = [0xA5u8, 0x3C, 0xFF, 0x01, 0x80, 0x7E];
    for len in 0..=octets.len() {
        for unused in 0..8u8 {
            if len == 0 && unused != 0 {
                continue;
            }
            let mut v = [0u8; 7];
            v[0] = unused;
            v[1..=len].copy_from_slice(&octets[..len]);
            let b = decode_bit_string(Span::new(&v[..=len])).unwrap();
            for n in 0..40 {
                let slow = (0..n.min(32)).fold(0u32, |acc, i| acc | (u32::from(b.bit(i)) << i));
                assert_eq!(b.flags(n), slow, "len {len} unused {unused} n {n}");
            }
        }
    }
}

/// The packed tag gives back its parts.
#[test]
fn tag_parts_round_trip() {
    for class in [
        TagClass::Universal,
        TagClass::Application,
        TagClass::ContextSpecific,
        TagClass::Private,
    ] {
        for constructed in [false, true] {
            for number in [
                0u32,
                1,
                30,
                31,
                127,
                128,
                16_383,
                (1 << 21) - 1,
                1 << 21,
                (1 << 24) - 1,
                1 << 24,
                u32::MAX,
            ] {
                let t = Tag::new(class, constructed, number);
                // Numbers above 2^24 - 1 are kept as 2^24 - 1: still not
                // encodable, and the class and constructed bit intact.
                let kept = number.min((1 << 24) - 1);
                assert_eq!(
                    (t.class(), t.is_constructed(), t.number()),
                    (class, constructed, kept)
                );
                assert_eq!(t.is_encodable(), number < (1 << 21));
                if number < 31 {
                    assert_eq!(Tag::low(t.first_byte()), t);
                }
            }
        }
    }
}

/// How a person reads a tag: its identifier octets as one big-endian number,
/// one octet for a low tag number, more for a high one.
#[test]
fn tag_identifiers_are_the_identifier_octets() {
    assert_eq!(Tag::INTEGER.identifier(), 0x02);
    assert_eq!(Tag::SEQUENCE.identifier(), 0x30);
    assert_eq!(Tag::context(1, true).identifier(), 0xA1);
    assert_eq!(Tag::context(31, false).identifier(), 0x9F1F);
    assert_eq!(
        Tag::new(TagClass::Application, true, 0x80).identifier(),
        0x7F_8100
    );
}

/// The element header's fast path (one identifier octet, short-form
/// length, value present) against the general parser it stands in for,
/// on every first octet and a set of length octets, cut at every length:
/// the same element and rest, or the same error. With the `fast-paths`
/// feature off the general parser runs alone, so the two builds agree.
#[test]
fn element_fast_path_reads_as_the_general_parser() {
    let firsts: Vec<u8> = if cfg!(miri) {
        vec![0x02, 0x04, 0x1E, 0x1F, 0x30, 0x80, 0xA1, 0xBF, 0xFF]
    } else {
        (0..=255).collect()
    };
    let lengths = [0x00u8, 0x01, 0x03, 0x05, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF];
    let tail = [0x05u8, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06];
    let mut fast = 0;
    for &t in &firsts {
        for &l in &lengths {
            for cut in 0..=tail.len() {
                let mut b = vec![t, l];
                b.extend_from_slice(&tail[..cut]);
                // At an offset, so that offsets are compared too.
                let span = Span::at(&b, 9);
                let general = element::next_element_slow(&b, 9);
                assert_eq!(element::next_element(span), general, "{b:02x?}");
                fast += usize::from(t & 0x1F != 0x1F && l < 0x80 && general.is_ok());
            }
        }
    }
    assert!(fast > if cfg!(miri) { 10 } else { 500 }, "{fast}");
}
