//! Command APDUs (ISO/IEC 7816-3 12.1, 7816-4 5.1): the four cases, short
//! and extended lengths, and the class byte's logical channel.
//!
//! ```
//! use scboot::apdu::Command;
//! let c = Command::parse(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
//! assert_eq!((c.ins, c.le, c.extended), (0xB0, Some(256), false));
//! let mut buf = [0u8; 16];
//! let n = c.encode(&mut buf).unwrap();
//! assert_eq!(&buf[..n], &[0x00, 0xB0, 0x00, 0x00, 0x00]);
//! ```

use core::fmt;

/// Why a command APDU is malformed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApduError {
    /// Fewer than 4 bytes.
    TooShort,
    /// The length fields disagree with the number of bytes.
    LengthMismatch,
    /// An extended Lc of zero, which no case allows.
    ZeroExtendedLc,
    /// The output buffer is too small; `needed` bytes are required.
    BufferTooSmall {
        /// Bytes required.
        needed: usize,
    },
    /// Data or Le too long for any encoding.
    TooLong,
}

impl fmt::Display for ApduError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApduError::TooShort => f.write_str("command APDU shorter than 4 bytes"),
            ApduError::LengthMismatch => {
                f.write_str("command APDU length fields disagree with its size")
            }
            ApduError::ZeroExtendedLc => f.write_str("extended Lc of zero"),
            ApduError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small, {needed} bytes needed")
            }
            ApduError::TooLong => f.write_str("data or Le too long for an APDU"),
        }
    }
}

impl core::error::Error for ApduError {}

/// The largest short Lc.
pub const MAX_SHORT_DATA: usize = 255;
/// The largest extended Lc.
pub const MAX_EXTENDED_DATA: usize = 65535;

/// A command APDU, borrowing its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command<'a> {
    /// Class byte.
    pub cla: u8,
    /// Instruction.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (empty in cases 1 and 2).
    pub data: &'a [u8],
    /// Expected response length (cases 2 and 4): 1..=256 short, 1..=65536 extended.
    pub le: Option<u32>,
    /// Whether the length fields use the extended form.
    pub extended: bool,
}

fn be16(b: &[u8]) -> usize {
    b.iter()
        .take(2)
        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
}

