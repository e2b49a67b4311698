//! parse(encode(x)) == x over generated values, for every format.

mod common;

use common::nested_a0;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use scboot::ber::{self, Concat, Encode, Oid};
use scboot::bootstrap::{BootstrapData, BootstrapFile, ObjectData, ObjectVersion};
use scboot::dir::{ApplicationTemplate, EfDir};
use scboot::dodf::{
    CommonDataObjectAttributes, CommonObjectAttributes, DataObject, DataObjectKind, Dodf,
    ObjectFlags, ObjectValue,
};
use scboot::odf::{ObjectClass, Odf, OdfEntry, OdfLocation};
use scboot::path::{IndexLength, Path};
use scboot::tlv::{ObjLnk, Records, Tlv, TlvContent, TlvItem, TlvType, ValueBytes};
use scboot::tokeninfo::{LastUpdate, TokenFlags, TokenInfo};

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut buf = vec![0u8; v.encoded_len()];
    let n = v.encode(&mut buf).expect("encodes");
    assert_eq!(n, v.encoded_len(), "encoded_len is exact");
    // A buffer one byte short is refused, never overrun.
    if n > 0 {
        let mut short = vec![0u8; n - 1];
        assert!(v.encode(&mut short).is_err());
    }
    buf
}

// ------------------------------------------------------------- generators

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..=max)
}

fn path_bytes() -> impl Strategy<Value = Vec<u8>> {
    (1usize..=8).prop_flat_map(|n| vec(any::<u8>(), 2 * n))
}

fn label() -> impl Strategy<Value = String> {
    "\\PC{0,24}"
}

/// Well-formed BER content: a run of primitive context-tagged elements.
fn ber_content() -> impl Strategy<Value = Vec<u8>> {
    vec((0u8..=30, bytes(12)), 0..4).prop_map(|els| {
        let mut out = Vec::new();
        for (t, v) in els {
            out.push(0x80 | t);
            out.push(v.len() as u8);
            out.extend(v);
        }
        out
    })
}

/// One whole BER element (an OCTET STRING when `octet`).
fn one_element(octet: bool) -> impl Strategy<Value = Vec<u8>> {
    (0u8..=30, bytes(12)).prop_map(move |(t, v)| {
        let mut out = vec![if octet { 0x04 } else { 0x80 | t }, v.len() as u8];
        out.extend(v);
        out
    })
}

fn oid_content() -> impl Strategy<Value = Vec<u8>> {
    (0u32..=2, 0u32..=39, vec(any::<u32>(), 0..6)).prop_map(|(a, b, rest)| {
        let mut arcs = vec![a, b];
        arcs.extend(rest);
        let mut buf = [0u8; 64];
        let n = ber::encode_oid_arcs(&arcs, &mut buf).unwrap();
        buf[..n].to_vec()
    })
}

#[derive(Debug, Clone)]
struct OwnedPath(Vec<u8>, Option<(u32, u32)>);

fn owned_path() -> impl Strategy<Value = OwnedPath> {
    (path_bytes(), option::of((0u32..=65535, 0u32..=65535))).prop_map(|(p, il)| OwnedPath(p, il))
}

impl OwnedPath {
    fn view(&self) -> Path<'_> {
        Path {
            path: &self.0,
            index_length: self.1.map(|(index, length)| IndexLength { index, length }),
        }
    }
}

// ------------------------------------------------------------------- tests

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn oid_arcs(a in 0u32..=2, b in 0u32..=39, rest in vec(any::<u32>(), 0..8)) {
        let mut arcs = vec![a, b];
        arcs.extend(rest);
        let mut buf = [0u8; 64];
        let n = ber::encode_oid_arcs(&arcs, &mut buf).unwrap();
        let oid = Oid::from_content(&buf[..n]).unwrap();
        prop_assert_eq!(oid.arcs().collect::<Vec<_>>(), arcs);
    }

    #[test]
    fn path(p in owned_path()) {
        let v = p.view();
        let enc = encode(&v);
        prop_assert_eq!(Path::parse(&enc).unwrap(), v);
    }

    #[test]
    fn ef_dir(apps in vec((bytes(16).prop_filter("aid", |a| a.len() >= 5), option::of(label()), option::of(path_bytes()), option::of(ber_content())), 0..4), pad in 0usize..8) {
        let views: Vec<ApplicationTemplate> = apps.iter().map(|(aid, l, p, d)| ApplicationTemplate {
            aid, label: l.as_deref(), path: p.as_deref(), discretionary: d.as_deref(),
        }).collect();
        let mut enc = encode(&Concat(&views));
        enc.extend(std::iter::repeat_n(0xFF, pad));
        let dir = EfDir::parse(&enc).unwrap();
        prop_assert_eq!(dir.templates().collect::<Vec<_>>(), views.clone());
        // Each template as a linear-fixed record.
        for v in &views {
            let mut rec = encode(v);
            rec.extend([0xFF; 3]);
            prop_assert_eq!(ApplicationTemplate::parse_record(&rec).unwrap(), Some(*v));
        }
    }

    #[test]
    fn odf(entries in vec((0usize..9, prop_oneof![owned_path().prop_map(Ok), ber_content().prop_map(Err)]), 0..5)) {
        let views: Vec<OdfEntry> = entries.iter().map(|(c, loc)| OdfEntry {
            class: ObjectClass::ALL[*c],
            location: match loc { Ok(p) => OdfLocation::Path(p.view()), Err(d) => OdfLocation::Direct(d) },
        }).collect();
        let enc = encode(&Concat(&views));
        prop_assert_eq!(Odf::parse(&enc).unwrap().entries().collect::<Vec<_>>(), views);
    }
}

