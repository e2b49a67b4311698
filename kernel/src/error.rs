//! The one error type of every scboot parser.
//!
//! An [`Error`] says *what* went wrong ([`ErrorKind`]), *where* (the byte
//! offset in the input handed to the top-level `parse` function), *in
//! which structure* ([`Structure`], with the entry index where there is
//! one) and, where the grammar names one, *which component* ([`Field`]).
//! Its `Display` is meant for a person:
//! `DODF entry 2 at offset 41: path is longer than its bound`.
//!
//! The error holds no number and no text besides these: what is at the
//! offset (the length, the tag, the byte) is in the input, and the bounds
//! are each component's documented ones. That keeps it 16 bytes on a
//! 32-bit target (24 on a 64-bit one), which every parser returns through
//! its results: an error that carried its figures and texts took 40 bytes
//! and 7.8 KB more flash on a Cortex-M4.

use core::fmt;

/// What went wrong. New kinds may be added in minor releases.
///
/// A kind carries no payload: the error's [`Error::offset`] points at the
/// bytes at fault (the length, the tag, the byte found are there), and
/// [`Error::field`] names the component the grammar expected, where it
/// knows one. So an error is 16 bytes on a 32-bit target, cheap to return
/// through every parser, and builds no message until one is displayed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    // ---- BER-TLV framing (X.690 8.1) ----
    /// The input ends inside a tag, a length or a fixed-size field.
    Truncated,
    /// A value length runs past the end of its parent (or of the input).
    LengthExceedsParent,
    /// The indefinite length form `80` (X.690 8.1.3.6), never valid here.
    IndefiniteLength,
    /// A long-form length with more than 4 length octets.
    LengthTooLong,
    /// The reserved length octet `FF` (X.690 8.1.3.5 c).
    ReservedLength,
    /// A high tag number above the supported bound (3 subsequent octets).
    TagNumberTooLarge,
    /// A tag in high-number form that should have used fewer octets.
    NonMinimalTag,
    /// Nesting deeper than the parser's bound.
    DepthExceeded,
    /// An element with another tag than the one the grammar needs here.
    UnexpectedTag,
    /// A mandatory component is absent.
    MissingField,
    /// A component appears twice.
    DuplicateField,
    /// Bytes after the last component of a structure that allows none.
    TrailingData,
    /// A CHOICE alternative this crate does not support (e.g. protected values).
    UnsupportedChoice,
    /// A field longer than its bound.
    TooLong,
    /// A field shorter than its bound.
    TooShort,
    /// A path whose length is not a whole number of 2-byte file identifiers.
    OddPathLength,
    /// A PKCS#15 Path with `index` but no `length`, or the reverse.
    IndexWithoutLength,

    // ---- primitive values ----
    /// An INTEGER with no content octets (X.690 8.3.1).
    EmptyInteger,
    /// An INTEGER whose first 9 bits are all 0 or all 1 (X.690 8.3.2).
    NonMinimalInteger,
    /// An INTEGER that does not fit in 64 bits.
    IntegerTooLarge,
    /// An INTEGER outside the range of the field.
    IntegerOutOfRange,
    /// A BIT STRING with no content octets (X.690 8.6.2).
    EmptyBitString,
    /// A BIT STRING whose unused-bits octet is above 7, or non-zero with no bits.
    InvalidUnusedBits,
    /// A string that is not valid UTF-8.
    InvalidUtf8,
    /// A PrintableString, IA5String or GeneralizedTime with a forbidden byte.
    InvalidCharacter,
    /// An OBJECT IDENTIFIER with no content octets.
    EmptyOid,
    /// An OID arc that starts with the padding octet `80` (X.690 8.19.2).
    NonMinimalOidArc,
    /// An OID arc above 2^32-1.
    OidArcOverflow,
    /// An OID whose last octet still has the continuation bit.
    TruncatedOid,

    // ---- EF LwM2M_Bootstrap (LwM2M G.3) ----
    /// The header's object count disagrees with the objects found within `size`.
    ObjectCountMismatch,
    /// The header's size is larger than the file.
    SizeExceedsFile,
    /// A byte other than `FF`/`00` in the padding after `size`.
    InvalidPadding,

    // ---- LwM2M TLV (LwM2M TS 7.4.3) ----
    /// A TLV length that runs past its parent.
    TlvLengthExceedsParent,
    /// A TLV child not allowed inside its parent (e.g. an Object Instance in a Resource).
    TlvNesting,
    /// A value whose length the data type does not allow.
    TlvValueLength,
    /// A Boolean value byte other than 0 or 1.
    InvalidBoolean,
    /// A resource of a known object whose TLV type is not the one the object defines.
    WrongResourceType,
    /// The same resource twice in one object instance.
    DuplicateResource,
    /// A typed view built over the wrong object.
    WrongObject,

    // ---- keys ----
    /// A key of a kind this crate does not use (another curve, a
    /// compressed point, another algorithm).
    UnsupportedKey,
}

