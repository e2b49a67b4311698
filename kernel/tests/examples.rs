//! The format examples (EF.DIR and ODF built after ISO 7816-4 and PKCS #15;
//! a real card's DODF and bootstrap file; see corpus/vectors/SOURCES.md),
//! decoded to their exact meaning.

mod common;
use common::hex;

use scboot::ber::Oid;
use scboot::bootstrap::{BootstrapFile, ObjectVersion};
use scboot::dir::{EfDir, PKCS15_AID};
use scboot::dodf::{BootstrapRule, DataObjectKind, Dodf, ObjectValue};
use scboot::lwm2m::{SecurityInstance, SecurityMode};
use scboot::odf::{ObjectClass, Odf, OdfLocation};
use scboot::path::Path;
use scboot::tlv::TlvType;

#[test]
fn ef_dir_example() {
    // ISO 7816-4 application template: 61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015
    let bytes = hex("61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015");
    let dir = EfDir::parse(&bytes).unwrap();
    assert_eq!(dir.len(), 1);
    let t = dir.templates().next().unwrap();
    assert_eq!(t.aid, PKCS15_AID);
    assert_eq!(t.path, Some(&[0x3F, 0x00, 0x50, 0x15][..]));
    assert_eq!(t.label, None);
    assert!(t.is_pkcs15());
    assert_eq!(dir.pkcs15(), Some(t));
}

#[test]
fn ef_dir_linear_fixed_records_with_padding() {
    let mut rec1 = hex("61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015");
    rec1.resize(32, 0xFF);
    let rec2 = vec![0xFF; 32]; // an unused record
    let t = scboot::dir::ApplicationTemplate::parse_record(&rec1)
        .unwrap()
        .unwrap();
    assert!(t.is_pkcs15());
    assert_eq!(
        scboot::dir::ApplicationTemplate::parse_record(&rec2).unwrap(),
        None
    );
    // The records read back to back, as one buffer.
    let mut all = rec1.clone();
    all.extend_from_slice(&rec2);
    assert_eq!(EfDir::parse(&all).unwrap().len(), 1);
}

#[test]
fn odf_example() {
    // A7 06 30 04 04 02 64 30 -> DODF at 6430.
    let bytes = hex("A7 06 30 04 04 02 64 30");
    let odf = Odf::parse(&bytes).unwrap();
    let e = odf.entries().next().unwrap();
    assert_eq!(e.class, ObjectClass::DataObjects);
    assert_eq!(e.location, OdfLocation::Path(Path::new(&[0x64, 0x30])));
    let paths: Vec<_> = odf.data_object_paths().collect();
    assert_eq!(paths, [Path::new(&[0x64, 0x30])]);
}

#[test]
fn odf_several_dodfs_in_file_order() {
    // DODF 6430, certificates 4402, DODF 6431, a direct-form DODF (skipped:
    // no path), padding, DODF 6432; and an ODF with no DODF at all.
    let bytes = hex(
        "A7 06 30 04 04 02 64 30  A4 06 30 04 04 02 44 02  A7 06 30 04 04 02 64 31
         A7 04 A0 02 30 00  FF FF  A7 06 30 04 04 02 64 32",
    );
    let odf = Odf::parse(&bytes).unwrap();
    assert_eq!(odf.len(), 5);
    let paths: Vec<_> = odf.data_object_paths().map(|p| p.path.to_vec()).collect();
    assert_eq!(paths, [[0x64, 0x30], [0x64, 0x31], [0x64, 0x32]]);
    // The iterator can be taken twice, knows how many paths are left and
    // stops after the last DODF.
    let mut it = odf.data_object_paths();
    for left in (0..=3).rev() {
        assert_eq!((it.len(), it.size_hint()), (left, (left, Some(left))));
        assert_eq!(it.next().is_some(), left > 0);
    }
    let certs_only = hex("A4 06 30 04 04 02 44 02");
    let none = Odf::parse(&certs_only).unwrap();
    assert_eq!(none.data_object_paths().len(), 0);
    assert_eq!(none.data_object_paths().next(), None);
    // EF.DIR: the PKCS#15 template is found behind another one.
    let two =
        hex("61 0B 4F 09 A0000000871002FF49  61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015");
    let dir = EfDir::parse(&two).unwrap();
    assert_eq!(
        dir.pkcs15().unwrap().path,
        Some(&[0x3F, 0x00, 0x50, 0x15][..])
    );
    assert_eq!(dir.pkcs15(), dir.templates().nth(1));
}

