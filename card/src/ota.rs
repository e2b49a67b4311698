//! Over-the-air style updates: rewrite EFs of the PKCS#15 application
//! through an SCP03 session (level 33) with UPDATE BINARY, as a remote
//! server would through the card's OTA channel (ETSI TS 102 225/226).
//!
//! ## Replacing the bootstrap data without ever tearing it
//!
//! A card can lose power after any byte of a write (the user pulls it, the
//! device browns out). Written in place, a torn bootstrap file would be
//! part new and part old, and could still parse: the device would apply
//! it. [`replace_bootstrap`] never writes the file the device reads:
//!
//! 1. the card holds two bootstrap EFs, `6432` and `6433`; the DODF entry
//!    names one of them (the active one);
//! 2. the new file is written into the other one (the spare) and read back
//!    under the secure channel;
//! 3. one UPDATE BINARY of **one byte** in the DODF switches the entry's
//!    path from the active file to the spare (the two file identifiers
//!    differ only in their last byte).
//!
//! Until step 3 the device reads the old, complete file; after it, the new,
//! complete one. Step 3 is atomic because a single byte is all there is to
//! write: the card's non-volatile memory holds either the old byte or the
//! new one, with no third state a reader could observe, even on a card
//! whose OS gives no atomicity for multi-byte updates (Java Card's
//! `Util.arrayCopy` and card OSes commonly guarantee more, but nothing here
//! relies on it). A tear before step 3 leaves a half-written spare that
//! nothing points to; the next update writes the spare again from the
//! start.

use scboot::dir::PKCS15_AID;
use scboot::dodf::Dodf;
use scboot::scp03::{HostConfig, HostHandshake, HostSession, StaticKeys};

use crate::VirtualCard;

/// The two bootstrap EFs of the A/B scheme (under the PKCS#15 application).
pub const BOOTSTRAP_FILES: [[u8; 2]; 2] = [[0x64, 0x32], [0x64, 0x33]];

/// The DODF's file identifier.
pub const DODF_FILE: [u8; 2] = [0x64, 0x30];

/// Bytes per UPDATE BINARY.
const CHUNK: usize = 128;

