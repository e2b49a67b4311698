//! APDUs through a cellular modem: the `AT+CSIM` command of 3GPP TS 27.007
//! (8.17, generic SIM access), sans I/O.
//!
//! Many LwM2M devices reach their UICC only through the modem's AT
//! interface. [`command`] writes the command line for one APDU;
//! [`response`] reads the modem's reply (every line up to the final result
//! code) into the response APDU, or an [`AtError`] that says what kind of
//! failure it was ([`TransportError`]): `+CME ERROR: 10` ("SIM not
//! inserted") is the only one that means the card is absent.
//!
//! ```
//! use scboot::at_csim;
//!
//! let mut line = [0u8; 64];
//! let n = at_csim::command(&[0x00, 0xA4, 0x08, 0x04, 0x02, 0x2F, 0x00], &mut line)?;
//! assert_eq!(&line[..n], b"AT+CSIM=14,\"00A40804022F00\"\r");
//!
//! let mut apdu = [0u8; 258];
//! let n = at_csim::response(b"\r\n+CSIM: 4,\"9000\"\r\n\r\nOK\r\n", &mut apdu)?;
//! assert_eq!(&apdu[..n], &[0x90, 0x00]);
//!
//! let e = at_csim::response(b"\r\n+CME ERROR: 10\r\n", &mut apdu).unwrap_err();
//! assert_eq!(e, at_csim::AtError::Cme(10));
//! # Ok::<(), at_csim::AtError>(())
//! ```

use core::fmt;

use crate::procedure::{Fault, TransportError};

/// What went wrong with one `AT+CSIM` exchange.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtError {
    /// The modem answered `+CME ERROR: <n>` (numeric, or the verbose text
    /// of a known code).
    Cme(u16),
    /// The modem answered a bare `ERROR`.
    Error,
    /// The reply is not a `+CSIM` answer followed by `OK`.
    Malformed {
        /// Byte offset in the reply.
        offset: usize,
        /// What is wrong there.
        reason: &'static str,
    },
    /// The output buffer is too small.
    BufferTooSmall,
}

/// `+CME ERROR` codes of 3GPP TS 27.007 9.2.1 that concern the SIM.
pub mod cme {
    /// Operation not allowed.
    pub const NOT_ALLOWED: u16 = 3;
    /// Operation not supported.
    pub const NOT_SUPPORTED: u16 = 4;
    /// SIM not inserted.
    pub const SIM_NOT_INSERTED: u16 = 10;
    /// SIM failure.
    pub const SIM_FAILURE: u16 = 13;
    /// SIM busy.
    pub const SIM_BUSY: u16 = 14;
    /// SIM wrong.
    pub const SIM_WRONG: u16 = 15;
}

impl TransportError for AtError {
    /// `SIM not inserted` is an absent card; `SIM busy` and `SIM failure`
    /// (the card did not answer the modem) are transient; everything else
    /// is a protocol failure.
    fn fault(&self) -> Fault {
        match self {
            AtError::Cme(cme::SIM_NOT_INSERTED) => Fault::CardAbsent,
            AtError::Cme(cme::SIM_BUSY | cme::SIM_FAILURE) => Fault::Transient,
            _ => Fault::Protocol,
        }
    }
}

impl fmt::Display for AtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtError::Cme(n) => write!(f, "+CME ERROR: {n}"),
            AtError::Error => f.write_str("modem answered ERROR"),
            AtError::Malformed { offset, reason } => {
                write!(f, "AT+CSIM reply at byte {offset}: {reason}")
            }
            AtError::BufferTooSmall => f.write_str("buffer too small"),
        }
    }
}

impl core::error::Error for AtError {}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Write `AT+CSIM=<length>,"<APDU in hex>"` and a carriage return into
/// `out`; the length counts hex characters (twice the APDU's bytes).
pub fn command(apdu: &[u8], out: &mut [u8]) -> Result<usize, AtError> {
    let mut w = Out { buf: out, at: 0 };
    w.put(b"AT+CSIM=")?;
    w.decimal(apdu.len() * 2)?;
    w.put(b",\"")?;
    for b in apdu {
        w.put(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0F)]])?;
    }
    w.put(b"\"\r")?;
    Ok(w.at)
}

struct Out<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Out<'_> {
    fn put(&mut self, bytes: &[u8]) -> Result<(), AtError> {
        let end = self.at + bytes.len();
        self.buf
            .get_mut(self.at..end)
            .ok_or(AtError::BufferTooSmall)?
            .copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }

    fn decimal(&mut self, n: usize) -> Result<(), AtError> {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put(&digits[i..])
    }
}