impl ErrorKind {
    /// What went wrong, in words (without the component: [`Error`]'s
    /// `Display` adds it).
    pub const fn describe(self) -> &'static str {
        use ErrorKind::*;
        match self {
            Truncated => "input ends inside a header or fixed-size field",
            LengthExceedsParent => "length runs past its parent",
            IndefiniteLength => "indefinite length (80) is not allowed",
            LengthTooLong => "length uses more than 4 length octets",
            ReservedLength => "reserved length octet FF",
            TagNumberTooLarge => "tag number too large (at most 3 subsequent octets)",
            NonMinimalTag => "tag number not minimally encoded",
            DepthExceeded => "nesting deeper than the parser's bound",
            UnexpectedTag => "unexpected tag",
            MissingField => "a mandatory component is missing",
            DuplicateField => "a component appears twice",
            TrailingData => "unexpected data after the last component",
            UnsupportedChoice => "unsupported alternative",
            TooLong => "value longer than its bound",
            TooShort => "value shorter than its bound",
            OddPathLength => "path is not a whole number of 2-byte file identifiers",
            IndexWithoutLength => "path index and length must be both present or both absent",
            EmptyInteger => "INTEGER has no content octets",
            NonMinimalInteger => "INTEGER is not minimally encoded",
            IntegerTooLarge => "INTEGER does not fit in 64 bits",
            IntegerOutOfRange => "INTEGER out of range",
            EmptyBitString => "BIT STRING has no content octets",
            InvalidUnusedBits => "BIT STRING unused-bits octet is invalid",
            InvalidUtf8 => "string is not valid UTF-8",
            InvalidCharacter => "forbidden character",
            EmptyOid => "OBJECT IDENTIFIER has no content octets",
            NonMinimalOidArc => "OBJECT IDENTIFIER arc starts with padding octet 80",
            OidArcOverflow => "OBJECT IDENTIFIER arc exceeds 32 bits",
            TruncatedOid => "OBJECT IDENTIFIER ends inside an arc",
            ObjectCountMismatch => {
                "the header's object count differs from the objects within its size"
            }
            SizeExceedsFile => "the header's size exceeds the bytes after the header",
            InvalidPadding => "padding byte other than FF or 00",
            TlvLengthExceedsParent => "TLV length runs past its parent",
            TlvNesting => "TLV record not allowed here",
            TlvValueLength => "value length not allowed for its data type",
            InvalidBoolean => "boolean byte other than 00 or 01",
            WrongResourceType => "resource has the wrong TLV type for its definition",
            DuplicateResource => "resource appears twice",
            WrongObject => "typed view over the wrong object",
            UnsupportedKey => "unsupported key",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// The structure being parsed when an error occurred.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Structure {
    /// Not yet attributed (a bare BER element).
    Element,
    /// EF.DIR as a whole.
    EfDir,
    /// One application template of EF.DIR.
    DirTemplate,
    /// EF.ODF as a whole.
    Odf,
    /// One entry of EF.ODF.
    OdfEntry,
    /// A DODF as a whole.
    Dodf,
    /// One entry of a DODF.
    DodfEntry,
    /// EF.TokenInfo.
    TokenInfo,
    /// A PKCS#15 Path parsed on its own.
    Path,
    /// The EF LwM2M_Bootstrap wrapper (header, padding).
    BootstrapFile,
    /// One object of the bootstrap file.
    BootstrapObject,
    /// LwM2M TLV data.
    Tlv,
    /// A typed view of a Security (object 0) instance.
    SecurityInstance,
    /// A typed view of a Server (object 1) instance.
    ServerInstance,
    /// File control parameters (FCP, the SELECT response).
    Fcp,
    /// One entry of a key directory (PrKDF, PuKDF, SKDF).
    KeyEntry,
}

impl Structure {
    /// A short name for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Structure::Element => "element",
            Structure::EfDir => "EF.DIR",
            Structure::DirTemplate => "EF.DIR template",
            Structure::Odf => "ODF",
            Structure::OdfEntry => "ODF entry",
            Structure::Dodf => "DODF",
            Structure::DodfEntry => "DODF entry",
            Structure::TokenInfo => "TokenInfo",
            Structure::Path => "Path",
            Structure::BootstrapFile => "bootstrap file",
            Structure::BootstrapObject => "bootstrap object",
            Structure::Tlv => "LwM2M TLV",
            Structure::SecurityInstance => "Security instance",
            Structure::ServerInstance => "Server instance",
            Structure::Fcp => "FCP",
            Structure::KeyEntry => "key directory entry",
        }
    }
}