fn sw(r: &[u8]) -> u16 {
    match r {
        [.., a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

/// One SCP03 session (level 33) on a logical channel, selected into the
/// PKCS#15 application. Closes its channel when dropped.
struct Session<'c> {
    card: &'c mut VirtualCard,
    s: Option<HostSession>,
    ch: u8,
    cla: u8,
}

impl<'c> Session<'c> {
    fn open(card: &'c mut VirtualCard, keys: &StaticKeys) -> Result<Session<'c>, String> {
        let open = card.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
        if sw(&open) != 0x9000 || open.len() != 3 {
            return Err(format!("MANAGE CHANNEL: {:04x}", sw(&open)));
        }
        let ch = open[0];
        let mut session = Session {
            card,
            s: None,
            ch,
            cla: VirtualCard::class_for(ch),
        };
        let mut sel = vec![session.cla, 0xA4, 0x04, 0x04, PKCS15_AID.len() as u8];
        sel.extend_from_slice(PKCS15_AID);
        sel.push(0);
        let r = session.card.process(&sel);
        if sw(&r) != 0x9000 {
            return Err(format!("SELECT application: {:04x}", sw(&r)));
        }
        let cfg = HostConfig::default().channel(ch).card_aid(Some(PKCS15_AID));
        let mut hc = [0u8; 8];
        getrandom::getrandom(&mut hc).map_err(|e| e.to_string())?;
        let mut buf = [0u8; 300];
        let (hs, n) = HostHandshake::start(keys, &cfg, &hc, &mut buf).map_err(|e| e.to_string())?;
        let r = session.card.process(&buf[..n]);
        if sw(&r) != 0x9000 {
            return Err(format!("INITIALIZE UPDATE: {:04x}", sw(&r)));
        }
        let (pending, n) = hs
            .authenticate(keys, &r[..r.len() - 2], &mut buf)
            .map_err(|e| e.to_string())?;
        let r = session.card.process(&buf[..n]);
        session.s = Some(pending.confirm(sw(&r)).map_err(|e| e.to_string())?);
        Ok(session)
    }

    /// One command through the session; the response data.
    fn send(&mut self, plain: &[u8]) -> Result<Vec<u8>, String> {
        let s = self.s.as_mut().ok_or("the secure channel is closed")?;
        let mut w = [0u8; 300];
        let n = s.wrap(plain, &mut w).map_err(|e| e.to_string())?;
        let r = self.card.process(&w[..n]);
        if r.is_empty() {
            return Err("the card did not answer (removed?)".into());
        }
        let mut out = [0u8; 300];
        let resp = s.unwrap(&r, &mut out).map_err(|e| e.to_string())?;
        if resp.sw != 0x9000 {
            return Err(format!("card answered {:04x}", resp.sw));
        }
        Ok(out[..resp.len].to_vec())
    }

    fn select(&mut self, fid: [u8; 2]) -> Result<(), String> {
        self.send(&[self.cla, 0xA4, 0x00, 0x0C, 0x02, fid[0], fid[1]])
            .map(drop)
    }

    /// SELECT with the FCP returned: the EF's size.
    fn select_size(&mut self, fid: [u8; 2]) -> Result<usize, String> {
        let fcp = self
            .send(&[self.cla, 0xA4, 0x00, 0x04, 0x02, fid[0], fid[1], 0x00])
            .map_err(|e| format!("SELECT {:02x}{:02x}: {e}", fid[0], fid[1]))?;
        scboot::fcp::FileControl::parse(&fcp)
            .map_err(|e| format!("FCP of {:02x}{:02x}: {e}", fid[0], fid[1]))?
            .size
            .ok_or_else(|| format!("the FCP of {:02x}{:02x} gives no size", fid[0], fid[1]))
    }

    /// UPDATE BINARY of `data` at `offset` of the selected EF, in chunks.
    fn write(&mut self, offset: usize, data: &[u8]) -> Result<(), String> {
        for (i, chunk) in data.chunks(CHUNK).enumerate() {
            let off = offset + i * CHUNK;
            let mut cmd = vec![self.cla, 0xD6, (off >> 8) as u8, off as u8];
            cmd.push(chunk.len() as u8);
            cmd.extend_from_slice(chunk);
            self.send(&cmd)?;
        }
        Ok(())
    }

    /// READ BINARY of `len` bytes of the selected EF.
    fn read(&mut self, len: usize) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let off = out.len();
            let n = (len - off).min(CHUNK);
            out.extend(self.send(&[self.cla, 0xB0, (off >> 8) as u8, off as u8, n as u8])?);
            if out.len() == off {
                return Err("READ BINARY returned nothing".into());
            }
        }
        Ok(out)
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        self.card.process(&[0x00, 0x70, 0x80, self.ch]);
    }
}

/// Write `data` at offset 0 of the EF `fid` of the PKCS#15 application, in
/// place. Not tear-safe: a tear leaves the file part new, part old. For the
/// bootstrap data use [`replace_bootstrap`].
pub fn update_file(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    fid: [u8; 2],
    data: &[u8],
) -> Result<(), String> {
    let mut s = Session::open(card, keys)?;
    s.select(fid)?;
    s.write(0, data)
}

/// Where the DODF's bootstrap entry names its file: the offset in the DODF
/// of the last byte of the path, and the file identifier.
pub fn bootstrap_reference(dodf: &[u8]) -> Result<(usize, [u8; 2]), String> {
    let d = Dodf::parse(dodf).map_err(|e| format!("DODF: {e}"))?;
    let found = d
        .find_lwm2m_bootstrap()
        .ok_or("the DODF has no LwM2M bootstrap entry")?;
    let path = found
        .object
        .value
        .path()
        .ok_or("the bootstrap entry's value is not a path")?
        .path;
    let [.., a, b] = *path else {
        return Err("the bootstrap entry's path is empty".into());
    };
    // The path borrows from `dodf`: its end's offset there.
    let end = path.as_ptr() as usize + path.len() - dodf.as_ptr() as usize;
    Ok((end - 1, [a, b]))
}

/// What [`replace_bootstrap`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaced {
    /// The file the DODF named before.
    pub from: [u8; 2],
    /// The file it names now, holding the new data.
    pub to: [u8; 2],
}

/// Replace the bootstrap data (`file`: the whole EF content, as long as
/// the EF) without a moment where the card holds a partial file: write the
/// spare EF, read it back, then switch the DODF entry to it with a one-byte
/// UPDATE BINARY (see the module docs).
pub fn replace_bootstrap(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    file: &[u8],
) -> Result<Replaced, String> {
    let mut s = Session::open(card, keys)?;
    let dodf_len = s.select_size(DODF_FILE)?;
    let dodf = s.read(dodf_len)?;
    let (at, from) = bootstrap_reference(&dodf)?;
    let to = match from {
        f if f == BOOTSTRAP_FILES[0] => BOOTSTRAP_FILES[1],
        f if f == BOOTSTRAP_FILES[1] => BOOTSTRAP_FILES[0],
        f => {
            return Err(format!(
                "the DODF names bootstrap file {:02x}{:02x}, not one of the A/B pair 6432/6433",
                f[0], f[1]
            ))
        }
    };
    let spare_len = s.select_size(to).map_err(|e| {
        format!("{e}: the card has no spare bootstrap file; build it again with this version")
    })?;
    if file.len() != spare_len {
        return Err(format!(
            "the new file is {} bytes, the bootstrap EF {spare_len}",
            file.len()
        ));
    }
    s.write(0, file)?;
    if s.read(file.len())? != file {
        return Err("the spare file does not read back as written".into());
    }
    s.select(DODF_FILE)?;
    s.write(at, &[to[1]])?;
    Ok(Replaced { from, to })
}
