//! `arbitrary` structures for the round-trip and SCP03 targets, normalised
//! into the formats' bounds, with what each must parse back to.

use arbitrary::Arbitrary;
use scboot::ber::{self, Concat, Encode, Oid};
use scboot_reference::ber::RefPath;
use scboot_reference::dir::RefTemplate;
use scboot_reference::dodf::{RefDataObject, RefValue};
use scboot_reference::keys::RefKey;
use scboot_reference::mirror;
use scboot_reference::odf::{RefLocation, RefOdfEntry};
use scboot_reference::tlv::RefTlv;
use scboot_reference::tokeninfo::{RefLastUpdate, RefTokenInfo};

fn encode<T: Encode>(v: &T) -> Vec<u8> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode(&mut out).expect("normalised values encode");
    out
}

fn fit(v: &[u8], min: usize, max: usize, even: bool) -> Vec<u8> {
    let mut v: Vec<u8> = v.iter().copied().take(max).collect();
    while v.len() < min {
        v.push(0x3F);
    }
    if even && v.len() % 2 == 1 {
        v.pop();
        if v.len() < min {
            v.extend([0x3F, 0x00]);
        }
    }
    v
}

fn text(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// Primitive context-specific elements `(tag number, value)`.
pub type Elements = Vec<(u8, Vec<u8>)>;
/// AID, label, path, discretionary data.
pub type TemplateParts = (Vec<u8>, Option<String>, Option<Vec<u8>>, Option<Elements>);
/// A GeneralizedTime's fields, or a referenced value `(tag, bytes)`.
pub type TimeParts = Result<(u16, u8, u8, u8, u8, u8, bool), (u8, Vec<u8>)>;

/// A bootstrap object: id, explicit version, Object Instances `(id, resources)`.
pub type ObjectParts = (u16, Option<(u8, u8)>, Vec<(u16, Vec<ARes>)>);
/// CLA, INS, P1, P2, data, Le, extended; or raw bytes.
pub type CommandParts = Result<(u8, u8, u8, u8, Vec<u8>, Option<u16>, bool), Vec<u8>>;
/// An object as expected back: id, version, instance shapes, TLV bytes.
type ExpectedObject = (u16, Option<(u8, u8)>, Vec<Shape>, Vec<u8>);

/// Well-formed BER content: primitive context-specific elements.
fn ber(els: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (t, x) in els.iter().take(4) {
        let x = &x[..x.len().min(60)];
        v.push(0x80 | (t % 31));
        v.push(x.len() as u8);
        v.extend_from_slice(x);
    }
    v
}

/// A path.
#[derive(Arbitrary, Debug, Clone)]
pub struct APath {
    path: Vec<u8>,
    index_length: Option<(u16, u16)>,
}

impl APath {
    fn norm(&self) -> RefPath {
        RefPath {
            path: fit(&self.path, 2, 16, true),
            index_length: self.index_length.map(|(i, l)| (u32::from(i), u32::from(l))),
        }
    }
}

fn kpath(p: &RefPath) -> scboot::path::Path<'_> {
    scboot::path::Path {
        path: &p.path,
        index_length: p
            .index_length
            .map(|(index, length)| scboot::path::IndexLength { index, length }),
    }
}

// ------------------------------------------------------------------ EF.DIR

/// An EF.DIR.
#[derive(Arbitrary, Debug)]
pub struct Dir {
    templates: Vec<TemplateParts>,
    padding: u8,
}

/// Encode, then parse with kernel and model.
pub fn roundtrip_dir(d: &Dir) {
    let expected: Vec<RefTemplate> = d
        .templates
        .iter()
        .take(6)
        .map(|(aid, label, path, ddo)| RefTemplate {
            aid: fit(aid, 5, 16, false),
            label: label.as_deref().map(|l| text(l, 255)),
            path: path.as_deref().map(|p| fit(p, 2, 16, true)),
            discretionary: ddo.as_deref().map(ber),
        })
        .collect();
    let views: Vec<scboot::dir::ApplicationTemplate> = expected
        .iter()
        .map(|t| scboot::dir::ApplicationTemplate {
            aid: &t.aid,
            label: t.label.as_deref(),
            path: t.path.as_deref(),
            discretionary: t.discretionary.as_deref(),
        })
        .collect();
    let mut enc = encode(&Concat(&views));
    enc.extend(std::iter::repeat_n(0xFF, usize::from(d.padding % 8)));
    assert_eq!(mirror::dir(&enc).expect("kernel parses"), expected);
    assert_eq!(
        scboot_reference::dir::parse(&enc).expect("model parses"),
        expected
    );
}

// --------------------------------------------------------------------- ODF

/// Where an ODF entry points.
#[derive(Arbitrary, Debug)]
pub enum ALocation {
    /// A path.
    Path(APath),
    /// Direct objects.
    Direct(Vec<(u8, Vec<u8>)>),
}

/// An ODF.
#[derive(Arbitrary, Debug)]
pub struct Odf {
    entries: Vec<(u8, ALocation)>,
}

