//! The bodies of the fuzz targets, shared by the targets and the corpus
//! replay test. Each panics on a finding.

pub mod gen;
pub mod hostile;

use scboot::ber::{Concat, Encode};
use scboot_reference::mirror;

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut out).expect("a parsed value re-encodes");
    assert_eq!(n, out.len());
    out
}

/// Every error formats (the CLI prints them), with its parts.
fn show(e: &scboot::Error) {
    let s = e.to_string();
    assert!(s.contains("at offset"), "{s}");
    let _ = (
        format!("{e:?}"),
        e.structure().name(),
        e.index(),
        e.kind().to_string(),
    );
}

/// The generic BER API over the same bytes: element, children, walker.
fn generic_ber(data: &[u8]) {
    match scboot::ber::Element::parse(data) {
        Ok((e, rest)) => {
            assert_eq!(e.encoded_len() + rest.len(), data.len());
            assert_eq!(e.value_offset(), e.header_len());
            let _ = (
                format!("{e:?} {}", e.tag()),
                e.tag().first_byte(),
                e.tag().class(),
            );
            for c in e.children().take(64) {
                match c {
                    Ok(c) => {
                        let _ = (
                            c.integer(),
                            c.bit_string().map(|b| (b.len(), b.is_empty(), b.bit(3))),
                            c.utf8(),
                        );
                        if let Ok(o) = c.oid() {
                            let _ = format!("{o} {o:?}");
                        }
                    }
                    Err(e) => show(&e),
                }
            }
        }
        Err(e) => show(&e),
    }
    if let Err(e) = scboot::ber::validate(data, scboot::ber::MAX_DEPTH) {
        show(&e);
    }
    for e in scboot::ber::Elements::new(data).take(64).flatten() {
        let _ = e.tag().is_encodable();
    }
}

/// EF.DIR: parse, walk, re-encode each template, re-parse.
pub fn parse_dir(data: &[u8]) {
    match scboot::dir::EfDir::parse(data) {
        Ok(d) => {
            let ts: Vec<_> = d.templates().collect();
            assert_eq!(ts.len(), d.len());
            let again = encode(&Concat(&ts));
            let d2 = scboot::dir::EfDir::parse(&again).expect("re-encoded EF.DIR parses");
            assert!(d2.templates().eq(ts.iter().copied()));
            // The cached PKCS#15 template is the first with that AID.
            assert_eq!(d.pkcs15(), ts.iter().copied().find(|t| t.is_pkcs15()));
            let _ = (
                d.is_empty(),
                format!("{d:?}"),
                ts.iter().map(|t| (t.is_pkcs15(), format!("{t:?}"))).count(),
            );
        }
        Err(e) => show(&e),
    }
    if let Err(e) = scboot::dir::ApplicationTemplate::parse_record(data) {
        show(&e);
    }
    generic_ber(data);
}

/// ODF.
pub fn parse_odf(data: &[u8]) {
    match scboot::odf::Odf::parse(data) {
        Ok(o) => {
            let es: Vec<_> = o.entries().collect();
            assert_eq!(es.len(), o.len());
            let again = encode(&Concat(&es));
            assert!(scboot::odf::Odf::parse(&again)
                .expect("re-encoded ODF parses")
                .entries()
                .eq(es.iter().copied()));
            // The cached DODF paths are the dataObjects paths of the entries.
            assert!(o.data_object_paths().eq(es.iter().filter_map(|e| {
                match (e.class, e.location) {
                    (scboot::odf::ObjectClass::DataObjects, scboot::odf::OdfLocation::Path(p)) => {
                        Some(p)
                    }
                    _ => None,
                }
            })));
            let _ = (
                o.is_empty(),
                format!("{o:?}"),
                es.iter()
                    .map(|e| (e.class.name(), format!("{e:?}")))
                    .count(),
            );
        }
        Err(e) => show(&e),
    }
    match scboot::path::Path::parse(data) {
        Ok(p) => {
            let again = encode(&p);
            assert_eq!(
                scboot::path::Path::parse(&again).expect("re-encoded Path parses"),
                p
            );
        }
        Err(e) => show(&e),
    }
}