/// Read the modem's reply to one `AT+CSIM` (every line up to and including
/// the final result code; an echo of the command, blank lines and
/// unsolicited `+XXX:` lines are skipped) and write the response APDU (data
/// and SW1 SW2) into `out`; returns its length.
pub fn response(reply: &[u8], out: &mut [u8]) -> Result<usize, AtError> {
    let mut got: Option<usize> = None;
    let mut offset = 0;
    for line in reply.split(|&b| b == b'\r' || b == b'\n') {
        let at = offset;
        offset += line.len() + 1;
        if line.is_empty() || line.starts_with(b"AT") {
            continue;
        }
        if line == b"OK" {
            return got.ok_or(AtError::Malformed {
                offset: at,
                reason: "OK without a +CSIM answer",
            });
        }
        if line == b"ERROR" {
            return Err(AtError::Error);
        }
        if let Some(rest) = line.strip_prefix(b"+CME ERROR:") {
            return Err(AtError::Cme(cme_code(rest).ok_or(AtError::Malformed {
                offset: at,
                reason: "unknown +CME ERROR",
            })?));
        }
        if let Some(rest) = line.strip_prefix(b"+CSIM:") {
            if got.is_some() {
                return Err(AtError::Malformed {
                    offset: at,
                    reason: "two +CSIM answers",
                });
            }
            got = Some(csim(rest, at + 6, out)?);
        }
        // Any other line (an unsolicited result code) is not ours.
    }
    Err(AtError::Malformed {
        offset: reply.len(),
        reason: "no final result code",
    })
}

/// `<length>,"<hex>"` (quotes optional) into `out`.
fn csim(text: &[u8], at: usize, out: &mut [u8]) -> Result<usize, AtError> {
    let bad = |i: usize, reason| AtError::Malformed {
        offset: at + i,
        reason,
    };
    let start = text.iter().take_while(|&&b| b == b' ').count();
    let text = &text[start..];
    let comma = text
        .iter()
        .position(|&b| b == b',')
        .ok_or(bad(start, "no comma"))?;
    let length = decimal(&text[..comma]).ok_or(bad(start, "length is not a number"))?;
    let mut hex = &text[comma + 1..];
    let mut h = start + comma + 1;
    if let [b'"', inner @ .., b'"'] = hex {
        hex = inner;
        h += 1;
    }
    if hex.len() != length {
        return Err(bad(h, "length does not match the response"));
    }
    if hex.len() % 2 != 0 || hex.len() < 4 {
        return Err(bad(h, "not a response APDU (even hex, SW1 SW2 at least)"));
    }
    let out = out
        .get_mut(..hex.len() / 2)
        .ok_or(AtError::BufferTooSmall)?;
    for (i, (o, pair)) in out.iter_mut().zip(hex.chunks_exact(2)).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        match (digit(pair[0]), digit(pair[1])) {
            (Some(a), Some(b)) => *o = (a * 16 + b) as u8,
            _ => return Err(bad(h + 2 * i, "not a hex digit")),
        }
    }
    Ok(out.len())
}

fn decimal(text: &[u8]) -> Option<usize> {
    if text.is_empty() || text.len() > 5 {
        return None;
    }
    text.iter().try_fold(0usize, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + usize::from(c - b'0'))
    })
}