#[test]
fn real_card_dodf_double_encoded_oid() {
    // nRF Connect SDK test trace.
    let bytes = hex(
        "A1 27 30 00 30 11 0C 0F 4C774D324D 20 426F6F747374726170 A1 10 30 0E 06 06 06 04 67 2B 09 01 30 04 04 02 64 32",
    );
    let dodf = Dodf::parse(&bytes).unwrap();
    assert_eq!(dodf.len(), 1);
    let o = dodf.entries().next().unwrap();
    assert_eq!(o.common.label, None);
    assert_eq!(o.common.flags, None);
    assert_eq!(o.data.application_name, Some("LwM2M Bootstrap"));
    assert_eq!(o.data.application_oid, None);
    match o.kind {
        DataObjectKind::Oid(id) => {
            assert_eq!(id.as_bytes(), &[0x06, 0x04, 0x67, 0x2B, 0x09, 0x01]);
        }
        other => panic!("expected oidDO, got {other:?}"),
    }
    assert_eq!(o.value, ObjectValue::Path(Path::new(&[0x64, 0x32])));
    let m = dodf.find_lwm2m_bootstrap().unwrap();
    assert_eq!(m.entry, 0);
    assert_eq!(m.rule, BootstrapRule::DoubleEncodedOid);
}

#[test]
fn registered_oid_and_opaque_rules_in_dodf_order() {
    // Entry 0: opaqueDO with applicationOID 2.23.43.9.1 (rule 3);
    // entry 1: oidDO with the registered OID (rule 1). First in file order wins.
    // The opaque entry carries a Path with index 0 and length 16.
    let opaque =
        hex("30 1A 30 00 30 06 06 04 67 2B 09 01 A1 0E 30 0C 04 04 3F00 6431 02 01 00 80 01 10");
    let oid = hex("A1 14 30 00 30 00 A1 0E 30 0C 06 04 67 2B 09 01 30 04 04 02 64 33");
    let mut both = opaque.clone();
    both.extend_from_slice(&oid);
    let dodf = Dodf::parse(&both).unwrap();
    assert_eq!(dodf.len(), 2);
    let m = dodf.find_lwm2m_bootstrap().unwrap();
    assert_eq!(m.entry, 0);
    assert_eq!(m.rule, BootstrapRule::OpaqueApplicationOid);
    let p = m.object.value.path().unwrap();
    assert_eq!(p.path, &[0x3F, 0x00, 0x64, 0x31]);
    let il = p.index_length.unwrap();
    assert_eq!((il.index, il.length), (0, 16));

    let dodf = Dodf::parse(&oid).unwrap();
    let m = dodf.find_lwm2m_bootstrap().unwrap();
    assert_eq!(m.rule, BootstrapRule::RegisteredOid);
    assert_eq!(m.object.kind, DataObjectKind::Oid(Oid::LWM2M_BOOTSTRAP));
}

#[test]
fn unknown_dodf_entries_are_skipped() {
    // A2 ... is not a DataType alternative this crate knows: skipped.
    let mut bytes = hex("A2 03 02 01 05");
    bytes.extend(hex(
        "A1 14 30 00 30 00 A1 0E 30 0C 06 04 67 2B 09 01 30 04 04 02 64 33",
    ));
    bytes.extend([0xFF, 0xFF, 0x00]);
    let dodf = Dodf::parse(&bytes).unwrap();
    assert_eq!(dodf.len(), 1);
    assert_eq!(dodf.find_lwm2m_bootstrap().unwrap().entry, 0);
}

fn real_card_bootstrap() -> Vec<u8> {
    let mut b = hex("00 01 00 36 00 00 00 00 31 08 00 2E C8 00 25");
    b.extend_from_slice(b"coap://leshan.eclipseprojects.io:5783");
    b.extend(hex("C1 01 01 C1 02 03 FF FF"));
    b
}

