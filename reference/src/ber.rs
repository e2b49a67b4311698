//! BER reading (ITU-T X.690 clause 8.1), by absolute position.
//!
//! Everything is read from one buffer with explicit `[pos, end)` windows, so
//! every offset is an index into the original input.

use crate::error::{err, RefResult};

/// The bound on nesting of the generic walk (the kernel's `MAX_DEPTH`).
pub const MAX_DEPTH: usize = 16;

/// One element: identifier fields and where header and contents are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv {
    /// 8.1.2.2: class (0 universal, 1 application, 2 context, 3 private).
    pub class: u8,
    /// 8.1.2.5: bit 6 of the identifier octet.
    pub constructed: bool,
    /// 8.1.2.2 / 8.1.2.4: the tag number.
    pub number: u32,
    /// Offset of the first identifier octet.
    pub start: usize,
    /// Offset of the first length octet.
    pub len_at: usize,
    /// Offset of the first contents octet.
    pub value_start: usize,
    /// One past the last contents octet.
    pub value_end: usize,
}

impl Tlv {
    /// Whether the identifier equals the one-octet identifier `id` (low tag numbers only).
    pub fn is(&self, id: u8) -> bool {
        self.class == id >> 6
            && self.constructed == (id & 0x20 != 0)
            && self.number == u32::from(id & 0x1F)
    }

    /// The contents octets.
    pub fn value<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        &buf[self.value_start..self.value_end]
    }

    /// Contents length.
    pub fn len(&self) -> usize {
        self.value_end - self.value_start
    }

    /// Whether the contents are empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Read the element starting at `pos`, inside the window that ends at `end`.
pub fn read(buf: &[u8], pos: usize, end: usize) -> RefResult<Tlv> {
    // 8.1.2: identifier octets.
    if pos >= end {
        return err("Truncated", pos, "no identifier octet");
    }
    let first = buf[pos];
    let class = first >> 6; // 8.1.2.2 a: bits 8 and 7
    let constructed = first & 0x20 != 0; // 8.1.2.5: bit 6
    let mut p = pos + 1;
    let number;
    if first & 0x1F != 0x1F {
        // 8.1.2.3: tag numbers 0..30 in bits 5 to 1.
        number = u32::from(first & 0x1F);
    } else {
        // 8.1.2.4: bits 5..1 all ones, then subsequent octets, base 128,
        // bit 8 = 1 on all but the last. Bounded here to 3 subsequent octets.
        let mut n: u32 = 0;
        let mut done = false;
        for i in 0..3 {
            if p >= end {
                return err("Truncated", p, "high tag number cut short");
            }
            let s = buf[p];
            p += 1;
            // 8.1.2.4.2 c: bits 7..1 of the first subsequent octet shall not all be zero.
            if i == 0 && s == 0x80 {
                return err("NonMinimalTag", pos, "first subsequent octet 80");
            }
            n = (n << 7) | u32::from(s & 0x7F);
            if s & 0x80 == 0 {
                done = true;
                break;
            }
        }
        if !done {
            return err("TagNumberTooLarge", pos, "more than 3 subsequent octets");
        }
        // 8.1.2.4: the high form is for numbers of 31 and more.
        if n < 31 {
            return err("NonMinimalTag", pos, "high form for a number below 31");
        }
        number = n;
    }
    // 8.1.3: length octets.
    let len_at = p;
    if p >= end {
        return err("Truncated", p, "no length octet");
    }
    let l0 = buf[p];
    p += 1;
    let length: usize = if l0 < 0x80 {
        // 8.1.3.4: short form.
        usize::from(l0)
    } else if l0 == 0x80 {
        // 8.1.3.6: indefinite form, refused.
        return err("IndefiniteLength", len_at, "indefinite length");
    } else if l0 == 0xFF {
        // 8.1.3.5 c: the value FF shall not be used.
        return err("ReservedLength", len_at, "length octet FF");
    } else {
        // 8.1.3.5: long form, bits 7..1 = number of subsequent octets; bounded to 4.
        let k = usize::from(l0 & 0x7F);
        if k > 4 {
            return err("LengthTooLong", len_at, format!("{k} length octets"));
        }
        if p + k > end {
            return err("Truncated", p, "long-form length cut short");
        }
        let mut v: usize = 0;
        for j in 0..k {
            v = (v << 8) | usize::from(buf[p + j]);
        }
        p += k;
        v
    };
    // 8.1.4: contents octets; they must fit in the parent.
    let available = end - p;
    if length > available {
        return err(
            "LengthExceedsParent",
            len_at,
            format!("length {length}, {available} left"),
        );
    }
    Ok(Tlv {
        class,
        constructed,
        number,
        start: pos,
        len_at,
        value_start: p,
        value_end: p + length,
    })
}