/// DODF with the finder.
pub fn parse_dodf(data: &[u8]) {
    match scboot::dodf::Dodf::parse(data) {
        Ok(d) => {
            let es: Vec<_> = d.entries().collect();
            assert_eq!(es.len(), d.len());
            let again = encode(&Concat(&es));
            let d2 = scboot::dodf::Dodf::parse(&again).expect("re-encoded DODF parses");
            assert!(d2.entries().eq(es.iter().copied()));
            let found = d.find_lwm2m_bootstrap();
            let first = es.iter().position(|o| o.bootstrap_rule().is_some());
            assert_eq!(found.map(|m| m.entry), first);
            assert_eq!(found.map(|m| m.object), first.map(|i| es[i]));
            if let Some(m) = found {
                let _ = (m.rule.name(), format!("{m:?}"));
            }
            for o in &es {
                let f = o.common.flags.unwrap_or_default();
                let _ = (
                    f.private(),
                    f.modifiable(),
                    o.kind.name(),
                    o.value.path(),
                    format!("{o:?}"),
                );
            }
            let _ = (d.is_empty(), format!("{d:?}"));
        }
        Err(e) => show(&e),
    }
}

/// The key directory classes, by the first input byte.
fn key_class(b: u8) -> scboot::keys::KeyClass {
    use scboot::keys::KeyClass;
    [KeyClass::Private, KeyClass::Public, KeyClass::Secret][usize::from(b % 3)]
}

/// Key directories (PrKDF, PuKDF, SKDF by the first byte): parse, walk,
/// re-encode each entry, re-parse: the same keys.
pub fn parse_keys(data: &[u8]) {
    let Some((&c, data)) = data.split_first() else {
        return;
    };
    let class = key_class(c);
    match scboot::keys::KeyDirectory::parse(data, class) {
        Ok(d) => {
            let es: Vec<_> = d.entries().collect();
            assert_eq!(es.len(), d.len());
            let again = encode(&Concat(&es));
            let d2 = scboot::keys::KeyDirectory::parse(&again, class)
                .expect("re-encoded key directory parses");
            // Extensions after a key's value are not re-encoded: compare
            // what the parser reads.
            type View<'a> = (
                scboot::keys::KeyType,
                scboot::dodf::CommonObjectAttributes<'a>,
                scboot::keys::CommonKeyAttributes<'a>,
                Option<&'a [u8]>,
                Option<scboot::dodf::ObjectValue<'a>>,
                Option<u32>,
                Option<u32>,
            );
            fn view<'a>(k: &scboot::keys::KeyObject<'a>) -> View<'a> {
                (
                    k.key_type,
                    k.common,
                    k.key,
                    k.sub_class,
                    k.value,
                    k.field_size,
                    k.key_len,
                )
            }
            assert!(d2.entries().map(|k| view(&k)).eq(es.iter().map(view)));
            for k in &es {
                if let Some(l) = k.common.label {
                    assert!(d.find_label(l).is_some());
                }
                assert!(d.find_id(k.key.id).is_some());
                let _ = (k.path(), k.needs_pin(), k.class.name(), format!("{k:?}"));
            }
            let _ = (d.is_empty(), d.class().odf_class(), format!("{d:?}"));
        }
        Err(e) => show(&e),
    }
}

/// TokenInfo.
pub fn parse_tokeninfo(data: &[u8]) {
    match scboot::tokeninfo::TokenInfo::parse(data) {
        Ok(t) => {
            let again = encode(&t);
            assert_eq!(
                scboot::tokeninfo::TokenInfo::parse(&again).expect("re-encoded TokenInfo parses"),
                t
            );
        }
        Err(e) => show(&e),
    }
}

fn walk(records: scboot::tlv::Records<'_>, depth: usize) -> usize {
    records
        .map(|r| {
            assert!(depth < 3, "a TLV record nested beyond 3 levels");
            let _ = (
                r.as_integer(),
                r.as_unsigned(),
                r.as_float(),
                r.as_bool(),
                r.as_str(),
                r.as_objlnk(),
            );
            if let Err(e) = scboot::lwm2m::SecurityInstance::from_record(&r) {
                show(&e);
            }
            if let Err(e) = scboot::lwm2m::ServerInstance::from_record(&r) {
                show(&e);
            }
            1 + walk(r.children(), depth + 1)
        })
        .sum()
}