impl<'a> Command<'a> {
    /// A case 1..4 command; `extended` is chosen when data or Le need it.
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8, data: &'a [u8], le: Option<u32>) -> Self {
        let extended = data.len() > MAX_SHORT_DATA || le.is_some_and(|l| l > 256);
        Command {
            cla,
            ins,
            p1,
            p2,
            data,
            le,
            extended,
        }
    }

    /// Parse a command APDU (ISO/IEC 7816-3 12.1.3 decoding of the body).
    pub fn parse(apdu: &'a [u8]) -> Result<Command<'a>, ApduError> {
        let Some((&[cla, ins, p1, p2], body)) = apdu.split_first_chunk::<4>() else {
            return Err(ApduError::TooShort);
        };
        let mut c = Command {
            cla,
            ins,
            p1,
            p2,
            data: &[],
            le: None,
            extended: false,
        };
        match body {
            [] => {}
            [le] => c.le = Some(if *le == 0 { 256 } else { u32::from(*le) }),
            [0, rest @ ..] => {
                c.extended = true;
                match rest {
                    [_, _] => {
                        let le = be16(rest);
                        c.le = Some(if le == 0 { 65536 } else { le as u32 });
                    }
                    [a, b, tail @ ..] => {
                        let lc = be16(&[*a, *b]);
                        if lc == 0 {
                            return Err(ApduError::ZeroExtendedLc);
                        }
                        if tail.len() == lc {
                            c.data = tail;
                        } else if tail.len() == lc + 2 {
                            let (data, le) = tail.split_at(lc);
                            c.data = data;
                            let le = be16(le);
                            c.le = Some(if le == 0 { 65536 } else { le as u32 });
                        } else {
                            return Err(ApduError::LengthMismatch);
                        }
                    }
                    _ => return Err(ApduError::LengthMismatch),
                }
            }
            [lc, tail @ ..] => {
                let lc = usize::from(*lc);
                if tail.len() == lc {
                    c.data = tail;
                } else if tail.len() == lc + 1 {
                    let (data, le) = tail.split_at(lc);
                    c.data = data;
                    let le = le.first().copied().unwrap_or(0);
                    c.le = Some(if le == 0 { 256 } else { u32::from(le) });
                } else {
                    return Err(ApduError::LengthMismatch);
                }
            }
        }
        Ok(c)
    }

    /// The number of bytes [`Command::encode`] writes.
    pub fn encoded_len(&self) -> usize {
        let f = Framing {
            extended: self.extended,
        };
        f.header(self.cla, self.ins, self.p1, self.p2, self.data.len())
            .1
            + self.data.len()
            + f.le(self.le, self.data.len()).1
    }

    /// Encode into `out`; returns the bytes written.
    pub fn encode(&self, out: &mut [u8]) -> Result<usize, ApduError> {
        if self.data.len() > MAX_EXTENDED_DATA
            || (!self.extended && self.data.len() > MAX_SHORT_DATA)
            || self
                .le
                .is_some_and(|l| l == 0 || l > 65536 || (!self.extended && l > 256))
        {
            return Err(ApduError::TooLong);
        }
        let needed = self.encoded_len();
        let Some(dst) = out.get_mut(..needed) else {
            return Err(ApduError::BufferTooSmall { needed });
        };
        let f = Framing {
            extended: self.extended,
        };
        let (h, hn) = f.header(self.cla, self.ins, self.p1, self.p2, self.data.len());
        let (le, ln) = f.le(self.le, self.data.len());
        let mut w = Cursor { buf: dst, pos: 0 };
        w.put(h.get(..hn).unwrap_or(&[]));
        w.put(self.data);
        w.put(le.get(..ln).unwrap_or(&[]));
        Ok(w.pos)
    }
}

/// Give the command in `buf[..len]` the expected length `le`, where it
/// lies (the same header and data, the Le field rewritten, added or
/// removed); the new length. As `Command { le, ..parsed }.encode`, without
/// a second buffer.
pub(crate) fn set_le_in_place(
    buf: &mut [u8],
    len: usize,
    le: Option<u32>,
) -> Result<usize, ApduError> {
    let c = Command::parse(buf.get(..len).ok_or(ApduError::TooShort)?)?;
    let new = Command { le, ..c };
    // The same form before and after (a parsed command keeps its own), so
    // the header and data stay and only the tail changes.
    let needed = new.encoded_len();
    if le.is_some_and(|l| l == 0 || l > 65536 || (!c.extended && l > 256)) {
        return Err(ApduError::TooLong);
    }
    let f = Framing {
        extended: c.extended,
    };
    let n = c.data.len();
    let (_, old_len) = f.le(c.le, n);
    let (bytes, new_len) = f.le(le, n);
    let prefix = len - old_len;
    let dst = buf
        .get_mut(prefix..prefix + new_len)
        .ok_or(ApduError::BufferTooSmall { needed })?;
    dst.copy_from_slice(bytes.get(..new_len).unwrap_or(&[]));
    Ok(prefix + new_len)
}

/// The length fields of a command in one form, short or extended
/// (ISO/IEC 7816-3 12.1.3): the one place that writes Lc and Le, for
/// commands, for the SCP03 MAC input and for wrapped commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Framing {
    /// The extended form (3-byte Lc, 2- or 3-byte Le).
    pub(crate) extended: bool,
}

impl Framing {
    /// The form a command needs: extended when asked for, or when `lc` data
    /// bytes or `le` do not fit the short form.
    pub(crate) const fn for_lengths(extended: bool, lc: usize, le: Option<u32>) -> Framing {
        let le_long = match le {
            Some(l) => l > 256,
            None => false,
        };
        Framing {
            extended: extended || lc > MAX_SHORT_DATA || le_long,
        }
    }