/// Check that `[pos, end)` holds well-formed elements, nested at most
/// `max_depth` levels (the kernel's walk: a constructed element found at
/// depth `d` fails when `d + 1 >= max_depth`).
pub fn check_nested(buf: &[u8], pos: usize, end: usize, max_depth: usize) -> RefResult<()> {
    let max_depth = max_depth.clamp(1, MAX_DEPTH);
    walk(buf, pos, end, 0, max_depth)
}

fn walk(buf: &[u8], mut pos: usize, end: usize, depth: usize, max_depth: usize) -> RefResult<()> {
    while pos < end {
        let t = read(buf, pos, end)?;
        if t.constructed {
            if depth + 1 >= max_depth {
                return err("DepthExceeded", t.start, "too deep");
            }
            walk(buf, t.value_start, t.value_end, depth + 1, max_depth)?;
        }
        pos = t.value_end;
    }
    Ok(())
}

/// 8.3: INTEGER contents to i64.
pub fn integer(buf: &[u8], t: &Tlv) -> RefResult<i64> {
    let c = t.value(buf);
    // 8.3.1: one or more octets.
    if c.is_empty() {
        return err("EmptyInteger", t.value_start, "no contents");
    }
    // 8.3.2: first octet and bit 8 of the second not all ones or all zeros.
    if c.len() >= 2 && ((c[0] == 0x00 && c[1] < 0x80) || (c[0] == 0xFF && c[1] >= 0x80)) {
        return err(
            "NonMinimalInteger",
            t.value_start,
            "redundant leading octet",
        );
    }
    if c.len() > 8 {
        return err("IntegerTooLarge", t.value_start, "more than 64 bits");
    }
    // 8.3.3: two's complement, most significant first: the unsigned value,
    // less 2^(8n) when the sign bit is set.
    let mut u: i128 = 0;
    for &b in c {
        u = u * 256 + i128::from(b);
    }
    if c[0] >= 0x80 {
        u -= 1i128 << (8 * c.len());
    }
    Ok(u as i64)
}

/// A non-negative INTEGER no larger than `max`, else `IntegerOutOfRange` at the element.
pub fn unsigned(buf: &[u8], t: &Tlv, max: u32) -> RefResult<u32> {
    let v = integer(buf, t)?;
    if v < 0 || v > i64::from(max) {
        return err(
            "IntegerOutOfRange",
            t.start,
            format!("{v} outside 0..={max}"),
        );
    }
    Ok(v as u32)
}

/// 8.6: BIT STRING; returns the first 32 named bits (bit 0 = MSB of the first data octet).
pub fn bit_string_flags(buf: &[u8], t: &Tlv) -> RefResult<u32> {
    let c = t.value(buf);
    // 8.6.2: the initial octet gives the number of unused bits (0..7); with no
    // further octets it shall be zero.
    if c.is_empty() {
        return err("EmptyBitString", t.value_start, "no initial octet");
    }
    let unused = c[0];
    if unused > 7 || (c.len() == 1 && unused != 0) {
        return err(
            "InvalidUnusedBits",
            t.value_start,
            format!("unused {unused}"),
        );
    }
    let nbits = (c.len() - 1) * 8 - usize::from(unused);
    let mut flags = 0u32;
    for n in 0..32usize {
        if n < nbits && c[1 + n / 8] & (0x80 >> (n % 8)) != 0 {
            flags |= 1 << n;
        }
    }
    Ok(flags)
}

/// UTF8String: the first invalid byte is the offset.
pub fn utf8(buf: &[u8], t: &Tlv) -> RefResult<String> {
    utf8_at(t.value(buf), t.value_start)
}

/// Decode UTF-8 whose first byte is at `offset`.
pub fn utf8_at(bytes: &[u8], offset: usize) -> RefResult<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => err("InvalidUtf8", offset + e.valid_up_to(), "invalid UTF-8"),
    }
}

