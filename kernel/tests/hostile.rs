//! Arbitrary bytes never make a parser panic, and what a parser accepts its
//! iterators walk completely (validation and iteration agree).

use proptest::prelude::*;

use scboot::bootstrap::BootstrapFile;
use scboot::dir::{ApplicationTemplate, EfDir};
use scboot::dodf::Dodf;
use scboot::lwm2m::{SecurityInstance, ServerInstance};
use scboot::odf::Odf;
use scboot::tlv::{Records, Tlv};
use scboot::tokeninfo::TokenInfo;

fn walk(r: Records<'_>) -> usize {
    r.map(|x| {
        let _ = (
            x.as_integer(),
            x.as_float(),
            x.as_bool(),
            x.as_str(),
            x.as_objlnk(),
            x.as_unsigned(),
        );
        1 + walk(x.children())
    })
    .sum()
}

fn all(b: &[u8]) {
    if let Ok(d) = EfDir::parse(b) {
        assert_eq!(d.templates().count(), d.len());
    }
    let _ = ApplicationTemplate::parse_record(b);
    if let Ok(o) = Odf::parse(b) {
        assert_eq!(o.entries().count(), o.len());
    }
    if let Ok(d) = Dodf::parse(b) {
        assert_eq!(d.entries().count(), d.len());
        let _ = d.find_lwm2m_bootstrap();
    }
    let _ = TokenInfo::parse(b);
    if let Ok(f) = BootstrapFile::parse(b) {
        assert_eq!(f.objects().count(), usize::from(f.object_count()));
        for o in f.objects() {
            for i in o.instances() {
                let _ = SecurityInstance::from_record(&i);
                let _ = ServerInstance::from_record(&i);
            }
        }
    }
    if let Ok(t) = Tlv::parse(b) {
        walk(t.records());
        for i in t.records() {
            let _ = SecurityInstance::from_record(&i);
            let _ = ServerInstance::from_record(&i);
        }
    }
    let _ = scboot::ber::validate(b, scboot::ber::MAX_DEPTH);
}

/// Bytes biased towards the tags and lengths the formats use.
fn structured() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(vec![
            0x00u8, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08, 0x0C, 0x13, 0x18, 0x30, 0x4F, 0x50, 0x51,
            0x61, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xA0, 0xA1, 0xA5, 0xA7, 0xC1, 0xC8, 0xE8, 0xF8,
            0xFF,
        ]),
    ];
    prop::collection::vec(byte, 0..64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 8 } else { 2000 }))]

    #[test]
    fn random_bytes(b in prop::collection::vec(any::<u8>(), 0..128)) {
        all(&b);
    }

    #[test]
    fn structured_bytes(b in structured()) {
        all(&b);
    }
}
