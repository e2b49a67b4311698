//! Serving the card to pcscd through the vsmartcard vpcd driver.
//!
//! The virtual card connects to vpcd (default `127.0.0.1:35963`). Each
//! message is a 2-byte big-endian length and a payload; a 1-byte payload is
//! a control message (0 power off, 1 power on, 2 reset, 4 get ATR), any
//! other an APDU to answer.

use std::io::{Read, Write};
use std::net::TcpStream;

use crate::VirtualCard;

fn read_msg(s: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 2];
    match s.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut buf = vec![0u8; usize::from(u16::from_be_bytes(len))];
    s.read_exact(&mut buf)?;
    Ok(Some(buf))
}

fn write_msg(s: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len =
        u16::try_from(payload.len()).map_err(|_| std::io::Error::other("payload too long"))?;
    s.write_all(&len.to_be_bytes())?;
    s.write_all(payload)?;
    s.flush()
}

/// Serve `card` to vpcd at `addr` until the connection closes. `log` sees
/// every APDU exchanged. With `remove_after`, the card is pulled out (the
/// connection dropped, unanswered) when that APDU arrives: a removal in the
/// middle of a session, for tests. Returns the card (its state changed by
/// the session).
pub fn serve(
    mut card: VirtualCard,
    addr: &str,
    remove_after: Option<u64>,
    log: &mut dyn FnMut(&[u8], &[u8]),
) -> std::io::Result<VirtualCard> {
    let mut s = TcpStream::connect(addr)?;
    s.set_nodelay(true)?;
    let mut apdus = 0u64;
    while let Some(msg) = read_msg(&mut s)? {
        match msg.as_slice() {
            [0] | [1] | [2] => card.reset(),
            [4] => write_msg(&mut s, &card.atr())?,
            [_] => {}
            apdu => {
                apdus += 1;
                if remove_after.is_some_and(|n| apdus >= n) {
                    break;
                }
                let r = card.process(apdu);
                log(apdu, &r);
                write_msg(&mut s, &r)?;
            }
        }
    }
    Ok(card)
}
