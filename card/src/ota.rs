//! Over-the-air style updates: rewrite an EF of the PKCS#15 application
//! through an SCP03 session (level 33) with UPDATE BINARY, as a remote
//! server would through the card's OTA channel (ETSI TS 102 225/226).

use scboot::dir::PKCS15_AID;
use scboot::scp03::{HostConfig, HostHandshake, StaticKeys};

use crate::VirtualCard;

fn sw(r: &[u8]) -> u16 {
    match r {
        [.., a, b] => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

/// Write `data` at offset 0 of the EF `fid` of the PKCS#15 application.
pub fn update_file(
    card: &mut VirtualCard,
    keys: &StaticKeys,
    fid: [u8; 2],
    data: &[u8],
) -> Result<(), String> {
    let open = card.process(&[0x00, 0x70, 0x00, 0x00, 0x01]);
    if sw(&open) != 0x9000 || open.len() != 3 {
        return Err(format!("MANAGE CHANNEL: {:04x}", sw(&open)));
    }
    let ch = open[0];
    let cla = VirtualCard::class_for(ch);
    let result = (|| {
        let mut sel = vec![cla, 0xA4, 0x04, 0x04, PKCS15_AID.len() as u8];
        sel.extend_from_slice(PKCS15_AID);
        sel.push(0);
        let r = card.process(&sel);
        if sw(&r) != 0x9000 {
            return Err(format!("SELECT application: {:04x}", sw(&r)));
        }
        let cfg = HostConfig {
            channel: ch,
            card_aid: Some(PKCS15_AID),
            ..HostConfig::default()
        };
        let mut hc = [0u8; 8];
        getrandom::getrandom(&mut hc).map_err(|e| e.to_string())?;
        let mut buf = [0u8; 300];
        let (hs, n) = HostHandshake::start(keys, &cfg, &hc, &mut buf).map_err(|e| e.to_string())?;
        let r = card.process(&buf[..n]);
        if sw(&r) != 0x9000 {
            return Err(format!("INITIALIZE UPDATE: {:04x}", sw(&r)));
        }
        let (pending, n) = hs
            .authenticate(keys, &r[..r.len() - 2], &mut buf)
            .map_err(|e| e.to_string())?;
        let r = card.process(&buf[..n]);
        let mut s = pending.confirm(sw(&r)).map_err(|e| e.to_string())?;
        let mut send = |plain: &[u8]| -> Result<(), String> {
            let mut w = [0u8; 300];
            let n = s.wrap(plain, &mut w).map_err(|e| e.to_string())?;
            let r = card.process(&w[..n]);
            let mut out = [0u8; 300];
            let resp = s.unwrap(&r, &mut out).map_err(|e| e.to_string())?;
            if resp.sw != 0x9000 {
                return Err(format!("card answered {:04x}", resp.sw));
            }
            Ok(())
        };
        send(&[cla, 0xA4, 0x00, 0x0C, 0x02, fid[0], fid[1]])?;
        for (i, chunk) in data.chunks(128).enumerate() {
            let off = i * 128;
            let mut cmd = vec![cla, 0xD6, (off >> 8) as u8, off as u8, chunk.len() as u8];
            cmd.extend_from_slice(chunk);
            send(&cmd)?;
        }
        Ok(())
    })();
    card.process(&[0x00, 0x70, 0x80, ch]);
    result
}