/// Encode, then parse with kernel and model.
pub fn roundtrip_odf(o: &Odf) {
    let expected: Vec<RefOdfEntry> = o
        .entries
        .iter()
        .take(9)
        .map(|(c, l)| RefOdfEntry {
            class: u32::from(c % 9),
            location: match l {
                ALocation::Path(p) => RefLocation::Path(p.norm()),
                ALocation::Direct(d) => RefLocation::Direct(ber(d)),
            },
        })
        .collect();
    let views: Vec<scboot::odf::OdfEntry> = expected
        .iter()
        .map(|e| scboot::odf::OdfEntry {
            class: scboot::odf::ObjectClass::ALL[e.class as usize],
            location: match &e.location {
                RefLocation::Path(p) => scboot::odf::OdfLocation::Path(kpath(p)),
                RefLocation::Direct(d) => scboot::odf::OdfLocation::Direct(d),
            },
        })
        .collect();
    let enc = encode(&Concat(&views));
    assert_eq!(mirror::odf(&enc).expect("kernel parses"), expected);
    assert_eq!(
        scboot_reference::odf::parse(&enc).expect("model parses"),
        expected
    );
}

// -------------------------------------------------------------------- DODF

fn oid(arcs: &[u32]) -> Vec<u8> {
    let a0 = arcs.first().copied().unwrap_or(2) % 3;
    let a1 = arcs.get(1).copied().unwrap_or(23);
    let a1 = if a0 < 2 {
        a1 % 40
    } else {
        a1 % (u32::MAX - 80)
    };
    let mut all = vec![a0, a1];
    all.extend(arcs.iter().skip(2).take(8));
    let mut buf = [0u8; 64];
    let n = ber::encode_oid_arcs(&all, &mut buf).expect("normalised arcs encode");
    buf[..n].to_vec()
}

/// An ObjectValue.
#[derive(Arbitrary, Debug)]
pub enum AValue {
    /// Path.
    Path(APath),
    /// URL.
    Url(String),
    /// urlWithDigest contents.
    UrlWithDigest(Vec<(u8, Vec<u8>)>),
    /// Direct value.
    Direct(u8, Vec<u8>),
    /// The LwM2M registered OID, to exercise the finder.
    Lwm2m,
}

/// A DODF entry.
#[derive(Arbitrary, Debug)]
pub struct ADataObject {
    kind: u8,
    id: Vec<u32>,
    double_encoded: bool,
    label: Option<String>,
    flags: Option<u32>,
    auth_id: Option<Vec<u8>>,
    user_consent: Option<u8>,
    acr: Option<Vec<(u8, Vec<u8>)>>,
    app_name: Option<String>,
    app_oid: Option<Vec<u32>>,
    lwm2m_app_oid: bool,
    sub_class: Option<Vec<(u8, Vec<u8>)>>,
    value: AValue,
}

/// A DODF.
#[derive(Arbitrary, Debug)]
pub struct Dodf {
    entries: Vec<ADataObject>,
}

fn norm_do(a: &ADataObject) -> RefDataObject {
    let kind = a.kind % 3;
    let id = if kind == 2 {
        Some(match (&a.value, a.double_encoded) {
            (AValue::Lwm2m, false) => vec![0x67, 0x2B, 0x09, 0x01],
            (AValue::Lwm2m, true) => vec![0x06, 0x04, 0x67, 0x2B, 0x09, 0x01],
            _ => oid(&a.id),
        })
    } else {
        None
    };
    let value = match &a.value {
        AValue::Path(p) => RefValue::Path(p.norm()),
        AValue::Lwm2m => RefValue::Path(RefPath {
            path: vec![0x64, 0x32],
            index_length: None,
        }),
        AValue::Url(u) => RefValue::Url(text(
            &u.chars().filter(char::is_ascii).collect::<String>(),
            1024,
        )),
        AValue::UrlWithDigest(d) => RefValue::UrlWithDigest(ber(d)),
        AValue::Direct(t, x) => {
            let x = &x[..x.len().min(100)];
            let mut v = vec![
                if kind == 0 { 0x04 } else { 0x80 | (t % 31) },
                x.len() as u8,
            ];
            v.extend_from_slice(x);
            RefValue::Direct(v)
        }
    };
    RefDataObject {
        kind,
        id,
        label: a.label.as_deref().map(|l| text(l, 255)),
        flags: a.flags,
        auth_id: a.auth_id.as_deref().map(|x| x[..x.len().min(255)].to_vec()),
        user_consent: a.user_consent.map(|u| u % 15 + 1),
        access_control_rules: a.acr.as_deref().map(ber),
        application_name: a.app_name.as_deref().map(|l| text(l, 255)),
        application_oid: if a.lwm2m_app_oid {
            Some(vec![0x67, 0x2B, 0x09, 0x01])
        } else {
            a.app_oid.as_deref().map(oid)
        },
        sub_class: a.sub_class.as_deref().map(ber),
        value,
    }
}