#[test]
fn real_card_bootstrap_file() {
    let bytes = real_card_bootstrap();
    let bf = BootstrapFile::parse(&bytes).unwrap();
    assert_eq!(bf.object_count(), 1);
    assert_eq!(bf.size(), 0x36);
    let objs: Vec<_> = bf.objects().collect();
    assert_eq!(objs.len(), 1);
    let o = objs[0];
    assert_eq!(o.object_id, 0);
    assert_eq!(o.version, ObjectVersion::Implicit);
    assert_eq!(o.version.to_string(), "1.0");
    let insts: Vec<_> = o.instances().collect();
    assert_eq!(insts.len(), 1);
    let inst = insts[0];
    assert_eq!(inst.kind(), TlvType::ObjectInstance);
    assert_eq!(inst.id(), 0);
    let res: Vec<_> = inst
        .children()
        .map(|r| (r.kind(), r.id(), r.value().to_vec()))
        .collect();
    assert_eq!(
        res,
        vec![
            (
                TlvType::Resource,
                0,
                b"coap://leshan.eclipseprojects.io:5783".to_vec()
            ),
            (TlvType::Resource, 1, vec![0x01]),
            (TlvType::Resource, 2, vec![0x03]),
        ]
    );
    let sec = SecurityInstance::from_record(&inst).unwrap();
    assert_eq!(
        sec.server_uri,
        Some("coap://leshan.eclipseprojects.io:5783")
    );
    assert_eq!(sec.bootstrap_server, Some(true));
    assert_eq!(sec.security_mode, Some(SecurityMode::NoSec));
    assert_eq!(sec.short_server_id, None);
}

fn encode_tlv(item: &scboot::tlv::TlvItem<'_>) -> Vec<u8> {
    use scboot::ber::Encode;
    let mut buf = vec![0u8; item.encoded_len()];
    assert_eq!(item.encode(&mut buf).unwrap(), buf.len());
    buf
}

#[test]
fn security_mode_values_and_names() {
    let all = [
        (0, SecurityMode::Psk, "psk"),
        (1, SecurityMode::Rpk, "rpk"),
        (2, SecurityMode::Certificate, "certificate"),
        (3, SecurityMode::NoSec, "nosec"),
        (4, SecurityMode::CertificateEst, "certificate_est"),
    ];
    for (v, mode, name) in all {
        assert_eq!(SecurityMode::from_value(v), Some(mode));
        assert_eq!(mode.value(), v);
        assert_eq!(mode.name(), name);
    }
    for v in [-1, 5, 6, i64::MAX, i64::MIN] {
        assert_eq!(SecurityMode::from_value(v), None);
    }
}