/// Check the contents length is at most `max`, else `TooLong` at the element.
pub fn max_len(t: &Tlv, max: usize) -> RefResult<()> {
    if t.len() > max {
        return err("TooLong", t.start, format!("{} > {max}", t.len()));
    }
    Ok(())
}

/// A UTF8String of at most `max` bytes (a PKCS#15 Label).
pub fn label(buf: &[u8], t: &Tlv, max: usize) -> RefResult<String> {
    max_len(t, max)?;
    utf8(buf, t)
}

/// X.680 41.4 Table 10: the PrintableString repertoire.
pub fn printable(buf: &[u8], t: &Tlv) -> RefResult<String> {
    for (i, &b) in t.value(buf).iter().enumerate() {
        let ok = b.is_ascii_uppercase()
            || b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || [
                b' ', b'\'', b'(', b')', b'+', b',', b'-', b'.', b'/', b':', b'=', b'?',
            ]
            .contains(&b);
        if !ok {
            return err("InvalidCharacter", t.value_start + i, "not PrintableString");
        }
    }
    utf8(buf, t)
}

/// IA5String: 7-bit characters.
pub fn ia5(buf: &[u8], t: &Tlv) -> RefResult<String> {
    for (i, &b) in t.value(buf).iter().enumerate() {
        if b >= 0x80 {
            return err("InvalidCharacter", t.value_start + i, "not IA5String");
        }
    }
    utf8(buf, t)
}

/// 8.19: OBJECT IDENTIFIER contents, checked; returns the contents octets.
pub fn oid(buf: &[u8], t: &Tlv) -> RefResult<Vec<u8>> {
    let c = t.value(buf);
    if c.is_empty() {
        return err("EmptyOid", t.value_start, "no subidentifiers");
    }
    // 8.19.2: each subidentifier base 128, bit 8 set on all octets but the
    // last, and the leading octet shall not be 80.
    let mut i = 0;
    while i < c.len() {
        if c[i] == 0x80 {
            return err("NonMinimalOidArc", t.value_start + i, "leading 80");
        }
        let mut value: u64 = 0;
        loop {
            if i >= c.len() {
                return err("TruncatedOid", t.value_end, "last octet has bit 8 set");
            }
            value = value * 128 + u64::from(c[i] & 0x7F);
            if value > u64::from(u32::MAX) {
                return err("OidArcOverflow", t.value_start + i, "arc above 32 bits");
            }
            let last = c[i] & 0x80 == 0;
            i += 1;
            if last {
                break;
            }
        }
    }
    Ok(c.to_vec())
}

/// Dotted text of OID contents (8.19.4: the first subidentifier is 40*X + Y).
pub fn oid_text(c: &[u8]) -> String {
    let mut arcs = Vec::new();
    let mut v: u64 = 0;
    for &b in c {
        v = v * 128 + u64::from(b & 0x7F);
        if b & 0x80 == 0 {
            arcs.push(v);
            v = 0;
        }
    }
    let mut out = Vec::new();
    if let Some(&first) = arcs.first() {
        let (x, y) = if first < 40 {
            (0, first)
        } else if first < 80 {
            (1, first - 40)
        } else {
            (2, first - 80)
        };
        out.push(x.to_string());
        out.push(y.to_string());
    }
    out.extend(arcs.iter().skip(1).map(u64::to_string));
    out.join(".")
}

/// Reads the components of a constructed value in order.
pub struct Seq<'b> {
    /// The whole input.
    pub buf: &'b [u8],
    /// The next unread position.
    pub pos: usize,
    /// The end of the window.
    pub end: usize,
}

impl<'b> Seq<'b> {
    /// Read the contents of `t`.
    pub fn of(buf: &'b [u8], t: &Tlv) -> Self {
        Seq {
            buf,
            pos: t.value_start,
            end: t.value_end,
        }
    }

    /// The next element without consuming it (read errors surface here).
    pub fn peek(&self) -> RefResult<Option<Tlv>> {
        if self.pos >= self.end {
            return Ok(None);
        }
        read(self.buf, self.pos, self.end).map(Some)
    }

    /// The next element, consumed.
    pub fn take_next(&mut self) -> RefResult<Option<Tlv>> {
        let t = self.peek()?;
        if let Some(t) = t {
            self.pos = t.value_end;
        }
        Ok(t)
    }