fn kdo(r: &RefDataObject) -> scboot::dodf::DataObject<'_> {
    use scboot::dodf::*;
    DataObject {
        kind: match r.kind {
            0 => DataObjectKind::Opaque,
            1 => DataObjectKind::External,
            _ => DataObjectKind::Oid(
                Oid::from_content(r.id.as_deref().unwrap_or(&[])).expect("normalised OID"),
            ),
        },
        common: CommonObjectAttributes {
            label: r.label.as_deref(),
            flags: r.flags.map(ObjectFlags),
            auth_id: r.auth_id.as_deref(),
            user_consent: r.user_consent,
            access_control_rules: r.access_control_rules.as_deref(),
        },
        data: CommonDataObjectAttributes {
            application_name: r.application_name.as_deref(),
            application_oid: r
                .application_oid
                .as_deref()
                .map(|o| Oid::from_content(o).expect("normalised OID")),
        },
        sub_class: r.sub_class.as_deref(),
        value: match &r.value {
            RefValue::Path(p) => ObjectValue::Path(kpath(p)),
            RefValue::Url(u) => ObjectValue::Url(u),
            RefValue::UrlWithDigest(d) => ObjectValue::UrlWithDigest(d),
            RefValue::Direct(d) => ObjectValue::Direct(d),
        },
    }
}

/// Encode, then parse with kernel and model; the finders agree with the rules.
pub fn roundtrip_dodf(d: &Dodf) {
    let expected: Vec<RefDataObject> = d.entries.iter().take(6).map(norm_do).collect();
    let views: Vec<_> = expected.iter().map(kdo).collect();
    let enc = encode(&Concat(&views));
    let found = scboot_reference::dodf::find_bootstrap(&expected);
    assert_eq!(
        mirror::dodf(&enc).expect("kernel parses"),
        (expected.clone(), found)
    );
    assert_eq!(
        mirror::model_dodf(&enc).expect("model parses"),
        (expected, found)
    );
}

// ---------------------------------------------------------- key directories

/// A key directory entry.
#[derive(Arbitrary, Debug)]
pub struct AKey {
    kind: u8,
    label: Option<String>,
    flags: Option<u32>,
    auth_id: Option<Vec<u8>>,
    id: Vec<u8>,
    usage: u16,
    native: Option<bool>,
    access: Option<u8>,
    key_reference: Option<u16>,
    value: AValue,
    empty_path: bool,
    field_size: Option<u16>,
    key_len: Option<u16>,
    other: Vec<(u8, Vec<u8>)>,
}

/// A key directory of one class.
#[derive(Arbitrary, Debug)]
pub struct Keys {
    class: u8,
    entries: Vec<AKey>,
}

fn norm_key(a: &AKey, class: scboot_reference::keys::RefKeyClass) -> RefKey {
    use scboot_reference::keys::RefKeyClass;
    let secret = class == RefKeyClass::Secret;
    // RSA / EC in PrKDF and PuKDF, generic secret in the SKDF, or another
    // alternative [1..=14].
    let kind = match (a.kind % 4, secret) {
        (0, false) => 0,
        (1, false) => 1,
        (0 | 1, true) => 2,
        (_, _) => 101 + u32::from(a.kind) % 14,
    };
    let value = if kind < 100 {
        Some(if a.empty_path {
            RefValue::Path(RefPath {
                path: Vec::new(),
                index_length: None,
            })
        } else {
            match &a.value {
                AValue::Path(p) => RefValue::Path(p.norm()),
                AValue::Direct(t, x) => {
                    let x = &x[..x.len().min(100)];
                    let mut v = vec![0x80 | (t % 31), x.len() as u8];
                    v.extend_from_slice(x);
                    RefValue::Direct(v)
                }
                _ => RefValue::Path(RefPath {
                    path: vec![0x44, 0x01],
                    index_length: None,
                }),
            }
        })
    } else {
        None
    };
    RefKey {
        kind,
        label: a.label.as_deref().map(|l| text(l, 255)),
        flags: a.flags,
        auth_id: a.auth_id.as_deref().map(|x| x[..x.len().min(255)].to_vec()),
        id: a.id[..a.id.len().min(255)].to_vec(),
        usage: u32::from(a.usage),
        native: a.native,
        access: a.access.map(u32::from),
        key_reference: a.key_reference.map(u32::from),
        sub_class: if secret {
            a.key_len.map(|l| {
                let l = i64::from(l);
                let mut v = vec![0u8; scboot::ber::integer_len(l) + 2];
                let mut w = scboot::ber::Writer::new(&mut v);
                scboot::ber::BerWriter::header(
                    &mut w,
                    scboot::ber::Tag::SEQUENCE,
                    scboot::ber::integer_len(l),
                )
                .unwrap();
                scboot::ber::put_integer(&mut w, scboot::ber::Tag::INTEGER, l).unwrap();
                v
            })
        } else {
            None
        },
        value,
        field_size: if class == RefKeyClass::Private && kind == 1 {
            a.field_size.map(u32::from)
        } else {
            None
        },
        key_len: if secret {
            a.key_len.map(u32::from)
        } else {
            None
        },
    }
}