/// A numeric code, or the verbose text of a SIM code.
fn cme_code(text: &[u8]) -> Option<u16> {
    let text = text.trim_ascii();
    if let Some(n) = decimal(text) {
        return u16::try_from(n).ok();
    }
    [
        (&b"operation not allowed"[..], cme::NOT_ALLOWED),
        (b"operation not supported", cme::NOT_SUPPORTED),
        (b"SIM not inserted", cme::SIM_NOT_INSERTED),
        (b"SIM failure", cme::SIM_FAILURE),
        (b"SIM busy", cme::SIM_BUSY),
        (b"SIM wrong", cme::SIM_WRONG),
    ]
    .iter()
    .find(|(name, _)| name.eq_ignore_ascii_case(text))
    .map(|&(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        let mut out = [0u8; 40];
        let n = command(&[0x00, 0x70, 0x00, 0x00, 0x01], &mut out).unwrap();
        assert_eq!(&out[..n], b"AT+CSIM=10,\"0070000001\"\r");
        let n = command(&[], &mut out).unwrap();
        assert_eq!(&out[..n], b"AT+CSIM=0,\"\"\r");
        assert_eq!(command(&[0xFF; 16], &mut out), Err(AtError::BufferTooSmall));
        let apdu = [0xABu8; 261];
        let mut big = [0u8; 600];
        let n = command(&apdu, &mut big).unwrap();
        assert!(big[..n].starts_with(b"AT+CSIM=522,\"ABAB"));
        assert_eq!(n, 8 + 3 + 2 + 522 + 2);
    }

    #[test]
    fn replies_as_modems_send_them() {
        let mut out = [0u8; 16];
        // Echo on, quotes, a URC before the answer.
        let r = b"AT+CSIM=10,\"0070000001\"\r\r\n+CREG: 1\r\n+CSIM: 6,\"019000\"\r\n\r\nOK\r\n";
        assert_eq!(response(r, &mut out), Ok(3));
        assert_eq!(&out[..3], &[0x01, 0x90, 0x00]);
        // No quotes, lowercase hex.
        assert_eq!(response(b"+CSIM: 4,6a82\r\nOK\r\n", &mut out), Ok(2));
        assert_eq!(&out[..2], &[0x6A, 0x82]);
    }

    #[test]
    fn errors_classified() {
        let mut out = [0u8; 16];
        let cases: [(&[u8], AtError, Fault); 6] = [
            (
                b"\r\n+CME ERROR: 10\r\n",
                AtError::Cme(10),
                Fault::CardAbsent,
            ),
            (
                b"+CME ERROR: SIM not inserted\r\n",
                AtError::Cme(10),
                Fault::CardAbsent,
            ),
            (b"+CME ERROR: 14\r\n", AtError::Cme(14), Fault::Transient),
            (
                b"+CME ERROR: sim failure\r\n",
                AtError::Cme(13),
                Fault::Transient,
            ),
            (b"+CME ERROR: 4\r\n", AtError::Cme(4), Fault::Protocol),
            (b"\r\nERROR\r\n", AtError::Error, Fault::Protocol),
        ];
        for (reply, e, f) in cases {
            assert_eq!(response(reply, &mut out), Err(e));
            assert_eq!(e.fault(), f);
        }
    }

    #[test]
    fn malformed_replies_say_where() {
        let mut out = [0u8; 4];
        let cases: [(&[u8], usize, &str); 9] = [
            (b"OK\r\n", 0, "OK without a +CSIM answer"),
            (b"+CSIM: 4,\"9000\"\r\n", 17, "no final result code"),
            (
                b"+CSIM: 6,\"9000\"\r\nOK",
                10,
                "length does not match the response",
            ),
            (
                b"+CSIM: 2,\"90\"\r\nOK",
                10,
                "not a response APDU (even hex, SW1 SW2 at least)",
            ),
            (b"+CSIM: 4,\"90x0\"\r\nOK", 12, "not a hex digit"),
            (b"+CSIM: x,\"9000\"\r\nOK", 7, "length is not a number"),
            (b"+CSIM: 4\r\nOK", 7, "no comma"),
            (
                b"+CSIM: 4,9000\r\n+CSIM: 4,9000\r\nOK",
                15,
                "two +CSIM answers",
            ),
            (b"+CME ERROR: nonsense\r\n", 0, "unknown +CME ERROR"),
        ];
        for (reply, offset, reason) in cases {
            assert_eq!(
                response(reply, &mut out),
                Err(AtError::Malformed { offset, reason }),
                "{reply:?}"
            );
        }
        assert_eq!(
            response(b"+CSIM: 10,\"0102039000\"\r\nOK", &mut out),
            Err(AtError::BufferTooSmall)
        );
    }

    /// A command line read back by a modem model and answered as an echo.
    #[test]
    fn round_trip_through_the_text() {
        let apdu = [0x80, 0x50, 0x30, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8, 0x00];
        let mut line = [0u8; 64];
        let n = command(&apdu, &mut line).unwrap();
        // The modem's side: the hex between the quotes is the APDU.
        let text = &line[..n];
        let open = text.iter().position(|&b| b == b'"').unwrap();
        let hex = &text[open + 1..n - 2];
        let mut back = [0u8; 14];
        let reply = [b"+CSIM: 28,\"".as_slice(), hex, b"\"\r\nOK\r\n"].concat();
        assert_eq!(response(&reply, &mut back), Ok(14));
        assert_eq!(back, apdu);
    }
}
