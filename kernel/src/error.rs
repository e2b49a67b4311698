//! The one error type of every scboot parser.
//!
//! An [`Error`] says *what* went wrong ([`ErrorKind`]), *where* (the byte
//! offset in the input handed to the top-level `parse` function) and *in
//! which structure* ([`Structure`], with the entry index where there is
//! one). Its `Display` is meant for a person:
//! `DODF entry 2 at offset 41: path is 20 bytes, at most 16 allowed`.

use core::fmt;

/// What went wrong. New kinds may be added in minor releases.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    // ---- BER-TLV framing (X.690 8.1) ----
    /// The input ends inside a tag, a length or a fixed-size field.
    Truncated,
    /// A value length runs past the end of its parent (or of the input).
    LengthExceedsParent {
        /// The length the header declares.
        length: usize,
        /// The bytes actually left in the parent.
        available: usize,
    },
    /// The indefinite length form `80` (X.690 8.1.3.6), never valid here.
    IndefiniteLength,
    /// A long-form length with more than 4 length octets.
    LengthTooLong {
        /// The number of length octets announced.
        octets: u8,
    },
    /// The reserved length octet `FF` (X.690 8.1.3.5 c).
    ReservedLength,
    /// A high tag number above the supported bound (3 subsequent octets).
    TagNumberTooLarge,
    /// A tag in high-number form that should have used fewer octets.
    NonMinimalTag,
    /// Nesting deeper than the parser's bound.
    DepthExceeded {
        /// The depth bound.
        max: u8,
    },
    /// An element with another tag than the one the grammar needs here.
    UnexpectedTag {
        /// What the grammar expected.
        expected: &'static str,
        /// The tag found: its identifier octets, big-endian (`0x30`,
        /// `0xA1`, `0x9F1F`; `Tag::identifier`).
        found: u32,
    },
    /// A mandatory component is absent.
    MissingField(&'static str),
    /// A component appears twice.
    DuplicateField(&'static str),
    /// Bytes after the last component of a structure that allows none.
    TrailingData,
    /// A CHOICE alternative this crate does not support (e.g. protected values).
    UnsupportedChoice {
        /// The component holding the CHOICE.
        field: &'static str,
        /// The tag found: its identifier octets, big-endian.
        found: u32,
    },
    /// A field longer than its bound.
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// A field shorter than its bound.
    TooShort {
        /// The field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The bound.
        min: usize,
    },
    /// A path whose length is not a whole number of 2-byte file identifiers.
    OddPathLength {
        /// Its length in bytes.
        len: usize,
    },
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
    IntegerOutOfRange {
        /// The field.
        field: &'static str,
        /// The decoded value.
        value: i64,
    },
    /// A BIT STRING with no content octets (X.690 8.6.2).
    EmptyBitString,
    /// A BIT STRING whose unused-bits octet is above 7, or non-zero with no bits.
    InvalidUnusedBits(u8),
    /// A string that is not valid UTF-8.
    InvalidUtf8,
    /// A PrintableString, IA5String or GeneralizedTime with a forbidden byte.
    InvalidCharacter {
        /// The field.
        field: &'static str,
        /// The byte.
        byte: u8,
    },
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
    ObjectCountMismatch {
        /// The count in the header.
        declared: u16,
        /// The number of objects found.
        found: u16,
    },
    /// The header's size is larger than the file.
    SizeExceedsFile {
        /// The size in the header.
        size: u16,
        /// The bytes after the header.
        available: usize,
    },
    /// A byte other than `FF`/`00` in the padding after `size`.
    InvalidPadding(u8),

    // ---- LwM2M TLV (LwM2M TS 7.4.3) ----
    /// A TLV length that runs past its parent.
    TlvLengthExceedsParent {
        /// The declared length.
        length: usize,
        /// The bytes available in the parent.
        available: usize,
    },
    /// A TLV child not allowed inside its parent (e.g. an Object Instance in a Resource).
    TlvNesting {
        /// The parent's type (`TlvType::name`), `None` at the top level.
        parent: Option<&'static str>,
        /// The child's type (`TlvType::name`).
        child: &'static str,
    },
    /// A value whose length the data type does not allow.
    TlvValueLength {
        /// The lengths the type allows.
        expected: &'static str,
        /// The length found.
        found: usize,
    },
    /// A Boolean value byte other than 0 or 1.
    InvalidBoolean(u8),
    /// A resource of a known object whose TLV type is not the one the object defines.
    WrongResourceType {
        /// The resource id.
        resource: u16,
    },
    /// The same resource twice in one object instance.
    DuplicateResource(u16),
    /// A typed view built over the wrong object.
    WrongObject {
        /// The object id the view needs.
        expected: u16,
        /// The object id found.
        found: u16,
    },

    // ---- keys ----
    /// A key of a kind this crate does not use (another curve, a
    /// compressed point, another algorithm).
    UnsupportedKey(&'static str),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match *self {
            Truncated => f.write_str("input ends inside a header or fixed-size field"),
            LengthExceedsParent { length, available } => write!(
                f,
                "length {length} runs past its parent ({available} bytes left)"
            ),
            IndefiniteLength => f.write_str("indefinite length (80) is not allowed"),
            LengthTooLong { octets } => {
                write!(f, "length uses {octets} length octets, at most 4 allowed")
            }
            ReservedLength => f.write_str("reserved length octet FF"),
            TagNumberTooLarge => f.write_str("tag number too large (at most 3 subsequent octets)"),
            NonMinimalTag => f.write_str("tag number not minimally encoded"),
            DepthExceeded { max } => write!(f, "nesting deeper than {max} levels"),
            UnexpectedTag { expected, found } => {
                write!(f, "expected {expected}, found tag {found:02x}")
            }
            MissingField(what) => write!(f, "{what} is missing"),
            DuplicateField(what) => write!(f, "{what} appears twice"),
            TrailingData => f.write_str("unexpected data after the last component"),
            UnsupportedChoice { field, found } => {
                write!(f, "{field}: unsupported alternative with tag {found:02x}")
            }
            TooLong { field, len, max } => {
                write!(f, "{field} is {len} bytes, at most {max} allowed")
            }
            TooShort { field, len, min } => {
                write!(f, "{field} is {len} bytes, at least {min} needed")
            }
            OddPathLength { len } => write!(
                f,
                "path is {len} bytes, not a whole number of 2-byte file identifiers"
            ),
            IndexWithoutLength => {
                f.write_str("path index and length must be both present or both absent")
            }
            EmptyInteger => f.write_str("INTEGER has no content octets"),
            NonMinimalInteger => f.write_str("INTEGER is not minimally encoded"),
            IntegerTooLarge => f.write_str("INTEGER does not fit in 64 bits"),
            IntegerOutOfRange { field, value } => write!(f, "{field} = {value} is out of range"),
            EmptyBitString => f.write_str("BIT STRING has no content octets"),
            InvalidUnusedBits(n) => write!(f, "BIT STRING unused-bits octet {n} is invalid"),
            InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            InvalidCharacter { field, byte } => {
                write!(f, "{field} contains the forbidden byte {byte:02x}")
            }
            EmptyOid => f.write_str("OBJECT IDENTIFIER has no content octets"),
            NonMinimalOidArc => f.write_str("OBJECT IDENTIFIER arc starts with padding octet 80"),
            OidArcOverflow => f.write_str("OBJECT IDENTIFIER arc exceeds 32 bits"),
            TruncatedOid => f.write_str("OBJECT IDENTIFIER ends inside an arc"),
            ObjectCountMismatch { declared, found } => write!(
                f,
                "header declares {declared} objects, {found} found within its size"
            ),
            SizeExceedsFile { size, available } => write!(
                f,
                "header size {size} exceeds the {available} bytes after the header"
            ),
            InvalidPadding(b) => write!(f, "padding byte {b:02x} (only FF or 00 allowed)"),
            TlvLengthExceedsParent { length, available } => write!(
                f,
                "TLV length {length} runs past its parent ({available} bytes left)"
            ),
            TlvNesting {
                parent: Some(p),
                child,
            } => write!(f, "{child} not allowed inside {p}"),
            TlvNesting {
                parent: None,
                child,
            } => write!(f, "{child} not allowed at the top level"),
            TlvValueLength { expected, found } => {
                write!(f, "value is {found} bytes, expected {expected}")
            }
            InvalidBoolean(b) => write!(f, "boolean byte {b:02x} (only 00 or 01 allowed)"),
            WrongResourceType { resource } => {
                write!(
                    f,
                    "resource {resource} has the wrong TLV type for its definition"
                )
            }
            DuplicateResource(id) => write!(f, "resource {id} appears twice"),
            WrongObject { expected, found } => {
                write!(f, "object {found} given where object {expected} is needed")
            }
            UnsupportedKey(what) => write!(f, "unsupported key: {what}"),
        }
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

/// A parse error: kind, byte offset, and the structure being parsed.
///
/// ```
/// use scboot::error::{ErrorKind, Structure};
/// use scboot::odf::Odf;
///
/// // An ODF entry that announces 5 bytes where 2 are left.
/// let e = Odf::parse(&[0xA7, 0x05, 0x30, 0x00]).unwrap_err();
/// assert_eq!(e.offset(), 1); // the length octet
/// assert_eq!(e.structure(), Structure::OdfEntry);
/// assert!(matches!(e.kind(), ErrorKind::LengthExceedsParent { .. }));
/// assert!(e.to_string().contains("at offset 1"), "{e}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: usize,
    structure: Structure,
    index: Option<u32>,
}

impl Error {
    /// An error of `kind` at byte `offset`, not yet attributed to a structure.
    pub(crate) const fn new(kind: ErrorKind, offset: usize) -> Self {
        Error {
            kind,
            offset,
            structure: Structure::Element,
            index: None,
        }
    }

    /// What went wrong.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
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
        write!(f, " at offset {}: {}", self.offset, self.kind)
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