    /// `CLA INS P1 P2` and the Lc field for `lc` data bytes (none when 0).
    pub(crate) const fn header(
        self,
        cla: u8,
        ins: u8,
        p1: u8,
        p2: u8,
        lc: usize,
    ) -> ([u8; 7], usize) {
        let mut h = [cla, ins, p1, p2, 0, 0, 0];
        if lc == 0 {
            (h, 4)
        } else if self.extended {
            h[5] = (lc >> 8) as u8;
            h[6] = lc as u8;
            (h, 7)
        } else {
            h[4] = lc as u8;
            (h, 5)
        }
    }

    /// The Le field after `lc` data bytes (extended with no data: `00` then
    /// two bytes; 256 and 65536 as `00`).
    pub(crate) const fn le(self, le: Option<u32>, lc: usize) -> ([u8; 3], usize) {
        match le {
            None => ([0; 3], 0),
            Some(l) if !self.extended => ([if l == 256 { 0 } else { l as u8 }, 0, 0], 1),
            Some(l) => {
                let v = if l == 65536 { 0 } else { l };
                let (hi, lo) = ((v >> 8) as u8, v as u8);
                if lc == 0 {
                    ([0, hi, lo], 3)
                } else {
                    ([hi, lo, 0], 2)
                }
            }
        }
    }
}

/// A bounds-checked writer over a buffer already sized by the caller.
pub(crate) struct Cursor<'b> {
    pub(crate) buf: &'b mut [u8],
    pub(crate) pos: usize,
}

impl Cursor<'_> {
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.buf.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
            self.pos = end;
        }
    }
}

/// The logical channel a class byte names (ISO 7816-4 5.4.1): 0..=3 in the
/// first interindustry form, 4..=19 in the further form (bit 7 set).
pub const fn channel_of(cla: u8) -> u8 {
    if cla & 0x40 == 0 {
        cla & 0x03
    } else {
        (cla & 0x0F) + 4
    }
}

/// The class byte for `cla`'s family (proprietary bit b8, chaining bit b5)
/// on `channel`, with or without the GlobalPlatform secure messaging
/// indication (`04` for channels 0..=3, `20` for 4..=19). `None` for a channel above 19.
pub const fn class_on_channel(cla: u8, channel: u8, secure_messaging: bool) -> Option<u8> {
    let base = cla & 0x90;
    if channel <= 3 {
        Some(base | if secure_messaging { 0x04 } else { 0 } | channel)
    } else if channel <= 19 {
        Some(base | 0x40 | if secure_messaging { 0x20 } else { 0 } | (channel - 4))
    } else {
        None
    }
}

