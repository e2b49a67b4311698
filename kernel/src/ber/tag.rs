//! BER tags (X.690 8.1.2): class, constructed bit, number, packed in one
//! word; their identifier octets.

use core::fmt;

/// High tag numbers are bounded to this many subsequent octets (numbers < 2^21).
pub const MAX_TAG_SUBSEQUENT_OCTETS: usize = 3;

/// The largest tag number a [`Tag`] holds: `Tag::new` keeps a larger one
/// as this (no tag this crate reads or writes comes near: it reads numbers
/// below 2^21, [`MAX_TAG_SUBSEQUENT_OCTETS`]).
const MAX_NUMBER: u32 = 0x00FF_FFFF;

/// Tag class (X.690 8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagClass {
    /// Universal (`00`).
    Universal,
    /// Application (`01`).
    Application,
    /// Context-specific (`10`).
    ContextSpecific,
    /// Private (`11`).
    Private,
}

/// A BER tag: class, primitive/constructed, number.
///
/// Packed in one 32-bit word (the class and constructed bits of the first
/// identifier octet above a 24-bit number), so comparing two tags is one
/// comparison, on a 32-bit target too.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(u32);

impl Tag {
    /// BOOLEAN.
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    /// INTEGER.
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// BIT STRING.
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    /// OCTET STRING.
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// NULL.
    pub const NULL: Tag = Tag::universal(5, false);
    /// OBJECT IDENTIFIER.
    pub const OID: Tag = Tag::universal(6, false);
    /// UTF8String.
    pub const UTF8_STRING: Tag = Tag::universal(12, false);
    /// PrintableString.
    pub const PRINTABLE_STRING: Tag = Tag::universal(19, false);
    /// IA5String.
    pub const IA5_STRING: Tag = Tag::universal(22, false);
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: Tag = Tag::universal(24, false);
    /// SEQUENCE (always constructed).
    pub const SEQUENCE: Tag = Tag::universal(16, true);

    /// The tag of a one-octet identifier (low tag number, bits 5..1 not all ones).
    #[inline]
    pub(crate) const fn low(b: u8) -> Tag {
        Tag(((b & 0xE0) as u32) << 24 | (b & 0x1F) as u32)
    }

    /// A tag from its parts. A number above 2^24 - 1 is kept as
    /// 2^24 - 1, which no BER tag this crate writes may carry
    /// ([`Tag::is_encodable`] is false for both).
    pub const fn new(class: TagClass, constructed: bool, number: u32) -> Tag {
        let c: u32 = match class {
            TagClass::Universal => 0x00,
            TagClass::Application => 0x40,
            TagClass::ContextSpecific => 0x80,
            TagClass::Private => 0xC0,
        };
        let c = if constructed { c | 0x20 } else { c };
        let number = if number > MAX_NUMBER {
            MAX_NUMBER
        } else {
            number
        };
        Tag(c << 24 | number)
    }

    const fn universal(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::Universal, constructed, number)
    }

    /// A context-specific tag `[number]`.
    pub const fn context(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::ContextSpecific, constructed, number)
    }

    /// An application tag `[APPLICATION number]`.
    pub const fn application(number: u32, constructed: bool) -> Tag {
        Tag::new(TagClass::Application, constructed, number)
    }

    /// The tag class.
    pub const fn class(&self) -> TagClass {
        match self.class_bits() >> 6 {
            0 => TagClass::Universal,
            1 => TagClass::Application,
            2 => TagClass::ContextSpecific,
            _ => TagClass::Private,
        }
    }

    /// Whether the encoding is constructed.
    pub const fn is_constructed(&self) -> bool {
        self.class_bits() & 0x20 != 0
    }

    /// The tag number.
    pub const fn number(&self) -> u32 {
        self.0 & MAX_NUMBER
    }

    /// Class and constructed bits, as in the first identifier octet.
    const fn class_bits(&self) -> u8 {
        (self.0 >> 24) as u8
    }

    /// The identifier octets of this tag and how many of the 4 are used.
    pub const fn to_bytes(&self) -> ([u8; 4], usize) {
        let first = self.class_bits();
        let n = self.number();
        if n < 31 {
            ([first | n as u8, 0, 0, 0], 1)
        } else if n < (1 << 7) {
            ([first | 0x1F, n as u8, 0, 0], 2)
        } else if n < (1 << 14) {
            (
                [first | 0x1F, 0x80 | (n >> 7) as u8, (n & 0x7F) as u8, 0],
                3,
            )
        } else {
            (
                [
                    first | 0x1F,
                    0x80 | ((n >> 14) & 0x7F) as u8,
                    0x80 | ((n >> 7) & 0x7F) as u8,
                    (n & 0x7F) as u8,
                ],
                4,
            )
        }
    }

    /// The number of identifier octets.
    pub const fn encoded_len(&self) -> usize {
        self.to_bytes().1
    }

    /// The first identifier octet (for low-number tags, the whole tag).
    #[inline]
    pub const fn first_byte(&self) -> u8 {
        self.to_bytes().0[0]
    }

    /// Whether this tag can be represented by the tag machinery here
    /// (number below 2^21).
    pub const fn is_encodable(&self) -> bool {
        self.number() < (1 << 21)
    }
}

impl Tag {
    /// The identifier octets as one big-endian number (`0x30`, `0xA1`,
    /// `0x9F1F`): how a person reads a tag.
    pub const fn identifier(&self) -> u32 {
        let (b, n) = self.to_bytes();
        let mut v = 0u32;
        let mut i = 0;
        while i < n && i < 4 {
            v = (v << 8) | b[i] as u32;
            i += 1;
        }
        v
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, n) = self.to_bytes();
        for byte in b.iter().take(n) {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}