/// The kernel value of a normalised key, with `other` as the type
/// attributes of an alternative the kernel does not read.
fn kkey<'a>(
    r: &'a RefKey,
    class: scboot_reference::keys::RefKeyClass,
    other: &'a [u8],
) -> scboot::keys::KeyObject<'a> {
    use scboot::dodf::{CommonObjectAttributes, ObjectFlags, ObjectValue};
    use scboot::keys::*;
    let key_type = match r.kind {
        0 => KeyType::Rsa,
        1 => KeyType::Ec,
        2 => KeyType::GenericSecret,
        n => KeyType::Other(n - 100),
    };
    let common = CommonObjectAttributes {
        label: r.label.as_deref(),
        flags: r.flags.map(ObjectFlags),
        auth_id: r.auth_id.as_deref(),
        ..CommonObjectAttributes::default()
    };
    let mut key = CommonKeyAttributes::new(&r.id, KeyUsage(r.usage));
    key.native = r.native;
    key.access = r.access.map(KeyAccess);
    key.key_reference = r.key_reference;
    let value = match &r.value {
        Some(RefValue::Path(p)) if p.path.is_empty() => {
            ObjectValue::Path(scboot::path::Path::new(&[]))
        }
        Some(RefValue::Path(p)) => ObjectValue::Path(kpath(p)),
        Some(RefValue::Direct(d)) => ObjectValue::Direct(d),
        _ => ObjectValue::Direct(&[]),
    };
    let mut k = KeyObject::new(mirror::key_class(class), key_type, common, key, value);
    if r.value.is_none() {
        k.value = None;
        k.type_attributes = other;
    }
    k.field_size = r.field_size;
    k.key_len = r.key_len;
    k
}

/// Encode, then parse with kernel and model.
pub fn roundtrip_keys(k: &Keys) {
    use scboot_reference::keys::RefKeyClass;
    let class = [
        RefKeyClass::Private,
        RefKeyClass::Public,
        RefKeyClass::Secret,
    ][usize::from(k.class % 3)];
    let entries: Vec<_> = k.entries.iter().take(6).collect();
    let expected: Vec<RefKey> = entries.iter().map(|a| norm_key(a, class)).collect();
    let others: Vec<Vec<u8>> = entries.iter().map(|a| ber(&a.other)).collect();
    let views: Vec<_> = expected
        .iter()
        .zip(&others)
        .map(|(r, o)| kkey(r, class, o))
        .collect();
    let enc = encode(&Concat(&views));
    assert_eq!(mirror::keys(&enc, class).expect("kernel parses"), expected);
    assert_eq!(
        scboot_reference::keys::parse(&enc, class).expect("model parses"),
        expected
    );
}

// --------------------------------------------------------------- TokenInfo

/// A TokenInfo.
#[derive(Arbitrary, Debug)]
pub struct TokenInfo {
    version: u8,
    serial: Vec<u8>,
    labels: [Option<String>; 4],
    flags: u32,
    raws: [Option<Elements>; 3],
    time: Option<TimeParts>,
    language: Option<String>,
}

/// Encode, then parse with kernel and model.
pub fn roundtrip_tokeninfo(t: &TokenInfo) {
    let l = |i: usize| t.labels[i].as_deref().map(|s| text(s, 255));
    let r = |i: usize| t.raws[i].as_deref().map(ber);
    let expected = RefTokenInfo {
        version: u32::from(t.version),
        serial_number: t.serial[..t.serial.len().min(255)].to_vec(),
        manufacturer_id: l(0),
        label: l(1),
        token_flags: t.flags,
        se_info: r(0),
        record_info: r(1),
        supported_algorithms: r(2),
        issuer_id: l(2),
        holder_id: l(3),
        last_update: t.time.as_ref().map(|x| match x {
            Ok((y, mo, d, h, mi, s, z)) => RefLastUpdate::Time(format!(
                "{:04}{:02}{:02}{:02}{:02}{:02}{}",
                y % 10000,
                mo % 100,
                d % 100,
                h % 100,
                mi % 100,
                s % 100,
                if *z { "Z" } else { "" }
            )),
            Err((tag, v)) => {
                let v = &v[..v.len().min(60)];
                let mut e = vec![0x80 | (tag % 31), v.len() as u8];
                e.extend_from_slice(v);
                RefLastUpdate::Referenced(e)
            }
        }),
        preferred_language: t.language.as_deref().map(|s| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(32)
                .collect()
        }),
    };
    let view = scboot::tokeninfo::TokenInfo {
        version: expected.version,
        serial_number: &expected.serial_number,
        manufacturer_id: expected.manufacturer_id.as_deref(),
        label: expected.label.as_deref(),
        token_flags: scboot::tokeninfo::TokenFlags(expected.token_flags),
        se_info: expected.se_info.as_deref(),
        record_info: expected.record_info.as_deref(),
        supported_algorithms: expected.supported_algorithms.as_deref(),
        issuer_id: expected.issuer_id.as_deref(),
        holder_id: expected.holder_id.as_deref(),
        last_update: expected.last_update.as_ref().map(|x| match x {
            RefLastUpdate::Time(s) => scboot::tokeninfo::LastUpdate::Time(s),
            RefLastUpdate::Referenced(r) => scboot::tokeninfo::LastUpdate::Referenced(r),
        }),
        preferred_language: expected.preferred_language.as_deref(),
    };
    let enc = encode(&view);
    assert_eq!(mirror::tokeninfo(&enc).expect("kernel parses"), expected);
    assert_eq!(
        scboot_reference::tokeninfo::parse(&enc).expect("model parses"),
        expected
    );
}