/// A response's status word (ISO/IEC 7816-4 5.6): `SW1 SW2`.
///
/// ```
/// use scboot::apdu::StatusWord;
/// assert!(StatusWord(0x9000).completes() && StatusWord(0x6282).completes());
/// assert_eq!(StatusWord(0x6110).more_data(), Some(0x10));
/// assert_eq!(StatusWord(0x6C00).exact_length(), Some(256));
/// assert!(StatusWord(0x6A82).not_found());
/// assert_eq!(StatusWord(0x6982).to_string(), "6982");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `9000`: normal processing.
    pub const SUCCESS: StatusWord = StatusWord(0x9000);

    /// From its two bytes.
    pub const fn from_bytes(sw1: u8, sw2: u8) -> StatusWord {
        StatusWord(((sw1 as u16) << 8) | sw2 as u16)
    }

    /// The two bytes.
    pub const fn to_bytes(self) -> [u8; 2] {
        self.0.to_be_bytes()
    }

    /// SW1.
    pub const fn sw1(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// SW2.
    pub const fn sw2(self) -> u8 {
        self.0 as u8
    }

    /// `9000`.
    pub const fn is_success(self) -> bool {
        self.0 == 0x9000
    }

    /// A warning (`62xx`, `63xx`): processed, with a remark.
    pub const fn is_warning(self) -> bool {
        matches!(self.sw1(), 0x62 | 0x63)
    }

    /// Whether the command was processed: `9000` or a warning. These are
    /// also the status words an SCP03 R-MAC protects (Amendment D 6.2.5).
    pub const fn completes(self) -> bool {
        self.is_success() || self.is_warning()
    }

    /// `61xx`: more data waits; GET RESPONSE with this Le (`00`: 256).
    pub const fn more_data(self) -> Option<u16> {
        match self.sw1() {
            0x61 => Some(le_of(self.sw2())),
            _ => None,
        }
    }

    /// `6Cxx`: wrong Le; re-send the command with this Le (`00`: 256).
    pub const fn exact_length(self) -> Option<u16> {
        match self.sw1() {
            0x6C => Some(le_of(self.sw2())),
            _ => None,
        }
    }

    /// A "not found" answer to a SELECT: `6A82` (file or application not
    /// found), `6A88` (referenced data not found), and `6A86` (incorrect
    /// P1-P2), which some cards give for an application they do not hold.
    pub const fn not_found(self) -> bool {
        matches!(self.0, 0x6A82 | 0x6A86 | 0x6A88)
    }
}

const fn le_of(xx: u8) -> u16 {
    if xx == 0 {
        256
    } else {
        xx as u16
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> StatusWord {
        StatusWord(sw)
    }
}

impl From<StatusWord> for u16 {
    fn from(sw: StatusWord) -> u16 {
        sw.0
    }
}

impl PartialEq<u16> for StatusWord {
    fn eq(&self, other: &u16) -> bool {
        self.0 == *other
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04X}", self.0)
    }
}

impl fmt::LowerHex for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

impl fmt::UpperHex for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::UpperHex::fmt(&self.0, f)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({:04X})", self.0)
    }
}