/// Every resource of a Security and a Server instance lands in its own
/// typed field: distinct values, so a swapped or dropped arm shows.
#[test]
fn security_and_server_views_read_every_resource() {
    use scboot::lwm2m::ServerInstance;
    use scboot::tlv::{ObjLnk, Tlv, TlvItem, ValueBytes};
    let int = |v: i64| ValueBytes::integer(v);
    let (i6, i11, i12, i13, i15) = (int(6), int(11), int(12), int(13), int(15));
    let (mode, ssid) = (int(4), int(0x1234));
    let t = ValueBytes::boolean(true);
    let lnk = ValueBytes::objlnk(ObjLnk {
        object_id: 21,
        instance_id: 3,
    });
    let (cs0, cs1) = (int(0xC0A8), int(0x00AE));
    let suites = [
        TlvItem::resource_instance(0, cs0.as_bytes()),
        TlvItem::resource_instance(1, cs1.as_bytes()),
    ];
    let sec_res = [
        TlvItem::resource(0, b"coaps://s.example:5684"),
        TlvItem::resource(1, t.as_bytes()),
        TlvItem::resource(2, mode.as_bytes()),
        TlvItem::resource(3, b"id3"),
        TlvItem::resource(4, b"spk4"),
        TlvItem::resource(5, b"secret5"),
        TlvItem::resource(6, i6.as_bytes()),
        TlvItem::resource(7, b"kp7"),
        TlvItem::resource(8, b"sk8"),
        TlvItem::resource(9, b"+4912345"),
        TlvItem::resource(10, ssid.as_bytes()),
        TlvItem::resource(11, i11.as_bytes()),
        TlvItem::resource(12, i12.as_bytes()),
        TlvItem::resource(13, i13.as_bytes()),
        TlvItem::resource(14, b"sni14"),
        TlvItem::resource(15, i15.as_bytes()),
        TlvItem::multiple_resource(16, &suites),
        TlvItem::resource(17, lnk.as_bytes()),
        TlvItem::resource(99, b"unknown resources are kept in the record"),
    ];
    let bytes = encode_tlv(&TlvItem::object_instance(7, &sec_res));
    let tlv = Tlv::parse(&bytes).unwrap();
    let rec = tlv.records().next().unwrap();
    let s = SecurityInstance::from_record(&rec).unwrap();
    assert_eq!(s.instance_id(), 7);
    assert_eq!(s.server_uri, Some("coaps://s.example:5684"));
    assert_eq!(s.bootstrap_server, Some(true));
    assert_eq!(s.security_mode, Some(SecurityMode::CertificateEst));
    assert_eq!(s.public_key_or_identity, Some(&b"id3"[..]));
    assert_eq!(s.server_public_key, Some(&b"spk4"[..]));
    assert_eq!(s.secret_key, Some(&b"secret5"[..]));
    assert_eq!(s.sms_security_mode, Some(6));
    assert_eq!(s.sms_binding_key_parameters, Some(&b"kp7"[..]));
    assert_eq!(s.sms_binding_secret_keys, Some(&b"sk8"[..]));
    assert_eq!(s.server_sms_number, Some("+4912345"));
    assert_eq!(s.short_server_id, Some(0x1234));
    assert_eq!(s.client_hold_off_time, Some(11));
    assert_eq!(s.bootstrap_server_account_timeout, Some(12));
    assert_eq!(s.matching_type, Some(13));
    assert_eq!(s.sni, Some("sni14"));
    assert_eq!(s.certificate_usage, Some(15));
    let suites: Vec<i64> = s
        .ciphersuites
        .unwrap()
        .children()
        .map(|r| r.as_integer().unwrap())
        .collect();
    assert_eq!(suites, [0xC0A8, 0x00AE]);
    assert_eq!(
        s.oscore_security_mode,
        Some(ObjLnk {
            object_id: 21,
            instance_id: 3
        })
    );
    // Debug never prints the secret keys.
    let dbg = format!("{s:?}");
    assert!(dbg.contains("<redacted>") && !dbg.contains("secret5") && !dbg.contains("sk8"));

    let ints: Vec<ValueBytes> = (0..=23).map(|i| int(1000 + i)).collect();
    let b = |v: bool| ValueBytes::boolean(v);
    let (f, tr) = (b(false), b(true));
    let apn = ValueBytes::objlnk(ObjLnk {
        object_id: 11,
        instance_id: 0,
    });
    let ssid = int(77);
    let srv_res = [
        TlvItem::resource(0, ssid.as_bytes()),
        TlvItem::resource(1, ints[1].as_bytes()),
        TlvItem::resource(2, ints[2].as_bytes()),
        TlvItem::resource(3, ints[3].as_bytes()),
        TlvItem::resource(5, ints[5].as_bytes()),
        TlvItem::resource(6, tr.as_bytes()),
        TlvItem::resource(7, b"UQ"),
        TlvItem::resource(10, apn.as_bytes()),
        TlvItem::resource(11, ints[11].as_bytes()),
        TlvItem::resource(12, ints[12].as_bytes()),
        TlvItem::resource(13, ints[13].as_bytes()),
        TlvItem::resource(14, ints[14].as_bytes()),
        TlvItem::resource(15, tr.as_bytes()),
        TlvItem::resource(16, f.as_bytes()),
        TlvItem::resource(17, ints[17].as_bytes()),
        TlvItem::resource(18, ints[18].as_bytes()),
        TlvItem::resource(19, ints[19].as_bytes()),
        TlvItem::resource(20, ints[20].as_bytes()),
        TlvItem::resource(21, tr.as_bytes()),
        TlvItem::resource(22, b"T"),
        TlvItem::resource(23, f.as_bytes()),
    ];
    let bytes = encode_tlv(&TlvItem::object_instance(300, &srv_res));
    let tlv = Tlv::parse(&bytes).unwrap();
    let rec = tlv.records().next().unwrap();
    let s = ServerInstance::from_record(&rec).unwrap();
    assert_eq!(s.instance_id(), 300);
    assert_eq!(s.short_server_id, Some(77));
    assert_eq!(s.lifetime, Some(1001));
    assert_eq!(s.default_min_period, Some(1002));
    assert_eq!(s.default_max_period, Some(1003));
    assert_eq!(s.disable_timeout, Some(1005));
    assert_eq!(s.notification_storing, Some(true));
    assert_eq!(s.binding, Some("UQ"));
    assert_eq!(
        s.apn_link,
        Some(ObjLnk {
            object_id: 11,
            instance_id: 0
        })
    );
    assert_eq!(s.tls_dtls_alert_code, Some(1011));
    assert_eq!(s.last_bootstrapped, Some(1012));
    assert_eq!(s.registration_priority_order, Some(1013));
    assert_eq!(s.initial_registration_delay_timer, Some(1014));
    assert_eq!(s.registration_failure_block, Some(true));
    assert_eq!(s.bootstrap_on_registration_failure, Some(false));
    assert_eq!(s.communication_retry_count, Some(1017));
    assert_eq!(s.communication_retry_timer, Some(1018));
    assert_eq!(s.communication_sequence_delay_timer, Some(1019));
    assert_eq!(s.communication_sequence_retry_count, Some(1020));
    assert_eq!(s.trigger, Some(true));
    assert_eq!(s.preferred_transport, Some("T"));
    assert_eq!(s.mute_send, Some(false));
}

