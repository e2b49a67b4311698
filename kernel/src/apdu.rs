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
        let lc = match (self.data.is_empty(), self.extended) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 3,
        };
        let le = match (self.le, self.extended, self.data.is_empty()) {
            (None, _, _) => 0,
            (Some(_), false, _) => 1,
            (Some(_), true, true) => 3,
            (Some(_), true, false) => 2,
        };
        4 + lc + self.data.len() + le
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
        let mut w = Cursor { buf: dst, pos: 0 };
        w.put(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            if self.extended {
                w.put(&[0, (self.data.len() >> 8) as u8, self.data.len() as u8]);
            } else {
                w.put(&[self.data.len() as u8]);
            }
            w.put(self.data);
        }
        if let Some(le) = self.le {
            if self.extended {
                if self.data.is_empty() {
                    w.put(&[0]);
                }
                let v = if le == 65536 { 0 } else { le };
                w.put(&[(v >> 8) as u8, v as u8]);
            } else {
                w.put(&[if le == 256 { 0 } else { le as u8 }]);
            }
        }
        Ok(w.pos)
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

/// A response's status word.
pub const fn status_word(sw1: u8, sw2: u8) -> u16 {
    ((sw1 as u16) << 8) | sw2 as u16
}

/// Split a response APDU into data and status word.
pub fn split_response(resp: &[u8]) -> Option<(&[u8], u16)> {
    let (data, sw) = resp.split_last_chunk::<2>()?;
    Some((data, status_word(sw[0], sw[1])))
}