// --------------------------------------------------------------------- TLV

/// A TLV record's shape (offsets dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    kind: u8,
    id: u16,
    value: Option<Vec<u8>>,
    children: Vec<Shape>,
}

/// Drop offsets from a record tree.
pub fn shape(r: &[RefTlv]) -> Vec<Shape> {
    r.iter()
        .map(|x| Shape {
            kind: x.kind,
            id: x.id,
            value: if x.kind == 0 || x.kind == 2 {
                None
            } else {
                Some(x.value.clone())
            },
            children: shape(&x.children),
        })
        .collect()
}

/// A resource inside an Object Instance.
#[derive(Arbitrary, Debug, Clone)]
pub enum ARes {
    /// Resource with value.
    Single(u16, Vec<u8>),
    /// Multiple Resource.
    Multiple(u16, Vec<(u16, Vec<u8>)>),
}

/// A top-level TLV record.
#[derive(Arbitrary, Debug, Clone)]
pub enum ATlv {
    /// Object Instance.
    Instance(u16, Vec<ARes>),
    /// Resource or Multiple Resource.
    Res(ARes),
    /// Resource Instance.
    Ri(u16, Vec<u8>),
}

fn leaf(kind: u8, id: u16, v: &[u8]) -> Shape {
    Shape {
        kind,
        id,
        value: Some(v[..v.len().min(300)].to_vec()),
        children: vec![],
    }
}

fn res_shape(r: &ARes) -> Shape {
    match r {
        ARes::Single(id, v) => leaf(3, *id, v),
        ARes::Multiple(id, ris) => Shape {
            kind: 2,
            id: *id,
            value: None,
            children: ris.iter().take(5).map(|(i, v)| leaf(1, *i, v)).collect(),
        },
    }
}

fn tlv_shape(t: &ATlv) -> Shape {
    match t {
        ATlv::Instance(id, rs) => Shape {
            kind: 0,
            id: *id,
            value: None,
            children: rs.iter().take(6).map(res_shape).collect(),
        },
        ATlv::Res(r) => res_shape(r),
        ATlv::Ri(id, v) => leaf(1, *id, v),
    }
}

fn kind_of(k: u8) -> scboot::tlv::TlvType {
    use scboot::tlv::TlvType::*;
    [ObjectInstance, ResourceInstance, MultipleResource, Resource][usize::from(k)]
}

/// Encode a shape with the kernel: children through `TlvContent::Children`,
/// grandchildren pre-encoded through `TlvContent::Value`.
pub fn encode_shape(s: &Shape) -> Vec<u8> {
    use scboot::tlv::{TlvContent, TlvItem};
    match &s.value {
        Some(v) => encode(&TlvItem {
            kind: kind_of(s.kind),
            id: s.id,
            content: TlvContent::Value(v),
        }),
        None => {
            let bufs: Vec<Vec<u8>> = s
                .children
                .iter()
                .map(|c| match &c.value {
                    Some(v) => v.clone(),
                    None => c.children.iter().flat_map(encode_shape).collect(),
                })
                .collect();
            let items: Vec<TlvItem> = s
                .children
                .iter()
                .zip(&bufs)
                .map(|(c, b)| TlvItem {
                    kind: kind_of(c.kind),
                    id: c.id,
                    content: TlvContent::Value(b),
                })
                .collect();
            encode(&TlvItem {
                kind: kind_of(s.kind),
                id: s.id,
                content: TlvContent::Children(&items),
            })
        }
    }
}

/// A typed LwM2M value (OMA-TS-LightweightM2M-Core 1.1, C.1 data types).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum ATyped {
    /// Integer (and Time).
    Integer(i64),
    /// Unsigned Integer.
    Unsigned(u64),
    /// Float.
    Float(f64),
    /// Boolean.
    Boolean(bool),
    /// Objlnk.
    ObjLnk(u16, u16),
}

/// TLV records, and typed values in an Object Instance built by the
/// encoder's constructors.
#[derive(Arbitrary, Debug)]
pub struct Tlv {
    records: Vec<ATlv>,
    values: Vec<ATyped>,
    instance: u16,
}

/// Encode, then parse with kernel and model; typed values round-trip.
pub fn roundtrip_tlv(t: &Tlv) {
    let expected: Vec<Shape> = t.records.iter().take(6).map(tlv_shape).collect();
    let enc: Vec<u8> = expected.iter().flat_map(encode_shape).collect();
    assert_eq!(shape(&mirror::tlv(&enc).expect("kernel parses")), expected);
    assert_eq!(
        shape(&scboot_reference::tlv::parse(&enc).expect("model parses")),
        expected
    );
    typed_values(&t.values[..t.values.len().min(8)], t.instance);
    nesting_rules(&enc);
}

