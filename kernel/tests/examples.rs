//! Every example of DESIGN.md section 2, decoded to its exact meaning.

use scboot::ber::Oid;
use scboot::bootstrap::{BootstrapFile, ObjectVersion};
use scboot::dir::{EfDir, PKCS15_AID};
use scboot::dodf::{BootstrapRule, DataObjectKind, Dodf, ObjectValue};
use scboot::lwm2m::{SecurityInstance, SecurityMode};
use scboot::odf::{ObjectClass, Odf, OdfLocation};
use scboot::path::Path;
use scboot::tlv::TlvType;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn ef_dir_example() {
    // DESIGN.md 2: 61 14 4F 0C A000000063504B43532D3135 51 04 3F00 5015
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
    // The iterator can be taken twice and stops after the last DODF.
    assert_eq!(odf.data_object_paths().count(), 3);
    let certs_only = hex("A4 06 30 04 04 02 44 02");
    let none = Odf::parse(&certs_only).unwrap();
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