#[test]
fn objlnk_null_needs_both_halves() {
    use scboot::tlv::ObjLnk;
    assert!(ObjLnk::NULL.is_null());
    for (o, i) in [(0xFFFF, 0), (0, 0xFFFF), (0, 0), (0xFFFE, 0xFFFF)] {
        let l = ObjLnk {
            object_id: o,
            instance_id: i,
        };
        assert!(!l.is_null(), "{o:04X}:{i:04X}");
    }
}

#[test]
fn is_empty_agrees_with_len() {
    let dir_bytes = hex("61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015");
    for (bytes, n) in [(&dir_bytes[..], 1), (&[0xFF, 0xFF][..], 0), (&[][..], 0)] {
        let d = EfDir::parse(bytes).unwrap();
        assert_eq!((d.len(), d.is_empty()), (n, n == 0));
    }
    let odf_bytes = hex("A7 06 30 04 04 02 44 01");
    for (bytes, n) in [(&odf_bytes[..], 1), (&[0x00, 0x00][..], 0)] {
        let o = Odf::parse(bytes).unwrap();
        assert_eq!((o.len(), o.is_empty()), (n, n == 0));
    }
    let d = Dodf::parse(&[0xFF, 0xFF]).unwrap();
    assert_eq!((d.len(), d.is_empty()), (0, true));
}

#[test]
fn bit_strings_and_oids_read_as_written() {
    use scboot::ber::Element;
    fn bits(b: &[u8]) -> scboot::ber::BitString<'_> {
        let (e, _) = Element::parse(b).unwrap();
        e.bit_string().unwrap()
    }
    let empty = bits(&[0x03, 0x01, 0x00]);
    assert_eq!(
        (empty.len(), empty.is_empty(), empty.flags(32)),
        (0, true, 0)
    );
    assert!(!empty.bit(0));
    // 1 bit used: `1`.
    let one = bits(&[0x03, 0x02, 0x07, 0x80]);
    assert_eq!((one.len(), one.is_empty(), one.flags(32)), (1, false, 1));
    assert!(one.bit(0) && !one.bit(1));
    // 12 bits: 1010 0101 1100; bit 0 is the MSB of the first octet.
    let b = bits(&[0x03, 0x03, 0x04, 0xA5, 0xC0]);
    assert_eq!(b.len(), 12);
    let set: Vec<usize> = (0..16).filter(|&n| b.bit(n)).collect();
    assert_eq!(set, [0, 2, 5, 7, 8, 9]);
    assert_eq!(b.flags(32), 0b0011_1010_0101);
    assert_eq!(b.flags(3), 0b101);
    assert_eq!(b.flags(0), 0);
    // 40 bits: only the first 32 reach flags().
    let long = bits(&[0x03, 0x06, 0x00, 0x80, 0x00, 0x00, 0x01, 0xFF]);
    assert_eq!(long.flags(64), 0x8000_0001);

    assert_eq!(Oid::LWM2M_BOOTSTRAP.to_string(), "2.23.43.9.1");
    let oid = Oid::from_content(&[0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37]).unwrap();
    assert_eq!(oid.to_string(), "1.3.6.1.4.1.311");
    assert_eq!(format!("{oid:?}"), "Oid(1.3.6.1.4.1.311)");
    assert_eq!(Oid::from_content(&[0x00]).unwrap().to_string(), "0.0");
}