/// Each value as a Resource and as a Resource Instance of a Multiple
/// Resource, in one Object Instance built with `TlvItem`'s constructors:
/// it decodes to itself, in the fewest bytes its type allows.
fn typed_values(values: &[ATyped], instance: u16) {
    use scboot::tlv::{ObjLnk, Tlv, TlvItem, TlvType, ValueBytes};
    let bytes: Vec<ValueBytes> = values
        .iter()
        .map(|v| match *v {
            ATyped::Integer(x) => ValueBytes::integer(x),
            ATyped::Unsigned(x) => ValueBytes::unsigned(x),
            ATyped::Float(x) => ValueBytes::float(x),
            ATyped::Boolean(x) => ValueBytes::boolean(x),
            ATyped::ObjLnk(o, i) => ValueBytes::objlnk(ObjLnk {
                object_id: o,
                instance_id: i,
            }),
        })
        .collect();
    let instances: Vec<TlvItem> = bytes
        .iter()
        .enumerate()
        .map(|(k, b)| TlvItem::resource_instance(k as u16, b.as_bytes()))
        .collect();
    let mut resources: Vec<TlvItem> = bytes
        .iter()
        .enumerate()
        .map(|(k, b)| TlvItem::resource(k as u16, b.as_bytes()))
        .collect();
    resources.push(TlvItem::multiple_resource(0x1FF, &instances));
    let enc = encode(&TlvItem::object_instance(instance, &resources));
    let tlv = Tlv::parse(&enc).expect("an encoded instance parses");
    let mut records = tlv.records();
    let inst = records.next().expect("one record");
    assert!(records.next().is_none());
    assert_eq!(
        (inst.kind(), inst.id()),
        (TlvType::ObjectInstance, instance)
    );
    let children: Vec<_> = inst.children().collect();
    assert_eq!(children.len(), values.len() + 1);
    let multiple = children[values.len()];
    assert_eq!(
        (multiple.kind(), multiple.id()),
        (TlvType::MultipleResource, 0x1FF)
    );
    let ris: Vec<_> = multiple.children().collect();
    for (k, v) in values.iter().enumerate() {
        for r in [children[k], ris[k]] {
            assert_eq!(r.id(), k as u16);
            let len = r.value().len();
            match *v {
                ATyped::Integer(x) => {
                    assert_eq!(r.as_integer(), Ok(x));
                    assert_eq!(r.as_time(), Ok(x));
                    let fewest = if i8::try_from(x).is_ok() {
                        1
                    } else if i16::try_from(x).is_ok() {
                        2
                    } else if i32::try_from(x).is_ok() {
                        4
                    } else {
                        8
                    };
                    assert_eq!(len, fewest, "{x}");
                }
                ATyped::Unsigned(x) => {
                    assert_eq!(r.as_unsigned(), Ok(x));
                    let fewest = if u8::try_from(x).is_ok() {
                        1
                    } else if u16::try_from(x).is_ok() {
                        2
                    } else if u32::try_from(x).is_ok() {
                        4
                    } else {
                        8
                    };
                    assert_eq!(len, fewest, "{x}");
                }
                ATyped::Float(x) => {
                    let got = r.as_float().expect("a float decodes");
                    assert!(got.to_bits() == x.to_bits() || (got.is_nan() && x.is_nan()));
                    assert_eq!(
                        len,
                        if f64::from(x as f32).to_bits() == x.to_bits() {
                            4
                        } else {
                            8
                        }
                    );
                }
                ATyped::Boolean(x) => assert_eq!(r.as_bool(), Ok(x)),
                ATyped::ObjLnk(o, i) => {
                    let l = r.as_objlnk().expect("an objlnk decodes");
                    assert_eq!((l.object_id, l.instance_id), (o, i));
                    assert_eq!(l.is_null(), (o, i) == (0xFFFF, 0xFFFF));
                }
            }
        }
    }
    let _ = (
        TlvType::ObjectInstance.snake_name(),
        TlvType::Resource.to_string(),
    );
}

/// The encoder refuses what the nesting rules forbid (OMA-TS-LightweightM2M
/// Core 1.1, C.4): children under a leaf, an Object Instance inside a
/// container, a container whose given value is not valid TLV; the records
/// in `enc` re-encode to themselves through `to_item`.
fn nesting_rules(enc: &[u8]) {
    use scboot::error::EncodeError;
    use scboot::tlv::{Tlv, TlvItem};
    let leaf = [TlvItem::resource(1, b"x")];
    let instance = [TlvItem::object_instance(1, &leaf)];
    let refused = |item: TlvItem<'_>, why: &'static str| {
        let mut out = [0u8; 64];
        let e = item.encode(&mut out).expect_err(why);
        assert_eq!(e, EncodeError::InvalidValue(why));
        assert_eq!(e.to_string(), format!("cannot encode: {why}"));
    };
    let mut leaf_with_children = TlvItem::object_instance(2, &leaf);
    leaf_with_children.kind = scboot::tlv::TlvType::Resource;
    refused(leaf_with_children, "only containers have children");
    refused(
        TlvItem::object_instance(3, &instance),
        "TLV child type not allowed in parent",
    );
    let records = Tlv::parse(enc).expect("valid").records();
    let mut given = TlvItem::resource(4, enc);
    given.kind = scboot::tlv::TlvType::MultipleResource;
    let mut out = vec![0u8; given.encoded_len()];
    match given.encode(&mut out) {
        Ok(_) => {
            // Then `enc` is Resource Instances only.
            for r in records.clone() {
                assert_eq!(r.kind(), scboot::tlv::TlvType::ResourceInstance);
            }
        }
        Err(e) => assert!(
            matches!(
                e,
                EncodeError::InvalidValue(
                    "TLV child type not allowed in parent" | "container value is not valid TLV"
                )
            ),
            "{e:?}"
        ),
    }
    for r in records {
        let whole = &enc[r.offset()..r.value_offset() + r.value().len()];
        assert_eq!(encode(&r.to_item()), whole);
    }
}