#[derive(Debug, Clone)]
enum OwnedValue {
    Path(OwnedPath),
    Url(String),
    UrlWithDigest(Vec<u8>),
    Direct(Vec<u8>),
}

#[derive(Debug, Clone)]
struct OwnedDo {
    kind: u8,
    oid: Vec<u8>,
    label: Option<String>,
    flags: Option<u32>,
    auth_id: Option<Vec<u8>>,
    user_consent: Option<u8>,
    acr: Option<Vec<u8>>,
    app_name: Option<String>,
    app_oid: Option<Vec<u8>>,
    sub_class: Option<Vec<u8>>,
    value: OwnedValue,
}

fn owned_do() -> impl Strategy<Value = OwnedDo> {
    (
        (
            0u8..3,
            oid_content(),
            option::of(label()),
            option::of(any::<u32>()),
            option::of(bytes(8)),
            option::of(1u8..=15),
        ),
        (
            option::of(ber_content()),
            option::of(label()),
            option::of(oid_content()),
            option::of(ber_content()),
        ),
        prop_oneof![
            owned_path().prop_map(OwnedValue::Path),
            "[ -~]{0,30}".prop_map(OwnedValue::Url),
            ber_content().prop_map(OwnedValue::UrlWithDigest),
            Just(()).prop_map(|_| OwnedValue::Direct(Vec::new())),
        ],
        one_element(true),
        one_element(false),
    )
        .prop_map(
            |(
                (kind, oid, label, flags, auth_id, user_consent),
                (acr, app_name, app_oid, sub_class),
                value,
                octet,
                any_el,
            )| {
                let value = match value {
                    OwnedValue::Direct(_) => {
                        OwnedValue::Direct(if kind == 0 { octet } else { any_el })
                    }
                    v => v,
                };
                OwnedDo {
                    kind,
                    oid,
                    label,
                    flags,
                    auth_id,
                    user_consent,
                    acr,
                    app_name,
                    app_oid,
                    sub_class,
                    value,
                }
            },
        )
}

impl OwnedDo {
    fn view(&self) -> DataObject<'_> {
        DataObject {
            kind: match self.kind {
                0 => DataObjectKind::Opaque,
                1 => DataObjectKind::External,
                _ => DataObjectKind::Oid(Oid::from_content(&self.oid).unwrap()),
            },
            common: CommonObjectAttributes {
                label: self.label.as_deref(),
                flags: self.flags.map(ObjectFlags),
                auth_id: self.auth_id.as_deref(),
                user_consent: self.user_consent,
                access_control_rules: self.acr.as_deref(),
            },
            data: CommonDataObjectAttributes {
                application_name: self.app_name.as_deref(),
                application_oid: self
                    .app_oid
                    .as_deref()
                    .map(|o| Oid::from_content(o).unwrap()),
            },
            sub_class: self.sub_class.as_deref(),
            value: match &self.value {
                OwnedValue::Path(p) => ObjectValue::Path(p.view()),
                OwnedValue::Url(u) => ObjectValue::Url(u),
                OwnedValue::UrlWithDigest(d) => ObjectValue::UrlWithDigest(d),
                OwnedValue::Direct(d) => ObjectValue::Direct(d),
            },
        }
    }
}