/// A parse error: kind, byte offset, the structure being parsed, and the
/// component the grammar expected where it knows one.
///
/// ```
/// use scboot::error::{ErrorKind, Field, Structure};
/// use scboot::odf::Odf;
///
/// // An ODF entry that announces 5 bytes where 2 are left.
/// let e = Odf::parse(&[0xA7, 0x05, 0x30, 0x00]).unwrap_err();
/// assert_eq!(e.offset(), 1); // the length octet
/// assert_eq!(e.structure(), Structure::OdfEntry);
/// assert_eq!(e.kind(), ErrorKind::LengthExceedsParent);
/// assert!(e.to_string().contains("at offset 1"), "{e}");
///
/// // A DODF entry whose path is 20 bytes (at most 16).
/// let mut dodf = vec![0x30, 0x1C, 0x30, 0x00, 0x30, 0x00, 0xA1, 0x16, 0x30, 0x14, 0x04, 0x12];
/// dodf.extend([0x3F; 18]);
/// let e = scboot::dodf::Dodf::parse(&dodf).unwrap_err();
/// assert_eq!((e.kind(), e.field()), (ErrorKind::TooLong, Some(Field::Path)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    field: Option<Field>,
    structure: Structure,
    index: Option<u32>,
    offset: usize,
}

impl Error {
    /// An error of `kind` at byte `offset`, not yet attributed to a structure.
    #[inline]
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        Error {
            kind,
            field: None,
            structure: Structure::Element,
            index: None,
            offset,
        }
    }

    /// An error of `kind` about the component `field`, at byte `offset`.
    #[inline]
    pub(crate) const fn of(kind: ErrorKind, field: Field, offset: usize) -> Self {
        Error {
            kind,
            field: Some(field),
            structure: Structure::Element,
            index: None,
            offset,
        }
    }

    /// An error of `kind`, about `field` if there is one, at `offset`.
    #[inline]
    pub(crate) const fn with(kind: ErrorKind, field: Option<Field>, offset: usize) -> Self {
        Error {
            kind,
            field,
            structure: Structure::Element,
            index: None,
            offset,
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The component the grammar expected or checked (the missing, the
    /// duplicated, the too long one...), where it names one.
    pub const fn field(&self) -> Option<Field> {
        self.field
    }

    /// The byte offset, in the input given to the top-level parser, of the
    /// header, length or value at fault.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The innermost named structure being parsed.
    pub const fn structure(&self) -> Structure {
        self.structure
    }

    /// The index of the entry (template, entry, object, instance) at fault, if any.
    pub const fn index(&self) -> Option<u32> {
        self.index
    }

    /// Attribute the error to `structure` (and entry `index`) unless an inner
    /// structure already claimed it.
    pub(crate) fn within(mut self, structure: Structure, index: Option<usize>) -> Self {
        if self.structure == Structure::Element {
            self.structure = structure;
            self.index = index.map(|i| u32::try_from(i).unwrap_or(u32::MAX));
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.structure.name())?;
        if let Some(i) = self.index {
            write!(f, " {i}")?;
        }
        write!(f, " at offset {}: ", self.offset)?;
        let Some(field) = self.field else {
            return f.write_str(self.kind.describe());
        };
        let field = field.name();
        use ErrorKind::*;
        match self.kind {
            UnexpectedTag => write!(f, "expected {field}, found another tag"),
            MissingField => write!(f, "{field} is missing"),
            DuplicateField => write!(f, "{field} appears twice"),
            UnsupportedChoice => write!(f, "{field}: unsupported alternative"),
            TooLong => write!(f, "{field} is longer than its bound"),
            TooShort => write!(f, "{field} is shorter than its bound"),
            IntegerOutOfRange => write!(f, "{field} is out of range"),
            InvalidCharacter => write!(f, "{field} contains a forbidden byte"),
            TlvNesting => write!(f, "{field} not allowed here"),
            TlvValueLength => write!(f, "value length not allowed for {field}"),
            UnsupportedKey => write!(f, "unsupported key: {field}"),
            kind => write!(f, "{} ({field})", kind.describe()),
        }
    }
}

impl core::error::Error for Error {}

/// Shorthand for results of this crate's parsers.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// Why an encoder refused to write.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// Bytes required.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// A value the format cannot carry (a bound of the format is exceeded).
    InvalidValue(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EncodeError::BufferTooSmall { needed, available } => {
                write!(f, "output buffer holds {available} bytes, {needed} needed")
            }
            EncodeError::InvalidValue(what) => write!(f, "cannot encode: {what}"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// A component a grammar names in its errors: a field of a PKCS#15 or
/// LwM2M structure, the element it expected, or what made a key
/// unsupported. Its [`Field::name`] is the specification's name for it.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// An INTEGER, which must be primitive.
    PrimitiveInteger,
    /// A BIT STRING, which must be primitive.
    PrimitiveBitString,
    /// A character string, which must be primitive.
    PrimitiveString,
    /// An OBJECT IDENTIFIER, which must be primitive.
    PrimitiveOid,
    /// A GeneralizedTime (X.680 46).
    GeneralizedTime,
    /// EF.DIR: an application template (`61`).
    ApplicationTemplate,
    /// EF.DIR: the application identifier (`4F`).
    Aid,
    /// A label: EF.DIR's application label (`50`), a PKCS#15 object's `label`, TokenInfo's `label [0]`.
    Label,
    /// A path: EF.DIR's application path (`51`), a PKCS#15 Path's `efidOrPath` value.
    Path,
    /// EF.DIR: the discretionary data objects (`73`).
    DiscretionaryData,
    /// A PKCS#15 `Path` SEQUENCE.
    PathSequence,
    /// A PKCS#15 Path's `efidOrPath`.
    EfidOrPath,
    /// A PKCS#15 Path's `index`.
    PathIndex,
    /// A PKCS#15 Path's `length`.
    PathLength,
    /// An ODF entry's `PathOrObjects` CHOICE.
    PathOrObjects,
    /// A PKCS#15 object's `CommonObjectAttributes`.
    CommonObjectAttributes,
    /// A data object's `CommonDataObjectAttributes`.
    CommonDataObjectAttributes,
    /// A PKCS#15 object's `typeAttributes [1]`.
    TypeAttributes,
    /// A data object's `ObjectValue` CHOICE.
    ObjectValue,
    /// An `OidDO` SEQUENCE.
    OidDo,
    /// An `OidDO`'s `id`.
    OidDoId,
    /// A data object's `applicationName`.
    ApplicationName,
    /// A PKCS#15 object's `authId`.
    AuthId,
    /// An `ObjectValue`'s direct value.
    DirectValue,
    /// An `ObjectValue`'s URL.
    Url,
    /// A PKCS#15 object's `userConsent`.
    UserConsent,
    /// The TokenInfo SEQUENCE.
    TokenInfo,
    /// TokenInfo's `version`.
    Version,
    /// TokenInfo's `serialNumber`.
    SerialNumber,
    /// TokenInfo's `manufacturerID`.
    ManufacturerId,
    /// TokenInfo's `tokenflags`.
    TokenFlags,
    /// TokenInfo's `issuerId [3]`.
    IssuerId,
    /// TokenInfo's `holderId [4]`.
    HolderId,
    /// TokenInfo's `lastUpdate [5]`.
    LastUpdate,
    /// TokenInfo's `preferredLanguage`.
    PreferredLanguage,
    /// The bootstrap file's data (header and objects).
    BootstrapData,
    /// The FCP template (`62`) of a SELECT response.
    FcpTemplate,
    /// The FCP's file descriptor (`82`).
    FileDescriptor,
    /// An LwM2M TLV Object Instance.
    ObjectInstance,
    /// An LwM2M TLV Resource Instance.
    ResourceInstance,
    /// An LwM2M TLV Multiple Resource.
    MultipleResource,
    /// An LwM2M TLV Resource.
    Resource,
    /// An LwM2M Boolean value (1 byte).
    Boolean,
    /// An LwM2M Integer value (1, 2, 4 or 8 bytes).
    Integer,
    /// An LwM2M Float value (4 or 8 bytes).
    Float,
    /// An LwM2M Objlnk value (4 bytes).
    ObjectLink,
    /// Security resource 2, Security Mode.
    SecurityMode,
    /// Security resource 10 or Server resource 0, Short Server ID.
    ShortServerId,
    /// An `AlgorithmIdentifier`.
    AlgorithmIdentifier,
    /// An `AlgorithmIdentifier`'s `algorithm`.
    AlgorithmOid,
    /// An EC key's `namedCurve`.
    NamedCurve,
    /// A `SubjectPublicKeyInfo`'s `subjectPublicKey`.
    SubjectPublicKey,
    /// A key's `CommonKeyAttributes`.
    CommonKeyAttributes,
    /// A secret key's `CommonSecretKeyAttributes`.
    CommonSecretKeyAttributes,
    /// A key's type attributes.
    KeyAttributes,
    /// A key's `iD`.
    KeyId,
    /// A key's `usage`.
    KeyUsage,
    /// A key's `native`.
    Native,
    /// A key's `keyReference`.
    KeyReference,
    /// An EC key's `fieldSize`.
    FieldSize,
    /// A secret key's `keyLen`.
    KeyLen,
    /// A key in a BIT STRING with unused bits.
    UnusedBitsInKey,
    /// An EC point in compressed form.
    CompressedPoint,
    /// An EC key on another curve than P-256.
    OtherCurve,
    /// A public key in none of the encodings this crate reads.
    KeyEncoding,
    /// An EC point that is not an uncompressed P-256 point.
    EcPoint,
    /// A public key whose algorithm is not id-ecPublicKey.
    KeyAlgorithm,
}

impl Field {
    /// The component's name, as the specification writes it (with the
    /// tag it must have, where the error is about the tag).
    pub const fn name(self) -> &'static str {
        match self {
            Field::PrimitiveInteger => "a primitive INTEGER",
            Field::PrimitiveBitString => "a primitive BIT STRING",
            Field::PrimitiveString => "a primitive string",
            Field::PrimitiveOid => "a primitive OBJECT IDENTIFIER",
            Field::GeneralizedTime => "GeneralizedTime",
            Field::ApplicationTemplate => "application template (61)",
            Field::Aid => "AID (4F)",
            Field::Label => "label",
            Field::Path => "path",
            Field::DiscretionaryData => "discretionary data (73)",
            Field::PathSequence => "Path SEQUENCE (30)",
            Field::EfidOrPath => "efidOrPath OCTET STRING (04)",
            Field::PathIndex => "path index",
            Field::PathLength => "path length",
            Field::PathOrObjects => "PathOrObjects",
            Field::CommonObjectAttributes => "CommonObjectAttributes SEQUENCE (30)",
            Field::CommonDataObjectAttributes => "CommonDataObjectAttributes SEQUENCE (30)",
            Field::TypeAttributes => "typeAttributes [1] (A1)",
            Field::ObjectValue => "ObjectValue",
            Field::OidDo => "OidDO SEQUENCE (30)",
            Field::OidDoId => "OidDO id OBJECT IDENTIFIER (06)",
            Field::ApplicationName => "applicationName",
            Field::AuthId => "authId",
            Field::DirectValue => "direct value",
            Field::Url => "url",
            Field::UserConsent => "userConsent",
            Field::TokenInfo => "TokenInfo SEQUENCE (30)",
            Field::Version => "version",
            Field::SerialNumber => "serialNumber",
            Field::ManufacturerId => "manufacturerID",
            Field::TokenFlags => "tokenflags BIT STRING (03)",
            Field::IssuerId => "issuerId",
            Field::HolderId => "holderId",
            Field::LastUpdate => "LastUpdate",
            Field::PreferredLanguage => "preferredLanguage",
            Field::BootstrapData => "bootstrap data",
            Field::FcpTemplate => "FCP template (62)",
            Field::FileDescriptor => "file descriptor",
            Field::ObjectInstance => "Object Instance",
            Field::ResourceInstance => "Resource Instance",
            Field::MultipleResource => "Multiple Resource",
            Field::Resource => "Resource",
            Field::Boolean => "a boolean (1 byte)",
            Field::Integer => "an integer (1, 2, 4 or 8 bytes)",
            Field::Float => "a float (4 or 8 bytes)",
            Field::ObjectLink => "an object link (4 bytes)",
            Field::SecurityMode => "Security Mode",
            Field::ShortServerId => "Short Server ID",
            Field::AlgorithmIdentifier => "AlgorithmIdentifier SEQUENCE (30)",
            Field::AlgorithmOid => "algorithm OBJECT IDENTIFIER (06)",
            Field::NamedCurve => "namedCurve OBJECT IDENTIFIER (06)",
            Field::SubjectPublicKey => "subjectPublicKey BIT STRING (03)",
            Field::CommonKeyAttributes => "CommonKeyAttributes SEQUENCE (30)",
            Field::CommonSecretKeyAttributes => "CommonSecretKeyAttributes SEQUENCE (30)",
            Field::KeyAttributes => "key attributes SEQUENCE (30)",
            Field::KeyId => "iD",
            Field::KeyUsage => "usage BIT STRING (03)",
            Field::Native => "native BOOLEAN",
            Field::KeyReference => "keyReference",
            Field::FieldSize => "fieldSize",
            Field::KeyLen => "keyLen",
            Field::UnusedBitsInKey => "a BIT STRING with unused bits",
            Field::CompressedPoint => "a compressed point",
            Field::OtherCurve => "a curve other than P-256",
            Field::KeyEncoding => "not a SubjectPublicKeyInfo, OCTET STRING or BIT STRING",
            Field::EcPoint => "not an uncompressed P-256 point (04, 64 bytes)",
            Field::KeyAlgorithm => "not id-ecPublicKey",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::string::ToString;

    const KINDS: [ErrorKind; 40] = [
        ErrorKind::Truncated,
        ErrorKind::LengthExceedsParent,
        ErrorKind::IndefiniteLength,
        ErrorKind::LengthTooLong,
        ErrorKind::ReservedLength,
        ErrorKind::TagNumberTooLarge,
        ErrorKind::NonMinimalTag,
        ErrorKind::DepthExceeded,
        ErrorKind::UnexpectedTag,
        ErrorKind::MissingField,
        ErrorKind::DuplicateField,
        ErrorKind::TrailingData,
        ErrorKind::UnsupportedChoice,
        ErrorKind::TooLong,
        ErrorKind::TooShort,
        ErrorKind::OddPathLength,
        ErrorKind::IndexWithoutLength,
        ErrorKind::EmptyInteger,
        ErrorKind::NonMinimalInteger,
        ErrorKind::IntegerTooLarge,
        ErrorKind::IntegerOutOfRange,
        ErrorKind::EmptyBitString,
        ErrorKind::InvalidUnusedBits,
        ErrorKind::InvalidUtf8,
        ErrorKind::InvalidCharacter,
        ErrorKind::EmptyOid,
        ErrorKind::NonMinimalOidArc,
        ErrorKind::OidArcOverflow,
        ErrorKind::TruncatedOid,
        ErrorKind::ObjectCountMismatch,
        ErrorKind::SizeExceedsFile,
        ErrorKind::InvalidPadding,
        ErrorKind::TlvLengthExceedsParent,
        ErrorKind::TlvNesting,
        ErrorKind::TlvValueLength,
        ErrorKind::InvalidBoolean,
        ErrorKind::WrongResourceType,
        ErrorKind::DuplicateResource,
        ErrorKind::WrongObject,
        ErrorKind::UnsupportedKey,
    ];

    const FIELDS: [Field; 67] = [
        Field::PrimitiveInteger,
        Field::PrimitiveBitString,
        Field::PrimitiveString,
        Field::PrimitiveOid,
        Field::GeneralizedTime,
        Field::ApplicationTemplate,
        Field::Aid,
        Field::Label,
        Field::Path,
        Field::DiscretionaryData,
        Field::PathSequence,
        Field::EfidOrPath,
        Field::PathIndex,
        Field::PathLength,
        Field::PathOrObjects,
        Field::CommonObjectAttributes,
        Field::CommonDataObjectAttributes,
        Field::TypeAttributes,
        Field::ObjectValue,
        Field::OidDo,
        Field::OidDoId,
        Field::ApplicationName,
        Field::AuthId,
        Field::DirectValue,
        Field::Url,
        Field::UserConsent,
        Field::TokenInfo,
        Field::Version,
        Field::SerialNumber,
        Field::ManufacturerId,
        Field::TokenFlags,
        Field::IssuerId,
        Field::HolderId,
        Field::LastUpdate,
        Field::PreferredLanguage,
        Field::BootstrapData,
        Field::FcpTemplate,
        Field::FileDescriptor,
        Field::ObjectInstance,
        Field::ResourceInstance,
        Field::MultipleResource,
        Field::Resource,
        Field::Boolean,
        Field::Integer,
        Field::Float,
        Field::ObjectLink,
        Field::SecurityMode,
        Field::ShortServerId,
        Field::AlgorithmIdentifier,
        Field::AlgorithmOid,
        Field::NamedCurve,
        Field::SubjectPublicKey,
        Field::CommonKeyAttributes,
        Field::CommonSecretKeyAttributes,
        Field::KeyAttributes,
        Field::KeyId,
        Field::KeyUsage,
        Field::Native,
        Field::KeyReference,
        Field::FieldSize,
        Field::KeyLen,
        Field::UnusedBitsInKey,
        Field::CompressedPoint,
        Field::OtherCurve,
        Field::KeyEncoding,
        Field::EcPoint,
        Field::KeyAlgorithm,
    ];

    /// Every kind and every component has its own words: two that read
    /// the same would make two errors look alike.
    #[test]
    fn kinds_and_fields_have_distinct_names() {
        let kinds: HashSet<&str> = KINDS.iter().map(|k| k.describe()).collect();
        assert_eq!(kinds.len(), KINDS.len());
        assert!(kinds.iter().all(|d| d.len() > 8), "{kinds:?}");
        let fields: HashSet<&str> = FIELDS.iter().map(|f| f.name()).collect();
        assert_eq!(fields.len(), FIELDS.len());
        assert!(fields.iter().all(|n| !n.is_empty()));
        for f in FIELDS {
            assert_eq!(f.to_string(), f.name());
        }
    }

    /// The message: structure, entry, offset, then the kind in words,
    /// with the component where the error names one.
    #[test]
    fn messages_name_structure_offset_kind_and_component() {
        let e = Error::new(ErrorKind::Truncated, 7);
        assert_eq!(
            e.to_string(),
            "element at offset 7: input ends inside a header or fixed-size field"
        );
        let e =
            Error::of(ErrorKind::TooLong, Field::Path, 41).within(Structure::DodfEntry, Some(2));
        assert_eq!(
            (e.structure(), e.index(), e.field()),
            (Structure::DodfEntry, Some(2), Some(Field::Path))
        );
        assert_eq!(
            e.to_string(),
            "DODF entry 2 at offset 41: path is longer than its bound"
        );
        // An inner structure's claim stands.
        let e = e.within(Structure::Dodf, None);
        assert_eq!((e.structure(), e.index()), (Structure::DodfEntry, Some(2)));
        let cases = [
            (
                ErrorKind::UnexpectedTag,
                "expected AID (4F), found another tag",
            ),
            (ErrorKind::MissingField, "AID (4F) is missing"),
            (ErrorKind::DuplicateField, "AID (4F) appears twice"),
            (
                ErrorKind::UnsupportedChoice,
                "AID (4F): unsupported alternative",
            ),
            (ErrorKind::TooLong, "AID (4F) is longer than its bound"),
            (ErrorKind::TooShort, "AID (4F) is shorter than its bound"),
            (ErrorKind::IntegerOutOfRange, "AID (4F) is out of range"),
            (
                ErrorKind::InvalidCharacter,
                "AID (4F) contains a forbidden byte",
            ),
            (ErrorKind::TlvNesting, "AID (4F) not allowed here"),
            (
                ErrorKind::TlvValueLength,
                "value length not allowed for AID (4F)",
            ),
            (ErrorKind::UnsupportedKey, "unsupported key: AID (4F)"),
            (
                ErrorKind::InvalidUtf8,
                "string is not valid UTF-8 (AID (4F))",
            ),
        ];
        for (kind, words) in cases {
            let e = Error::of(kind, Field::Aid, 3);
            assert_eq!(e.to_string(), std::format!("element at offset 3: {words}"));
        }
        for k in KINDS {
            let e = Error::new(k, 0);
            assert_eq!(
                e.to_string(),
                std::format!("element at offset 0: {}", k.describe())
            );
            assert_eq!(k.to_string(), k.describe());
        }
    }

    /// Small enough to return through every parser: 16 bytes on a 32-bit
    /// target, 24 on a 64-bit one.
    #[test]
    fn an_error_is_small() {
        let words = core::mem::size_of::<usize>() / 4;
        assert_eq!(core::mem::size_of::<Error>(), 8 + 8 * words);
    }
}
