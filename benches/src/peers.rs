//! The peers, on the same bytes: RustCrypto `der` decoding derive-generated
//! structs of the same ASN.1, and `der-parser` as a generic BER reader.

use der::asn1::{
    Application, BitStringRef, ContextSpecific, ObjectIdentifier, OctetStringRef, Utf8StringRef,
};
use der::{Decode, Reader, Sequence, SliceReader, TagNumber};

/// PKCS#15 `Path`.
#[derive(Sequence)]
pub struct DerPath<'a> {
    /// efidOrPath.
    pub path: &'a OctetStringRef,
    /// index.
    #[asn1(optional = "true")]
    pub index: Option<u32>,
    /// length [0].
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub length: Option<u32>,
}

/// `CommonObjectAttributes` (label, flags, authId).
#[derive(Sequence)]
pub struct DerCommon<'a> {
    /// label.
    #[asn1(optional = "true")]
    pub label: Option<Utf8StringRef<'a>>,
    /// flags.
    #[asn1(optional = "true")]
    pub flags: Option<BitStringRef<'a>>,
    /// authId.
    #[asn1(optional = "true")]
    pub auth_id: Option<&'a OctetStringRef>,
}

/// `CommonDataObjectAttributes`.
#[derive(Sequence)]
pub struct DerCommonData<'a> {
    /// applicationName.
    #[asn1(optional = "true")]
    pub application_name: Option<Utf8StringRef<'a>>,
    /// applicationOID.
    #[asn1(optional = "true")]
    pub application_oid: Option<ObjectIdentifier>,
}

/// `OidDO` with an indirect path value.
#[derive(Sequence)]
pub struct DerOidDo<'a> {
    /// id.
    pub id: ObjectIdentifier,
    /// value (indirect path).
    pub value: DerPath<'a>,
}

/// `PKCS15Object {CommonDataObjectAttributes, NULL, OidDO}`; typeAttributes [1] EXPLICIT.
#[derive(Sequence)]
pub struct DerDataObject<'a> {
    /// commonObjectAttributes.
    pub common: DerCommon<'a>,
    /// classAttributes.
    pub class: DerCommonData<'a>,
    /// typeAttributes.
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT")]
    pub type_attrs: DerOidDo<'a>,
}

/// An EF.DIR application template's contents (`[APPLICATION 1] IMPLICIT`).
#[derive(Sequence)]
#[asn1(tag_mode = "IMPLICIT")]
pub struct DerTemplate<'a> {
    /// AID [APPLICATION 15].
    #[asn1(application = "15")]
    pub aid: &'a OctetStringRef,
    /// label [APPLICATION 16].
    #[asn1(application = "16", optional = "true")]
    pub label: Option<Utf8StringRef<'a>>,
    /// path [APPLICATION 17].
    #[asn1(application = "17", optional = "true")]
    pub path: Option<&'a OctetStringRef>,
}

/// `TokenInfo` with the fields a card's usually has (PKCS #15 v1.1 6.9):
/// the absent optional ones are absent from the struct too.
#[derive(Sequence)]
pub struct DerTokenInfo<'a> {
    /// version.
    pub version: u8,
    /// serialNumber.
    pub serial_number: &'a OctetStringRef,
    /// manufacturerID.
    #[asn1(optional = "true")]
    pub manufacturer_id: Option<Utf8StringRef<'a>>,
    /// label [0].
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub label: Option<Utf8StringRef<'a>>,
    /// tokenflags.
    pub token_flags: BitStringRef<'a>,
    /// lastUpdate [5] (a CHOICE, so EXPLICIT; the generalizedTime alternative).
    #[asn1(context_specific = "5", tag_mode = "EXPLICIT", optional = "true")]
    pub last_update: Option<der::asn1::GeneralizedTime>,
    /// preferredLanguage.
    #[asn1(optional = "true")]
    pub preferred_language: Option<der::asn1::PrintableStringRef<'a>>,
}

/// TokenInfo with `der`: the serial number's length.
pub fn der_tokeninfo(bytes: &[u8]) -> usize {
    DerTokenInfo::from_der(bytes)
        .unwrap()
        .serial_number
        .as_bytes()
        .len()
}

const LWM2M: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.43.9.1");

/// The DODF with `der`: every oidDO entry, then the LwM2M one.
pub fn der_dodf(bytes: &[u8]) -> usize {
    let mut r = SliceReader::new(bytes).unwrap();
    let mut n = 0;
    let mut found = 0;
    while !r.is_finished() {
        let e = ContextSpecific::<DerDataObject>::decode_implicit(&mut r, TagNumber(1))
            .unwrap()
            .unwrap();
        if e.value.type_attrs.id == LWM2M {
            found = n;
        }
        n += 1;
    }
    n + found
}

/// The ODF with `der`: `[n] EXPLICIT Path` entries; the entry count plus
/// the path lengths of the dataObjects `[7]` entries.
pub fn der_odf(bytes: &[u8]) -> usize {
    let mut r = SliceReader::new(bytes).unwrap();
    let mut n = 0;
    while !r.is_finished() {
        let t = der::Tag::peek(&r).unwrap();
        let p = ContextSpecific::<DerPath>::decode_explicit(&mut r, t.number())
            .unwrap()
            .unwrap();
        if t.number() == TagNumber(7) {
            n += p.value.path.as_bytes().len();
        }
        n += 1;
    }
    n
}

/// EF.DIR with `der`: `[APPLICATION 1] IMPLICIT` templates; the template
/// count plus the AID length of the first PKCS#15 one.
pub fn der_dir(bytes: &[u8]) -> usize {
    let mut r = SliceReader::new(bytes).unwrap();
    let mut n = 0;
    let mut found = 0;
    while !r.is_finished() {
        let t = Application::<DerTemplate>::decode_implicit(&mut r, TagNumber(1))
            .unwrap()
            .unwrap();
        if found == 0 && t.value.aid.as_bytes() == scboot::dir::PKCS15_AID {
            found = t.value.aid.as_bytes().len();
        }
        n += 1;
    }
    n + found
}

/// Any BER file with `der-parser`: every element of the tree. `parse_ber`
/// keeps the contents of context- and application-tagged elements unparsed,
/// so constructed ones are walked here the same way (as the kernel does).
pub fn der_parser_all(bytes: &[u8]) -> usize {
    use der_parser::ber::BerObjectContent;
    fn walk(obj: &der_parser::ber::BerObject<'_>) -> usize {
        let mut n = 1;
        match &obj.content {
            BerObjectContent::Sequence(v) | BerObjectContent::Set(v) => {
                n += v.iter().map(walk).sum::<usize>()
            }
            BerObjectContent::Unknown(any) if obj.header.is_constructed() => {
                n += der_parser_all(any.data)
            }
            BerObjectContent::Tagged(_, _, inner) => n += walk(inner),
            _ => {}
        }
        n
    }
    let mut rest = bytes;
    let mut n = 0;
    while !rest.is_empty() {
        let (r, obj) = der_parser::ber::parse_ber(rest).unwrap();
        n += walk(&obj);
        rest = r;
    }
    n
}

/// Decode one `der` value to check the fixtures are DER (used by tests).
pub fn der_path(bytes: &[u8]) -> usize {
    DerPath::from_der(bytes)
        .map(|p| p.path.as_bytes().len())
        .unwrap_or(0)
}