/// The bootstrap file.
pub fn parse_bootstrap(data: &[u8]) {
    match scboot::bootstrap::BootstrapFile::parse(data) {
        Ok(f) => {
            let objs: Vec<_> = f.objects().map(|o| o.data()).collect();
            assert_eq!(objs.len(), usize::from(f.object_count()));
            for o in f.objects() {
                walk(o.instances(), 0);
                let _ = (
                    o.offset(),
                    o.version.to_string(),
                    o.version.major_minor(),
                    o.tlv().offset(),
                    format!("{o:?}"),
                );
            }
            let _ = (f.size(), f.object_bytes().len(), format!("{f:?}"));
            let again = encode(&scboot::bootstrap::BootstrapData { objects: &objs });
            let f2 = scboot::bootstrap::BootstrapFile::parse(&again)
                .expect("re-encoded bootstrap file parses");
            assert!(f2.objects().map(|o| o.data()).eq(objs.iter().copied()));
        }
        Err(e) => show(&e),
    }
}

/// Bare TLV.
pub fn parse_tlv(data: &[u8]) {
    match scboot::tlv::Tlv::parse(data) {
        Ok(t) => {
            walk(t.records(), 0);
            let _ = (t.offset(), t.as_bytes().len(), format!("{t:?}"));
            let items: Vec<_> = t.records().map(|r| r.to_item()).collect();
            let again = encode(&Concat(&items));
            assert!(again.len() <= data.len(), "minimal headers never grow");
            let t2 = scboot::tlv::Tlv::parse(&again).expect("re-encoded TLV parses");
            assert_eq!(
                gen::shape(&mirror::tlv_tree(t2.records())),
                gen::shape(&mirror::tlv_tree(t.records()))
            );
        }
        Err(e) => show(&e),
    }
}

fn check(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("divergence: {e}");
    }
}

/// Kernel vs model: EF.DIR (file and record).
pub fn diff_dir(data: &[u8]) {
    check(mirror::compare(
        "EF.DIR",
        mirror::dir(data),
        scboot_reference::dir::parse(data),
    ));
    check(mirror::compare(
        "EF.DIR record",
        mirror::dir_record(data),
        scboot_reference::dir::parse_record(data),
    ));
}

/// Kernel vs model: ODF.
pub fn diff_odf(data: &[u8]) {
    check(mirror::compare(
        "ODF",
        mirror::odf(data),
        scboot_reference::odf::parse(data),
    ));
}

/// Kernel vs model: DODF and the finder.
pub fn diff_dodf(data: &[u8]) {
    check(mirror::compare(
        "DODF",
        mirror::dodf(data),
        mirror::model_dodf(data),
    ));
}

/// Kernel vs model: key directories (the class by the first byte).
pub fn diff_keys(data: &[u8]) {
    use scboot_reference::keys::RefKeyClass;
    let Some((&c, data)) = data.split_first() else {
        return;
    };
    let class = [
        RefKeyClass::Private,
        RefKeyClass::Public,
        RefKeyClass::Secret,
    ][usize::from(c % 3)];
    check(mirror::compare(
        "key directory",
        mirror::keys(data, class),
        scboot_reference::keys::parse(data, class),
    ));
}

/// Kernel vs model: TokenInfo.
pub fn diff_tokeninfo(data: &[u8]) {
    check(mirror::compare(
        "TokenInfo",
        mirror::tokeninfo(data),
        scboot_reference::tokeninfo::parse(data),
    ));
}

/// Kernel vs model: bootstrap file, then accessors and typed views of its records.
pub fn diff_bootstrap(data: &[u8]) {
    check(mirror::compare(
        "bootstrap",
        mirror::bootstrap(data),
        scboot_reference::bootstrap::parse(data),
    ));
    if let (Ok(k), Ok(m)) = (
        scboot::bootstrap::BootstrapFile::parse(data),
        scboot_reference::bootstrap::parse(data),
    ) {
        for (ko, mo) in k.objects().zip(&m) {
            for (ki, mi) in ko.instances().zip(&mo.instances) {
                check(mirror::compare_typed(&ki, mi));
            }
        }
    }
}

/// Kernel vs model: TLV, accessors, typed views.
pub fn diff_tlv(data: &[u8]) {
    check(mirror::compare(
        "TLV",
        mirror::tlv(data),
        scboot_reference::tlv::parse(data),
    ));
    check(mirror::compare_accessors(data));
}