/// Split a response APDU into data and status word.
pub fn split_response(resp: &[u8]) -> Option<(&[u8], StatusWord)> {
    let (data, sw) = resp.split_last_chunk::<2>()?;
    Some((data, StatusWord::from_bytes(sw[0], sw[1])))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[allow(unused_imports)]
    use std::format;
    use std::vec;
    use std::vec::Vec;

    fn enc(c: &Command<'_>) -> Vec<u8> {
        let mut buf = vec![0u8; c.encoded_len()];
        assert_eq!(c.encode(&mut buf), Ok(buf.len()));
        // One byte short: refused with the exact size needed, nothing written past it.
        let mut short = vec![0u8; buf.len() - 1];
        assert_eq!(
            c.encode(&mut short),
            Err(ApduError::BufferTooSmall { needed: buf.len() })
        );
        buf
    }

    fn cmd(data: &[u8], le: Option<u32>, extended: bool) -> Command<'_> {
        Command {
            cla: 0x84,
            ins: 0xB0,
            p1: 0x01,
            p2: 0x02,
            data,
            le,
            extended,
        }
    }

    /// The four cases, short and extended, byte for byte, and back.
    #[test]
    fn four_cases_short_and_extended() {
        let d = [0xAA, 0xBB, 0xCC];
        let h = [0x84, 0xB0, 0x01, 0x02];
        let cases: [(Command<'_>, &[u8]); 12] = [
            (cmd(&[], None, false), &[]),
            (cmd(&[], Some(1), false), &[0x01]),
            (cmd(&[], Some(255), false), &[0xFF]),
            (cmd(&[], Some(256), false), &[0x00]),
            (cmd(&d, None, false), &[0x03, 0xAA, 0xBB, 0xCC]),
            (cmd(&d, Some(256), false), &[0x03, 0xAA, 0xBB, 0xCC, 0x00]),
            (cmd(&d, Some(0x12), false), &[0x03, 0xAA, 0xBB, 0xCC, 0x12]),
            (cmd(&[], Some(0x1234), true), &[0x00, 0x12, 0x34]),
            (cmd(&[], Some(65536), true), &[0x00, 0x00, 0x00]),
            (cmd(&[], Some(65535), true), &[0x00, 0xFF, 0xFF]),
            (cmd(&d, None, true), &[0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC]),
            (
                cmd(&d, Some(65536), true),
                &[0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x00, 0x00],
            ),
        ];
        for (c, body) in cases {
            let want = [&h[..], body].concat();
            assert_eq!(enc(&c), want, "{c:?}");
            assert_eq!(c.encoded_len(), want.len());
            assert_eq!(Command::parse(&want), Ok(c), "{want:02X?}");
        }
        // Extended case 4 with a non-zero Le.
        let c = cmd(&d, Some(0x0102), true);
        assert_eq!(
            enc(&c),
            [&h[..], &[0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC, 0x01, 0x02]].concat()
        );
    }

    #[test]
    fn lengths_at_their_limits() {
        let big = vec![0x5Au8; MAX_EXTENDED_DATA + 1];
        let at = |n: usize| &big[..n];
        // Short: Lc up to 255, Le up to 256.
        assert!(cmd(at(255), Some(256), false)
            .encode(&mut [0u8; 300])
            .is_ok());
        assert_eq!(
            cmd(at(256), None, false).encode(&mut [0u8; 300]),
            Err(ApduError::TooLong)
        );
        assert_eq!(
            cmd(&[], Some(257), false).encode(&mut [0u8; 8]),
            Err(ApduError::TooLong)
        );
        // Extended: Lc up to 65535, Le up to 65536.
        let mut buf = vec![0u8; MAX_EXTENDED_DATA + 16];
        let n = cmd(at(65535), Some(65536), true).encode(&mut buf).unwrap();
        assert_eq!(n, 4 + 3 + 65535 + 2);
        assert_eq!(&buf[4..7], &[0x00, 0xFF, 0xFF]);
        let parsed = Command::parse(&buf[..n]).unwrap();
        assert_eq!((parsed.data.len(), parsed.le), (65535, Some(65536)));
        assert_eq!(
            cmd(at(65536), None, true).encode(&mut buf),
            Err(ApduError::TooLong)
        );
        assert_eq!(
            cmd(at(65536), None, false).encode(&mut buf),
            Err(ApduError::TooLong)
        );
        assert_eq!(
            cmd(&[], Some(65537), true).encode(&mut buf),
            Err(ApduError::TooLong)
        );
        // Le 0 means nothing in either form.
        for ext in [false, true] {
            assert_eq!(
                cmd(&[], Some(0), ext).encode(&mut buf),
                Err(ApduError::TooLong)
            );
        }
    }

    #[test]
    fn new_picks_the_extended_form_only_when_needed() {
        let big = [0u8; 256];
        let ext = |data: &[u8], le| Command::new(0, 0xB0, 0, 0, data, le).extended;
        assert!(!ext(&big[..255], Some(256)));
        assert!(ext(&big[..256], None));
        assert!(ext(&[], Some(257)));
        assert!(!ext(&[], None));
    }

    #[test]
    fn malformed_commands() {
        assert_eq!(
            Command::parse(&[0x00, 0xA4, 0x00]),
            Err(ApduError::TooShort)
        );
        assert_eq!(Command::parse(&[]), Err(ApduError::TooShort));
        let h = [0x00, 0xA4, 0x04, 0x00];
        let bad: [(&[u8], ApduError); 7] = [
            // Short Lc 2 with 1 or 4 bytes.
            (&[0x02, 0x11], ApduError::LengthMismatch),
            (&[0x02, 0x11, 0x22, 0x33, 0x44], ApduError::LengthMismatch),
            // Extended: a lone byte after 00, Lc 0, Lc disagreeing.
            (&[0x00, 0x01], ApduError::LengthMismatch),
            (&[0x00, 0x00, 0x00, 0x11], ApduError::ZeroExtendedLc),
            (&[0x00, 0x00, 0x02, 0x11], ApduError::LengthMismatch),
            (&[0x00, 0x00, 0x01, 0x11, 0x22], ApduError::LengthMismatch),
            (
                &[0x00, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44],
                ApduError::LengthMismatch,
            ),
        ];
        for (body, e) in bad {
            assert_eq!(
                Command::parse(&[&h[..], body].concat()),
                Err(e),
                "{body:02X?}"
            );
        }
        // A single body byte 00 is a short Le of 256, not an extended marker.
        let c = Command::parse(&[0x00, 0xB0, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!((c.le, c.extended), (Some(256), false));
    }

    #[test]
    fn errors_display_their_reason() {
        let all = [
            (ApduError::TooShort, "shorter than 4"),
            (ApduError::LengthMismatch, "disagree"),
            (ApduError::ZeroExtendedLc, "Lc of zero"),
            (ApduError::BufferTooSmall { needed: 7 }, "7 bytes needed"),
            (ApduError::TooLong, "too long"),
        ];
        for (e, text) in all {
            assert!(std::format!("{e}").contains(text), "{e}");
        }
    }

    #[test]
    fn class_bytes_for_every_channel() {
        let exact = [
            (0x00, 0, false, 0x00),
            (0x00, 1, true, 0x05),
            (0x80, 3, true, 0x87),
            (0x80, 4, false, 0xC0),
            (0x80, 4, true, 0xE0),
            (0x84, 5, false, 0xC1),
            (0x90, 19, true, 0xFF),
            (0x10, 19, false, 0x5F),
            // Secure messaging and channel bits of the input are replaced.
            (0x0F, 2, false, 0x02),
            (0xEF, 7, false, 0xC3),
        ];
        for (cla, ch, sm, want) in exact {
            assert_eq!(
                class_on_channel(cla, ch, sm),
                Some(want),
                "{cla:02X} {ch} {sm}"
            );
        }
        for ch in 0..=19u8 {
            for sm in [false, true] {
                for cla in [0x00, 0x80, 0x10, 0x90] {
                    let c = class_on_channel(cla, ch, sm).unwrap();
                    assert_eq!(channel_of(c), ch);
                    assert_eq!(c & 0x90, cla);
                    let sm_bit = if ch <= 3 { 0x04 } else { 0x20 };
                    assert_eq!(c & sm_bit != 0, sm);
                }
            }
        }
        assert_eq!(class_on_channel(0x00, 20, false), None);
        assert_eq!(class_on_channel(0x00, 255, true), None);
        assert_eq!(channel_of(0x4F), 19);
        assert_eq!(channel_of(0x43), 7);
        assert_eq!(channel_of(0x0B), 3);
    }

    #[test]
    fn responses_split_into_data_and_status() {
        assert_eq!(StatusWord::from_bytes(0x90, 0x00), StatusWord::SUCCESS);
        assert_eq!(StatusWord::from_bytes(0x6A, 0x82), 0x6A82);
        assert_eq!(
            split_response(&[0x01, 0x02, 0x61, 0x10]),
            Some((&[0x01, 0x02][..], StatusWord(0x6110)))
        );
        assert_eq!(
            split_response(&[0x90, 0x00]),
            Some((&[][..], StatusWord(0x9000)))
        );
        assert_eq!(split_response(&[0x90]), None);
    }

    /// Each class of status word, on every SW1 and at the edges of SW2.
    #[test]
    fn status_word_classes() {
        for sw1 in 0u8..=255 {
            for sw2 in [0x00u8, 0x01, 0x10, 0x7F, 0x80, 0xFF] {
                let sw = StatusWord::from_bytes(sw1, sw2);
                assert_eq!((sw.sw1(), sw.sw2()), (sw1, sw2));
                assert_eq!(sw.to_bytes(), [sw1, sw2]);
                assert_eq!(sw.is_success(), sw == 0x9000);
                assert_eq!(sw.is_warning(), sw1 == 0x62 || sw1 == 0x63);
                assert_eq!(sw.completes(), sw == 0x9000 || sw1 == 0x62 || sw1 == 0x63);
                let le = if sw2 == 0 { 256 } else { u16::from(sw2) };
                assert_eq!(sw.more_data(), (sw1 == 0x61).then_some(le));
                assert_eq!(sw.exact_length(), (sw1 == 0x6C).then_some(le));
                assert_eq!(
                    sw.not_found(),
                    sw1 == 0x6A && matches!(sw2, 0x82 | 0x86 | 0x88)
                );
            }
        }
        assert!(StatusWord(0x6A82).not_found() && StatusWord(0x6A88).not_found());
        assert!(!StatusWord(0x6A83).not_found());
        assert_eq!(std::format!("{:?}", StatusWord(0x63C2)), "StatusWord(63C2)");
        assert_eq!(u16::from(StatusWord::from(0x6982)), 0x6982);
    }

    /// An Le no encoding carries is refused, whatever the form: 0, above
    /// 65536, and above 256 in a short command.
    #[test]
    fn set_le_in_place_refuses_impossible_le() {
        let mut buf = [0x00, 0xB0, 0x00, 0x00, 0x10, 0, 0, 0];
        for le in [0, 65537] {
            assert_eq!(
                set_le_in_place(&mut buf, 5, Some(le)),
                Err(ApduError::TooLong)
            );
        }
        assert_eq!(
            set_le_in_place(&mut buf, 5, Some(257)),
            Err(ApduError::TooLong)
        );
        assert_eq!(set_le_in_place(&mut buf, 5, Some(256)), Ok(5));
        assert_eq!(buf[4], 0x00);
    }

    proptest::proptest! {
        /// The Le rewritten in place equals the command encoded anew with
        /// that Le, in every case and form; nothing past the new length is
        /// touched, and a buffer too small is refused, not overrun.
        #[test]
        fn set_le_in_place_equals_encoding_anew(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            old_le in proptest::option::of(1u32..=65536),
            new_le in proptest::option::of(1u32..=65536),
            extended in proptest::bool::ANY,
            room in 0usize..4,
        ) {
            let extended = extended || data.len() > 255 || old_le.is_some_and(|l| l > 256);
            let c = Command { cla: 0x00, ins: 0xB0, p1: 1, p2: 2, data: &data, le: old_le, extended };
            let plain = enc(&c);
            // What the exchange re-sent before: the parsed command (a case 1
            // command is short whatever it was built as) with the new Le.
            let parsed = Command::parse(&plain).unwrap();
            let extended = parsed.extended;
            let want = Command { le: new_le, ..parsed };
            let mut buf = vec![0xEEu8; plain.len() + 3 + room];
            buf[..plain.len()].copy_from_slice(&plain);
            let got = set_le_in_place(&mut buf, plain.len(), new_le);
            if new_le.is_some_and(|l| !extended && l > 256) {
                proptest::prop_assert_eq!(got, Err(ApduError::TooLong));
            } else {
                let n = got.unwrap();
                proptest::prop_assert_eq!(&buf[..n], &enc(&want)[..]);
                proptest::prop_assert!(buf[n.max(plain.len())..].iter().all(|&b| b == 0xEE));
                let mut tight = plain.clone();
                let r = set_le_in_place(&mut tight, plain.len(), new_le);
                if n > plain.len() {
                    proptest::prop_assert_eq!(r, Err(ApduError::BufferTooSmall { needed: n }));
                } else {
                    proptest::prop_assert_eq!(r, Ok(n));
                }
            }
        }
    }
}