fn gen_time() -> impl Strategy<Value = String> {
    (
        1950u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        any::<bool>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, z)| {
            format!(
                "{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}{}",
                if z { "Z" } else { "" }
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn dodf(objs in vec(owned_do(), 0..4)) {
        let views: Vec<DataObject> = objs.iter().map(OwnedDo::view).collect();
        let enc = encode(&Concat(&views));
        let dodf = Dodf::parse(&enc).unwrap();
        prop_assert_eq!(dodf.entries().collect::<Vec<_>>(), views.clone());
        let expected = views.iter().enumerate().find_map(|(i, o)| o.bootstrap_rule().map(|r| (i, r)));
        prop_assert_eq!(dodf.find_lwm2m_bootstrap().map(|m| (m.entry, m.rule)), expected);
    }

    #[test]
    fn tokeninfo(
        version in 0u32..=3,
        serial in bytes(20),
        (m, l, i, h) in (option::of(label()), option::of(label()), option::of(label()), option::of(label())),
        flags in any::<u32>(),
        (se, ri, sa) in (option::of(ber_content()), option::of(ber_content()), option::of(ber_content())),
        lu in option::of(prop_oneof![gen_time().prop_map(Ok), one_element(false).prop_map(Err)]),
        lang in option::of("[a-z]{2}(-[A-Z]{2})?"),
    ) {
        let v = TokenInfo {
            version,
            serial_number: &serial,
            manufacturer_id: m.as_deref(),
            label: l.as_deref(),
            token_flags: TokenFlags(flags),
            se_info: se.as_deref(),
            record_info: ri.as_deref(),
            supported_algorithms: sa.as_deref(),
            issuer_id: i.as_deref(),
            holder_id: h.as_deref(),
            last_update: lu.as_ref().map(|x| match x { Ok(t) => LastUpdate::Time(t), Err(r) => LastUpdate::Referenced(r) }),
            preferred_language: lang.as_deref(),
        };
        let mut enc = encode(&v);
        enc.extend([0xFF, 0x00]);
        prop_assert_eq!(TokenInfo::parse(&enc).unwrap(), v);
    }
}

// -------------------------------------------------------------------- TLV

#[derive(Debug, Clone, PartialEq)]
enum OwnedTlv {
    Leaf(TlvType, u16, Vec<u8>),
    Node(TlvType, u16, Vec<OwnedTlv>),
}

fn leaf_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![bytes(10), bytes(300)]
}

fn resource_instance() -> impl Strategy<Value = OwnedTlv> {
    (any::<u16>(), leaf_value())
        .prop_map(|(id, v)| OwnedTlv::Leaf(TlvType::ResourceInstance, id, v))
}

fn resource_like() -> impl Strategy<Value = OwnedTlv> {
    prop_oneof![
        (any::<u16>(), leaf_value()).prop_map(|(id, v)| OwnedTlv::Leaf(TlvType::Resource, id, v)),
        (any::<u16>(), vec(resource_instance(), 0..4)).prop_map(|(id, c)| OwnedTlv::Node(
            TlvType::MultipleResource,
            id,
            c
        )),
    ]
}

fn object_instance() -> impl Strategy<Value = OwnedTlv> {
    (any::<u16>(), vec(resource_like(), 0..5))
        .prop_map(|(id, c)| OwnedTlv::Node(TlvType::ObjectInstance, id, c))
}

fn top_level() -> impl Strategy<Value = OwnedTlv> {
    prop_oneof![object_instance(), resource_like(), resource_instance()]
}

/// Encode with the kernel: children one level down through `TlvContent::Children`,
/// grandchildren through pre-encoded `TlvContent::Value`.
fn encode_tlv(items: &[OwnedTlv]) -> Vec<u8> {
    items.iter().flat_map(encode_one).collect()
}

fn encode_one(t: &OwnedTlv) -> Vec<u8> {
    match t {
        OwnedTlv::Leaf(k, id, v) => encode(&TlvItem {
            kind: *k,
            id: *id,
            content: TlvContent::Value(v),
        }),
        OwnedTlv::Node(k, id, cs) => {
            let bufs: Vec<Vec<u8>> = cs
                .iter()
                .map(|c| match c {
                    OwnedTlv::Leaf(_, _, v) => v.clone(),
                    OwnedTlv::Node(_, _, g) => encode_tlv(g),
                })
                .collect();
            let items: Vec<TlvItem> = cs
                .iter()
                .zip(&bufs)
                .map(|(c, b)| match c {
                    OwnedTlv::Leaf(k, id, _) | OwnedTlv::Node(k, id, _) => TlvItem {
                        kind: *k,
                        id: *id,
                        content: TlvContent::Value(b),
                    },
                })
                .collect();
            encode(&TlvItem {
                kind: *k,
                id: *id,
                content: TlvContent::Children(&items),
            })
        }
    }
}

fn owned(records: Records<'_>) -> Vec<OwnedTlv> {
    records
        .map(|r| {
            if r.kind().is_container() {
                OwnedTlv::Node(r.kind(), r.id(), owned(r.children()))
            } else {
                OwnedTlv::Leaf(r.kind(), r.id(), r.value().to_vec())
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn tlv(items in vec(top_level(), 0..4)) {
        let enc = encode_tlv(&items);
        let tlv = Tlv::parse(&enc).unwrap();
        prop_assert_eq!(owned(tlv.records()), items);
    }

    #[test]
    fn bootstrap(objs in vec((any::<u16>(), option::of((1u8..=255, any::<u8>())), vec(object_instance(), 0..3)), 0..4), pad in 0usize..6) {
        let tlvs: Vec<Vec<u8>> = objs.iter().map(|(_, _, insts)| encode_tlv(insts)).collect();
        let data: Vec<ObjectData> = objs.iter().zip(&tlvs).map(|((id, v, _), t)| ObjectData {
            object_id: *id,
            version: v.map_or(ObjectVersion::Implicit, |(major, minor)| ObjectVersion::Explicit { major, minor }),
            tlv: t,
        }).collect();
        let mut enc = encode(&BootstrapData { objects: &data });
        enc.extend(std::iter::repeat_n(0xFF, pad));
        let bf = BootstrapFile::parse(&enc).unwrap();
        prop_assert_eq!(bf.objects().map(|o| o.data()).collect::<Vec<_>>(), data);
        for (o, (_, _, insts)) in bf.objects().zip(&objs) {
            prop_assert_eq!(&owned(o.instances()), insts);
        }
    }

    #[test]
    fn tlv_values(i in any::<i64>(), u in any::<u64>(), f in any::<f64>().prop_filter("not NaN", |f| !f.is_nan()), b in any::<bool>(), o in any::<u16>(), n in any::<u16>()) {
        let rec = |v: ValueBytes| {
            let enc = encode(&TlvItem::resource(7, v.as_bytes()));
            let t = Tlv::parse(&enc).unwrap();
            let r = t.records().next().unwrap();
            (r.as_integer().ok(), r.as_unsigned().ok(), r.as_float().ok(), r.as_bool().ok(), r.as_objlnk().ok())
        };
        prop_assert_eq!(rec(ValueBytes::integer(i)).0, Some(i));
        prop_assert_eq!(rec(ValueBytes::unsigned(u)).1, Some(u));
        prop_assert_eq!(rec(ValueBytes::float(f)).2, Some(f));
        prop_assert_eq!(rec(ValueBytes::boolean(b)).3, Some(b));
        prop_assert_eq!(rec(ValueBytes::objlnk(ObjLnk { object_id: o, instance_id: n })).4, Some(ObjLnk { object_id: o, instance_id: n }));
    }
}

#[test]
fn encoders_refuse_what_the_format_cannot_carry() {
    use scboot::EncodeError;
    let long = [0u8; 18];
    let mut buf = [0u8; 64];
    assert!(matches!(
        Path::new(&long).encode(&mut buf),
        Err(EncodeError::InvalidValue(_))
    ));
    assert!(matches!(
        ApplicationTemplate::new(&[1, 2, 3]).encode(&mut buf),
        Err(EncodeError::InvalidValue(_))
    ));
    // A Resource cannot hold children; an Object Instance cannot hold an Object Instance.
    let child = [TlvItem::resource(1, &[1])];
    let bad = TlvItem {
        kind: TlvType::Resource,
        id: 0,
        content: TlvContent::Children(&child),
    };
    assert!(matches!(
        bad.encode(&mut buf),
        Err(EncodeError::InvalidValue(_))
    ));
    let inner = [TlvItem::object_instance(0, &[])];
    let bad = TlvItem::object_instance(0, &inner);
    assert!(matches!(
        bad.encode(&mut buf),
        Err(EncodeError::InvalidValue(_))
    ));
    // An object's TLV must be Object Instances.
    let data = [ObjectData {
        object_id: 0,
        version: ObjectVersion::Implicit,
        tlv: &[0xC1, 0x00, 0x01],
    }];
    assert!(matches!(
        BootstrapData { objects: &data }.encode(&mut buf),
        Err(EncodeError::InvalidValue(_))
    ));
}

// ------------------------------------------------------------- boundaries
// Exact outputs at every edge of the encoders' size classes: a shifted
// comparison or a swapped arm changes one of these bytes.

#[test]
fn tag_identifier_octets_at_each_size_class() {
    use scboot::ber::Tag;
    let cases: [(u32, &[u8]); 8] = [
        (0, &[0x80]),
        (30, &[0x9E]),
        (31, &[0x9F, 0x1F]),
        (127, &[0x9F, 0x7F]),
        (128, &[0x9F, 0x81, 0x00]),
        (16383, &[0x9F, 0xFF, 0x7F]),
        (16384, &[0x9F, 0x81, 0x80, 0x00]),
        ((1 << 21) - 1, &[0x9F, 0xFF, 0xFF, 0x7F]),
    ];
    for (n, want) in cases {
        let t = Tag::context(n, false);
        let (bytes, len) = t.to_bytes();
        assert_eq!(&bytes[..len], want, "tag number {n}");
        assert_eq!(t.encoded_len(), want.len());
        // The parser reads it back.
        let mut enc = want.to_vec();
        enc.push(0x00);
        let (e, rest) = ber::Element::parse(&enc).unwrap();
        assert!(rest.is_empty());
        assert_eq!(e.tag(), t, "tag number {n}");
    }
    // Class and constructed bits ride in the first octet only.
    let t = Tag::application(200, true);
    let (b, n) = t.to_bytes();
    assert_eq!(&b[..n], &[0x7F, 0x81, 0x48]);
}

#[test]
fn length_octets_at_each_size_class() {
    let cases = [
        (0usize, 1usize),
        (0x7F, 1),
        (0x80, 2),
        (0xFF, 2),
        (0x100, 3),
        (0xFFFF, 3),
        (0x1_0000, 4),
        (0xFF_FFFF, 4),
        (0x100_0000, 5),
    ];
    for (len, want) in cases {
        assert_eq!(ber::length_len(len), want, "length {len:#x}");
        assert_eq!(
            ber::element_len(ber::Tag::OCTET_STRING, len),
            1 + want + len
        );
    }
}

#[test]
fn oid_first_arcs_at_their_limits() {
    let mut out = [0u8; 16];
    let ok = |arcs: &[u32], want: &[u8]| {
        let mut out = [0u8; 16];
        let n = ber::encode_oid_arcs(arcs, &mut out).unwrap();
        assert_eq!(&out[..n], want, "{arcs:?}");
    };
    ok(&[0, 39], &[39]);
    ok(&[1, 39], &[79]);
    ok(&[2, 0], &[80]);
    ok(&[2, 40], &[120]);
    ok(&[2, 47], &[0x7F]);
    ok(&[2, 48], &[0x81, 0x00]);
    ok(&[2, 999, 3], &[0x88, 0x37, 0x03]);
    ok(&[2, u32::MAX - 80], &[0x8F, 0xFF, 0xFF, 0xFF, 0x7F]);
    for bad in [
        &[0u32, 40][..],
        &[1, 40],
        &[3, 0],
        &[2, u32::MAX - 79],
        &[2],
        &[],
    ] {
        assert!(
            matches!(
                ber::encode_oid_arcs(bad, &mut out),
                Err(scboot::EncodeError::InvalidValue(_))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn bootstrap_data_of_exactly_32_kb_encodes_and_one_more_byte_does_not() {
    use scboot::bootstrap::MAX_FILE_LEN;
    // 4 (count, size) + 5 (object header) + 4 (instance header) + 4 (resource header).
    let fill = vec![0x41u8; MAX_FILE_LEN - 17];
    for (extra, fits) in [(0usize, true), (1, false)] {
        let value = [fill.as_slice(), &vec![0x41; extra]].concat();
        let res = [TlvItem::resource(0, &value)];
        let tlv = encode(&TlvItem::object_instance(0, &res));
        let data = [ObjectData {
            object_id: 0,
            version: ObjectVersion::Implicit,
            tlv: &tlv,
        }];
        let bd = BootstrapData { objects: &data };
        assert_eq!(bd.encoded_len(), MAX_FILE_LEN + extra);
        let mut buf = vec![0u8; bd.encoded_len()];
        let r = bd.encode(&mut buf);
        if fits {
            assert_eq!(r, Ok(MAX_FILE_LEN));
            let f = BootstrapFile::parse(&buf).unwrap();
            assert_eq!(f.object_count(), 1);
            assert_eq!(f.size(), MAX_FILE_LEN - 4);
        } else {
            assert!(matches!(r, Err(scboot::EncodeError::InvalidValue(_))));
        }
    }
}

#[test]
fn flag_accessors_read_their_own_bit_only() {
    for bits in 0u32..16 {
        let t = TokenFlags(bits);
        assert_eq!(t.readonly(), bits & 1 != 0, "{bits:04b}");
        assert_eq!(t.login_required(), bits & 2 != 0, "{bits:04b}");
        assert_eq!(t.prn_generation(), bits & 4 != 0, "{bits:04b}");
        assert_eq!(t.eid_compliant(), bits & 8 != 0, "{bits:04b}");
        let o = ObjectFlags(bits);
        assert_eq!(o.private(), bits & 1 != 0, "{bits:04b}");
        assert_eq!(o.modifiable(), bits & 2 != 0, "{bits:04b}");
    }
}

#[test]
fn path_encoder_takes_2_to_16_even_bytes_only() {
    let ids = [
        0x3Fu8, 0x00, 0x50, 0x15, 0x44, 0x01, 0x44, 0x02, 0x44, 0x03, 0x44, 0x04, 0x44, 0x05, 0x44,
        0x06, 0x44, 0x07,
    ];
    let mut buf = [0u8; 32];
    for len in 0..=ids.len() {
        let r = Path::new(&ids[..len]).encode(&mut buf);
        let valid = (2..=16).contains(&len) && len % 2 == 0;
        match r {
            Ok(n) => {
                assert!(valid, "len {len} accepted");
                assert_eq!(&buf[..4], &[0x30, len as u8 + 2, 0x04, len as u8]);
                assert_eq!(Path::parse(&buf[..n]).unwrap().path, &ids[..len]);
            }
            Err(e) => {
                assert!(!valid, "len {len} refused: {e:?}");
                assert!(matches!(e, scboot::EncodeError::InvalidValue(_)));
            }
        }
    }
}

#[test]
fn path_index_and_length_up_to_65535() {
    let mut buf = [0u8; 32];
    let at = |index, length| Path {
        path: &[0x44, 0x01],
        index_length: Some(IndexLength { index, length }),
    };
    for (index, length, ok) in [
        (0, 0, true),
        (65535, 65535, true),
        (65536, 0, false),
        (0, 65536, false),
        (65536, 65536, false),
        (u32::MAX, 1, false),
    ] {
        let p = at(index, length);
        match p.encode(&mut buf) {
            Ok(n) => {
                assert!(ok, "{index}/{length} accepted");
                assert_eq!(Path::parse(&buf[..n]).unwrap(), p);
            }
            Err(e) => {
                assert!(!ok, "{index}/{length} refused: {e:?}");
                assert!(matches!(e, scboot::EncodeError::InvalidValue(_)));
            }
        }
    }
}

#[test]
fn label_and_attribute_limits_in_encoders() {
    use scboot::EncodeError::InvalidValue;
    let long = "x".repeat(256);
    let (ok255, bad256) = (&long[..255], &long[..]);
    let mut buf = vec![0u8; 1024];
    // EF.DIR template label: up to 255 bytes.
    let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
    for (label, ok) in [(ok255, true), (bad256, false)] {
        let t = ApplicationTemplate {
            label: Some(label),
            ..ApplicationTemplate::new(&aid)
        };
        assert_eq!(
            t.encode(&mut buf).is_ok(),
            ok,
            "template label {}",
            label.len()
        );
    }
    let base = || plain_object(ObjectValue::Path(Path::new(&[0x44, 0x01])));
    let auth = [0x01u8; 256];
    let mut cases: Vec<(DataObject, bool, &str)> = Vec::new();
    for (l, ok) in [(ok255, true), (bad256, false)] {
        let mut d = base();
        d.common.label = Some(l);
        cases.push((d, ok, "label"));
        let mut d = base();
        d.data.application_name = Some(l);
        cases.push((d, ok, "applicationName"));
    }
    for (n, ok) in [(255, true), (256, false)] {
        let mut d = base();
        d.common.auth_id = Some(&auth[..n]);
        cases.push((d, ok, "authId"));
    }
    for (u, ok) in [(0, false), (1, true), (15, true), (16, false), (255, false)] {
        let mut d = base();
        d.common.user_consent = Some(u);
        cases.push((d, ok, "userConsent"));
    }
    // A URL value: ASCII, at most 1024 bytes (MAX_URL_LEN).
    let url = "u".repeat(1025);
    let not_ascii = "\u{e9}".repeat(8);
    for (u, ok) in [
        (&url[..1024], true),
        (&url[..], false),
        (&not_ascii[..], false),
    ] {
        cases.push((plain_object(ObjectValue::Url(u)), ok, "url"));
    }
    let mut buf = vec![0u8; 2048];
    for (d, ok, what) in cases {
        let r = d.encode(&mut buf);
        assert!(
            if ok {
                r.is_ok()
            } else {
                matches!(r, Err(InvalidValue(_)))
            },
            "{what}: {r:?}"
        );
        if let Ok(n) = r {
            let dodf = Dodf::parse(&buf[..n]).unwrap();
            assert_eq!((dodf.len(), dodf.is_empty()), (1, false));
        }
    }
}

/// A URL value is a PrintableString when every character allows it
/// (letters, digits and ` '()+,-./:=?`), an IA5String otherwise; either
/// parses back to the same URL.
#[test]
fn url_value_string_type() {
    for (url, tag) in [
        ("coaps://lwm2m.example.com:5684", 0x13u8),
        ("abc123", 0x13),
        ("coaps://a_b.example", 0x16),
        ("coaps://x.example/~p", 0x16),
    ] {
        let enc = encode(&plain_object(ObjectValue::Url(url)));
        let at = enc.len() - url.len();
        assert_eq!(&enc[at..], url.as_bytes(), "{url}");
        assert_eq!(enc[at - 2..at], [tag, url.len() as u8], "{url}");
        let dodf = Dodf::parse(&enc).unwrap();
        let entry = dodf.entries().next().unwrap();
        assert_eq!(entry.value, ObjectValue::Url(url), "{url}");
    }
}

/// A direct ObjectValue of an externalDO is walked to depth 11 (MAX_DEPTH
/// - 5: file, entry, value, [0] and [1] wrappers take the rest).
#[test]
fn direct_value_nesting_bound() {
    // urlWithDigest: its content is walked directly, one level less.
    for (levels, ok, direct) in [
        (11, true, true),
        (12, false, true),
        (10, true, false),
        (11, false, false),
    ] {
        let value = nested_a0(levels);
        let d = DataObject {
            kind: DataObjectKind::External,
            ..plain_object(if direct {
                ObjectValue::Direct(&value)
            } else {
                ObjectValue::UrlWithDigest(&value)
            })
        };
        let enc = encode(&d);
        let r = Dodf::parse(&enc);
        if ok {
            assert_eq!(r.unwrap().len(), 1);
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.kind(), scboot::ErrorKind::DepthExceeded, "{e}");
            // The failing A0 sits 2 * (levels - 1) bytes after the first.
            let first = enc.len() - value.len();
            assert_eq!(e.offset(), first + 2 * (levels - 1));
        }
    }
}

/// TokenInfo's opaque constructed fields (seInfo, recordInfo,
/// supportedAlgorithms, a referenced lastUpdate) are walked to depth 14:
/// 13 nested levels parse, 14 fail at the 14th.
#[test]
fn tokeninfo_opaque_fields_nesting_bound() {
    let serial = [0x01, 0x02];
    for field in 0..4 {
        for (levels, ok) in [(13, true), (14, false)] {
            let inner = nested_a0(levels);
            let mut t = TokenInfo::new(&serial, TokenFlags(0));
            match field {
                0 => t.se_info = Some(&inner),
                1 => t.record_info = Some(&inner),
                2 => t.supported_algorithms = Some(&inner),
                _ => t.last_update = Some(LastUpdate::Referenced(&inner)),
            }
            let enc = encode(&t);
            match TokenInfo::parse(&enc) {
                Ok(back) => {
                    assert!(ok, "field {field}, {levels} levels accepted");
                    assert_eq!(back, t);
                }
                Err(e) => {
                    assert!(!ok, "field {field}, {levels} levels: {e}");
                    let at = enc.windows(inner.len()).position(|w| w == inner).unwrap();
                    assert_eq!(
                        (e.kind(), e.offset()),
                        (scboot::ErrorKind::DepthExceeded, at + 2 * 13),
                        "field {field}"
                    );
                }
            }
        }
    }
}

#[test]
fn tokeninfo_encoder_limits() {
    let long = "x".repeat(256);
    let serial = [0x5Au8; 256];
    let mut buf = vec![0u8; 2048];
    for (n, ok) in [(255, true), (256, false)] {
        let t = TokenInfo::new(&serial[..n], TokenFlags(0));
        assert_eq!(t.encode(&mut buf).is_ok(), ok, "serial {n}");
        for field in 0..4 {
            let mut t = TokenInfo::new(&serial[..1], TokenFlags(0));
            let s = Some(&long[..n]);
            match field {
                0 => t.manufacturer_id = s,
                1 => t.label = s,
                2 => t.issuer_id = s,
                _ => t.holder_id = s,
            }
            let r = t.encode(&mut buf);
            assert_eq!(r.is_ok(), ok, "field {field}, {n} bytes");
            if let Ok(len) = r {
                assert_eq!(TokenInfo::parse(&buf[..len]).unwrap(), t);
            }
        }
    }
}

#[test]
fn tlv_identifier_width_and_container_values() {
    use scboot::EncodeError::InvalidValue;
    let one = |id| encode(&TlvItem::resource(id, &[0x07]));
    assert_eq!(one(0), [0xC1, 0x00, 0x07]);
    assert_eq!(one(255), [0xC1, 0xFF, 0x07]);
    assert_eq!(one(256), [0xE1, 0x01, 0x00, 0x07]);
    assert_eq!(one(0xFFFF), [0xE1, 0xFF, 0xFF, 0x07]);
    // Value lengths at each length-field size.
    let v = vec![0x11u8; 0x1_0000];
    let hdr = |n: usize| encode(&TlvItem::resource(1, &v[..n]))[..6.min(n + 2)].to_vec();
    assert_eq!(hdr(7)[..2], [0xC7, 0x01]);
    assert_eq!(hdr(8)[..3], [0xC8, 0x01, 0x08]);
    assert_eq!(hdr(0xFF)[..3], [0xC8, 0x01, 0xFF]);
    assert_eq!(hdr(0x100)[..4], [0xD0, 0x01, 0x01, 0x00]);
    assert_eq!(hdr(0xFFFF)[..4], [0xD0, 0x01, 0xFF, 0xFF]);
    assert_eq!(hdr(0x1_0000)[..5], [0xD8, 0x01, 0x01, 0x00, 0x00]);
    // A container given as raw value bytes: those bytes must be valid
    // children for it.
    let mut buf = [0u8; 64];
    let ok = TlvItem {
        kind: TlvType::ObjectInstance,
        id: 3,
        content: TlvContent::Value(&[0xC1, 0x00, 0x05, 0x83, 0x01, 0x41, 0x00, 0x09]),
    };
    assert_eq!(ok.encode(&mut buf), Ok(11));
    assert_eq!(&buf[..3], &[0x08, 0x03, 0x08]);
    assert_eq!(Tlv::parse(&buf[..11]).unwrap().records().count(), 1);
    for bad in [
        &[0xC1, 0x00][..],               // truncated resource
        &[0x01, 0x00, 0x05],             // an Object Instance inside an Object Instance
        &[0x41, 0x00, 0x05],             // a Resource Instance directly in it
        &[0x83, 0x01, 0xC1, 0x00, 0x05], // a Resource inside a Multiple Resource
    ] {
        let item = TlvItem {
            kind: TlvType::ObjectInstance,
            id: 3,
            content: TlvContent::Value(bad),
        };
        assert!(
            matches!(item.encode(&mut buf), Err(InvalidValue(_))),
            "{bad:02X?}"
        );
    }
}

/// An opaqueDO with no optional attribute and this value.
fn plain_object(value: ObjectValue<'_>) -> DataObject<'_> {
    DataObject {
        kind: DataObjectKind::Opaque,
        common: CommonObjectAttributes::default(),
        data: CommonDataObjectAttributes::default(),
        sub_class: None,
        value,
    }
}

/// A DODF entry's opaque constructed fields are walked to a fixed depth
/// that leaves room for the levels above them: `subClassAttributes` (inside
/// the entry, its `[0]`) to 13 levels in all, `accessControlRules` (one
/// level deeper, inside CommonObjectAttributes) to 12. One level more
/// fails at the deepest element.
#[test]
fn dodf_opaque_fields_nesting_bound() {
    let path = [0x64, 0x40];
    for (field, max) in [(0, 13usize), (1, 12)] {
        for levels in [max - 1, max] {
            let inner = nested_a0(levels);
            let mut d = plain_object(ObjectValue::Path(scboot::path::Path::new(&path)));
            match field {
                0 => d.sub_class = Some(&inner),
                _ => d.common.access_control_rules = Some(&inner),
            }
            let enc = encode(&d);
            let r = Dodf::parse(&enc);
            if levels < max {
                let back = r.unwrap();
                assert_eq!(back.len(), 1, "field {field}, {levels} levels");
            } else {
                let e = r.unwrap_err();
                let at = enc.windows(inner.len()).position(|w| w == inner).unwrap();
                assert_eq!(
                    (e.kind(), e.offset()),
                    (scboot::ErrorKind::DepthExceeded, at + 2 * (levels - 1)),
                    "field {field}, {levels} levels"
                );
            }
        }
    }
}