/// A bootstrap file.
#[derive(Arbitrary, Debug)]
pub struct Bootstrap {
    objects: Vec<ObjectParts>,
    padding: u8,
}

/// Encode, then parse with kernel and model.
pub fn roundtrip_bootstrap(b: &Bootstrap) {
    use scboot::bootstrap::{BootstrapData, ObjectData, ObjectVersion};
    let objs: Vec<ExpectedObject> = b
        .objects
        .iter()
        .take(5)
        .map(|(id, v, insts)| {
            let shapes: Vec<Shape> = insts
                .iter()
                .take(4)
                .map(|(i, rs)| tlv_shape(&ATlv::Instance(*i, rs.clone())))
                .collect();
            let tlv: Vec<u8> = shapes.iter().flat_map(encode_shape).collect();
            (*id, *v, shapes, tlv)
        })
        .collect();
    let data: Vec<ObjectData> = objs
        .iter()
        .map(|(id, v, _, tlv)| ObjectData {
            object_id: *id,
            version: v.map_or(ObjectVersion::Implicit, |(major, minor)| {
                ObjectVersion::Explicit { major, minor }
            }),
            tlv,
        })
        .collect();
    let whole = BootstrapData { objects: &data };
    // What the format cannot carry is refused (OMA LwM2M smartcard
    // bootstrap, the file's header): an explicit version 0.x, or more than
    // 32 KB of data.
    let explicit_zero = objs.iter().any(|(_, v, _, _)| matches!(v, Some((0, _))));
    if explicit_zero || whole.encoded_len() > scboot::bootstrap::MAX_FILE_LEN {
        let mut out = vec![0u8; whole.encoded_len()];
        let e = whole.encode(&mut out).expect_err("refused");
        let why = if explicit_zero {
            "explicit version needs major >= 1"
        } else {
            "bootstrap data larger than 32 KB"
        };
        assert_eq!(e, scboot::EncodeError::InvalidValue(why));
        return;
    }
    let mut enc = encode(&whole);
    enc.extend(std::iter::repeat_n(0xFF, usize::from(b.padding % 8)));
    for got in [
        mirror::bootstrap(&enc).expect("kernel parses"),
        scboot_reference::bootstrap::parse(&enc).expect("model parses"),
    ] {
        assert_eq!(got.len(), objs.len());
        for (g, (id, v, shapes, tlv)) in got.iter().zip(&objs) {
            assert_eq!((g.object_id, g.version, &g.tlv), (*id, *v, tlv));
            assert_eq!(&shape(&g.instances), shapes);
        }
    }
}

// ------------------------------------------------------------------- SCP03

/// One exchange: a well-formed command or any bytes, a response, bit flips.
#[derive(Arbitrary, Debug)]
pub struct AExchange {
    command: CommandParts,
    flip_command: Option<u16>,
    data: Vec<u8>,
    sw: u8,
    flip_response: Option<u16>,
    /// Padding beyond the minimum: bits 0-1 extra response blocks, bits
    /// 2-3 extra command blocks (when bit 4 is set), bit 5 a wrong response
    /// padding.
    extra_padding: u8,
}

/// A session script.
#[derive(Arbitrary, Debug)]
pub struct Session {
    key_len: u8,
    keys: [u8; 32],
    i: u8,
    level: u8,
    mode: Option<bool>,
    channel: u8,
    host_challenge: [u8; 16],
    card_random: [u8; 16],
    seq: u32,
    /// A bit flipped in IU (0), its response (1) or EA (2).
    handshake_flip: Option<(u8, u16)>,
    exchanges: Vec<AExchange>,
}