#[test]
fn odf_classes_by_tag_number() {
    let names = [
        "privateKeys",
        "publicKeys",
        "trustedPublicKeys",
        "secretKeys",
        "certificates",
        "trustedCertificates",
        "usefulCertificates",
        "dataObjects",
        "authObjects",
    ];
    for (n, name) in names.iter().enumerate() {
        let c = ObjectClass::from_tag_number(n as u32).unwrap();
        assert_eq!((c.tag_number(), c.name()), (n as u32, *name));
    }
    assert_eq!(ObjectClass::DataObjects.tag_number(), 7);
    assert_eq!(ObjectClass::from_tag_number(9), None);
    assert_eq!(ObjectClass::from_tag_number(u32::MAX), None);
}

#[test]
fn bootstrap_versions_and_object_bytes() {
    assert_eq!(ObjectVersion::Implicit.major_minor(), (1, 0));
    let v = ObjectVersion::Explicit { major: 1, minor: 2 };
    assert_eq!(
        (v.major_minor(), v.to_string()),
        ((1, 2), "1.2".to_string())
    );
    let bytes = real_card_bootstrap();
    let bf = BootstrapFile::parse(&bytes).unwrap();
    // Header (4) and padding (FF FF) excluded.
    assert_eq!(bf.object_bytes(), &bytes[4..bytes.len() - 2]);
    assert_eq!(bf.objects().map(|o| o.offset()).collect::<Vec<_>>(), [4]);
    // Two objects of 7 bytes each (header 5 + an empty Object Instance 0).
    let two = hex("00 02 00 0E  00 00 00 00 02 00 00  00 01 00 00 02 00 00");
    let bf = BootstrapFile::parse(&two).unwrap();
    let objs: Vec<_> = bf.objects().map(|o| (o.object_id, o.offset())).collect();
    assert_eq!(objs, [(0, 4), (1, 11)]);
}

#[test]
fn tlv_record_views() {
    use scboot::ber::Encode;
    use scboot::tlv::Tlv;
    assert_eq!(
        [
            TlvType::ObjectInstance,
            TlvType::ResourceInstance,
            TlvType::MultipleResource,
            TlvType::Resource
        ]
        .map(TlvType::snake_name),
        [
            "object_instance",
            "resource_instance",
            "multiple_resource",
            "resource"
        ]
    );
    assert_eq!(
        [
            TlvType::ObjectInstance,
            TlvType::ResourceInstance,
            TlvType::MultipleResource,
            TlvType::Resource
        ]
        .map(|t| t.to_string()),
        [
            "Object Instance",
            "Resource Instance",
            "Multiple Resource",
            "Resource"
        ]
    );
    // Resource 5 = 0x65A0B1C2 (time), resource 0x1234 = opaque 3 bytes.
    let bytes = hex("C4 05 65 A0 B1 C2  E3 12 34 AA BB CC");
    let tlv = Tlv::parse(&bytes).unwrap();
    let recs: Vec<_> = tlv.records().collect();
    assert_eq!(recs[0].as_time(), Ok(0x65A0_B1C2));
    let layout: Vec<_> = recs
        .iter()
        .map(|r| (r.offset(), r.header_len(), r.value_offset()))
        .collect();
    assert_eq!(layout, [(0, 2, 2), (6, 3, 9)]);
    assert_eq!(
        (recs[1].id(), recs[1].as_opaque()),
        (0x1234, &[0xAA, 0xBB, 0xCC][..])
    );
    // to_item re-encodes each record byte for byte.
    let mut out = Vec::new();
    for r in &recs {
        let item = r.to_item();
        let mut buf = vec![0u8; item.encoded_len()];
        item.encode(&mut buf).unwrap();
        out.extend(buf);
    }
    assert_eq!(out, bytes);
}

#[test]
fn bootstrap_rule_names() {
    assert_eq!(
        [
            BootstrapRule::RegisteredOid,
            BootstrapRule::DoubleEncodedOid,
            BootstrapRule::OpaqueApplicationOid
        ]
        .map(BootstrapRule::name),
        [
            "registered_oid",
            "double_encoded_oid",
            "opaque_application_oid"
        ]
    );
}

#[test]
fn tags_and_elements_print_their_identifier_octets() {
    use scboot::ber::{Element, Tag};
    assert_eq!(Tag::SEQUENCE.to_string(), "30");
    assert_eq!(format!("{:?}", Tag::context(7, true)), "Tag(a7)");
    assert_eq!(format!("{:?}", Tag::context(200, false)), "Tag(9f8148)");
    let (e, _) = Element::parse(&[0x04, 0x02, 0xAA, 0xBB]).unwrap();
    assert_eq!(
        format!("{e:?}"),
        "Element { tag: Tag(04), offset: 0, len: 2 }"
    );
}