    /// The next element if its identifier is `id`. Presence of an OPTIONAL
    /// component is decided by the identifier octet alone (X.680 24.6 /
    /// X.690 8.1.2: the tag distinguishes components); a component that is
    /// not this one is left for the next reader, errors and all.
    pub fn optional(&mut self, id: u8) -> RefResult<Option<Tlv>> {
        if self.pos < self.end && self.buf[self.pos] == id {
            self.take_next()
        } else {
            Ok(None)
        }
    }

    /// The next element, which must have identifier `id`.
    pub fn required(&mut self, id: u8, what: &str) -> RefResult<Tlv> {
        match self.peek()? {
            Some(t) if t.is(id) => {
                self.pos = t.value_end;
                Ok(t)
            }
            Some(t) => err("UnexpectedTag", t.start, format!("expected {what}")),
            None => err("MissingField", self.end, format!("{what} missing")),
        }
    }

    /// Nothing may follow.
    pub fn finish(&self) -> RefResult<()> {
        match self.peek()? {
            None => Ok(()),
            Some(t) => err("TrailingData", t.start, "data after the last component"),
        }
    }

    /// Remaining components are extensions (`...`): well-formed, otherwise ignored.
    pub fn extensions(&self) -> RefResult<()> {
        check_nested(self.buf, self.pos, self.end, MAX_DEPTH)
    }
}

/// Skip directory-file padding (`00` and `FF`).
pub fn skip_padding(buf: &[u8], mut pos: usize, end: usize) -> usize {
    while pos < end && (buf[pos] == 0x00 || buf[pos] == 0xFF) {
        pos += 1;
    }
    pos
}

/// The entries of a PKCS#15 directory file (ODF, DODF, a key directory):
/// top-level elements with `00`/`FF` padding between them. `entry` turns
/// an element into `Some` entry, or `None` for an alternative this model
/// does not read; such an element is still checked as well-formed BER
/// when it is constructed.
pub fn directory<T>(
    buf: &[u8],
    mut entry: impl FnMut(&Tlv) -> RefResult<Option<T>>,
) -> RefResult<Vec<T>> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        pos = skip_padding(buf, pos, buf.len());
        if pos >= buf.len() {
            return Ok(out);
        }
        let t = read(buf, pos, buf.len())?;
        pos = t.value_end;
        match entry(&t)? {
            Some(e) => out.push(e),
            None if t.constructed => check_nested(buf, t.value_start, t.value_end, MAX_DEPTH - 1)?,
            None => {}
        }
    }
}

/// A PKCS#15 Path (SEQUENCE { efidOrPath OCTET STRING, index INTEGER OPTIONAL, length [0] INTEGER OPTIONAL }).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefPath {
    /// File identifiers.
    pub path: Vec<u8>,
    /// `(index, length)` when both are present.
    pub index_length: Option<(u32, u32)>,
}

/// Check a path value held by element `t`: 2..=16 bytes of 2-byte file identifiers.
pub fn check_path(t: &Tlv) -> RefResult<()> {
    let n = t.len();
    if n > 16 {
        return err("TooLong", t.start, format!("path {n} bytes"));
    }
    if n < 2 {
        return err("TooShort", t.start, format!("path {n} bytes"));
    }
    if n % 2 == 1 {
        return err("OddPathLength", t.start, format!("path {n} bytes"));
    }
    Ok(())
}

/// Decode a Path SEQUENCE element.
pub fn path(buf: &[u8], t: &Tlv) -> RefResult<RefPath> {
    let mut s = Seq::of(buf, t);
    let p = s.required(0x04, "efidOrPath")?;
    check_path(&p)?;
    let index = s.optional(0x02)?;
    let length = s.optional(0x80)?;
    let index_length = match (index, length) {
        (None, None) => None,
        (Some(i), Some(l)) => {
            // pkcs15-ub-index = 65535.
            let iv = unsigned(buf, &i, 65535)?;
            let lv = unsigned(buf, &l, 65535)?;
            Some((iv, lv))
        }
        (Some(i), None) => return err("IndexWithoutLength", i.start, "index without length"),
        (None, Some(l)) => return err("IndexWithoutLength", l.start, "length without index"),
    };
    s.finish()?;
    Ok(RefPath {
        path: p.value(buf).to_vec(),
        index_length,
    })
}