/// Run the four parties in lockstep.
pub fn scp03(s: &Session) {
    use scboot_reference::mirror::{Exchange, Script};
    const IS: [u8; 12] = [
        0x60, 0x70, 0x61, 0x71, 0x70, 0x71, 0x00, 0x10, 0x20, 0x30, 0x11, 0x40,
    ];
    const LEVELS: [u8; 8] = [0x33, 0x33, 0x13, 0x11, 0x03, 0x01, 0x00, 0x07];
    const SWS: [u16; 6] = [0x9000, 0x9000, 0x6283, 0x6300, 0x6A82, 0x6982];
    let i = IS[usize::from(s.i) % IS.len()];
    let mut key_bytes = [0u8; 96];
    for (k, b) in key_bytes.iter_mut().enumerate() {
        *b = s.keys[k % 32].wrapping_add(k as u8);
    }
    let exchanges = s
        .exchanges
        .iter()
        .take(8)
        .map(|x| Exchange {
            command: match &x.command {
                Ok((cla, ins, p1, p2, data, le, ext)) => {
                    let data = &data[..data.len().min(600)];
                    let mut c = scboot::apdu::Command::new(
                        *cla,
                        *ins,
                        *p1,
                        *p2,
                        data,
                        le.map(|l| u32::from(l).max(1)),
                    );
                    c.extended |= *ext;
                    let mut v = vec![0u8; c.encoded_len()];
                    match c.encode(&mut v) {
                        Ok(n) => v[..n].to_vec(),
                        Err(_) => vec![*cla, *ins],
                    }
                }
                Err(raw) => raw[..raw.len().min(40)].to_vec(),
            },
            flip_command: x.flip_command.map(usize::from),
            data: x.data[..x.data.len().min(300)].to_vec(),
            sw: SWS[usize::from(x.sw) % SWS.len()],
            flip_response: x.flip_response.map(usize::from),
            command_extra_padding: if x.extra_padding & 0x10 != 0 {
                usize::from((x.extra_padding >> 2) & 3)
            } else {
                0
            },
            // Bit 5: wrong padding (see `Exchange`).
            response_extra_padding: usize::from(x.extra_padding & 3)
                + if x.extra_padding & 0x20 != 0 { 8 } else { 0 },
        })
        .collect();
    let script = Script {
        key_len: [16, 24, 32][usize::from(s.key_len) % 3],
        key_bytes,
        i,
        level: LEVELS[usize::from(s.level) % LEVELS.len()],
        s16: s.mode.unwrap_or(i & 1 == 1),
        channel: s.channel % 20,
        host_challenge: s.host_challenge,
        card_random: s.card_random,
        seq: match s.seq % 4 {
            0 => 0,
            1 => 0xFF_FFFE,
            2 => 0xFF_FFFF,
            _ => s.seq & 0xFFFF,
        },
        handshake_flip: s.handshake_flip.map(|(m, bit)| (m, usize::from(bit))),
        exchanges,
    };
    if let Err(e) = scboot_reference::mirror::scp03_lockstep(&script) {
        panic!("SCP03 divergence: {e}");
    }
    host_api(s);
}

/// The host API's own checks: challenge length, KVN, channel, AID, errors'
/// texts; the KDF against the model's; static keys of every length.
fn host_api(s: &Session) {
    use scboot::scp03::*;
    // SP 800-108 counter-mode KDF (GPC 2.3 Amd D 4.1.5), kernel vs model.
    let key_len = [16, 24, 32][usize::from(s.key_len) % 3];
    let kdf_key = &s.keys[..key_len];
    let out_len = [8, 16, 24, 32][usize::from(s.level) % 4];
    let mut out = [0u8; 32];
    kdf(kdf_key, s.i, &s.host_challenge, &mut out[..out_len]).expect("a valid key");
    assert_eq!(
        out[..out_len].to_vec(),
        scboot_reference::scp03::kdf(kdf_key, s.i, &s.host_challenge, out_len)
    );
    // Static keys are 16, 24 or 32 bytes, all three of one length.
    let n = (s.seq % 33) as usize;
    let valid = matches!(n, 16 | 24 | 32);
    assert_eq!(
        StaticKeys::new(0x30, &s.keys[..n], &s.keys[..n], &s.keys[..n]).is_ok(),
        valid
    );
    if valid {
        assert!(
            StaticKeys::new(0x30, &s.keys[..n], &s.keys[..16], &s.keys[..n]).is_ok() == (n == 16)
        );
    }
    // Command APDUs as the session reads them: every error has a text.
    for x in &s.exchanges {
        if let Err(raw) = &x.command {
            if let Err(e) = scboot::apdu::Command::parse(raw) {
                let _ = e.to_string();
            }
        }
    }
    let keys = StaticKeys::new(s.key_len, &s.keys[..16], &s.keys[..16], &s.keys[16..])
        .expect("16-byte keys");
    let _ = (
        keys.kvn(),
        keys.key_len(),
        keys.dek().len(),
        format!("{keys:?}"),
    );
    let n = usize::from(s.channel % 20);
    let cfg = HostConfig::default()
        .channel(s.channel)
        .card_aid(Some(&s.card_random[..n.min(16)]))
        .mode(if s.i & 1 == 1 { Mode::S16 } else { Mode::S8 });
    let hc = &s.host_challenge[..usize::from(s.level % 17)];
    let mut buf = [0u8; 64];
    match HostHandshake::start(&keys, &cfg, hc, &mut buf) {
        Ok((hs, _)) => {
            let _ = (hs.host_challenge(), format!("{hs:?}"));
            let mut resp = [0u8; 48];
            resp[..16].copy_from_slice(&s.card_random);
            resp[16..32].copy_from_slice(&s.host_challenge);
            let len = 29 + (s.seq % 20) as usize;
            match hs.authenticate(&keys, &resp[..len.min(48)], &mut buf) {
                Ok((p, _)) => {
                    let _ = (
                        p.init_update_response().mode(),
                        p.host_cryptogram(),
                        format!("{p:?}"),
                    );
                }
                Err(e) => {
                    let _ = (e.to_string(), e.status_word(), e.terminates_session());
                }
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.status_word(), e.terminates_session());
        }
    }
}
