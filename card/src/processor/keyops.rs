//! The card's key operations (ISO/IEC 7816-8): MANAGE SECURITY ENVIRONMENT
//! SET picks a key, PERFORM SECURITY OPERATION uses it. ECDSA P-256
//! (COMPUTE DIGITAL SIGNATURE over a digest, `r ‖ s` out) and AES-CMAC
//! (COMPUTE and VERIFY CRYPTOGRAPHIC CHECKSUM, chained with CLA bit `10`).
//! A key behind the PIN needs VERIFY on the channel; a key marked
//! `secure_channel` needs an open SCP03 session.

use aes::cipher::KeyInit;
use cmac::{Cmac, Mac};
use p256::ecdsa::signature::hazmat::PrehashSigner;

use super::{sw, Chan, SecurityEnvironment, VirtualCard};
use crate::from_hex;
use crate::image::{HeldKey, KeyKind};
use scboot::apdu::Command;

/// The most data a chain may gather.
const MAX_CHAIN: usize = 64 * 1024;

/// AES-CMAC with a 16, 24 or 32-byte key.
fn cmac(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<C: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Option<Vec<u8>> {
        let mut m = <C as KeyInit>::new_from_slice(key).ok()?;
        m.update(data);
        Some(m.finalize().into_bytes().to_vec())
    }
    match key.len() {
        16 => run::<Cmac<aes::Aes128>>(key, data),
        24 => run::<Cmac<aes::Aes192>>(key, data),
        32 => run::<Cmac<aes::Aes256>>(key, data),
        _ => None,
    }
}

/// `80 <data> 8E <checksum>` of VERIFY CRYPTOGRAPHIC CHECKSUM.
fn data_and_checksum(b: &[u8]) -> Option<(&[u8], &[u8])> {
    fn take(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
        let (&t, rest) = b.split_first()?;
        if t != tag {
            return None;
        }
        let (&l, rest) = rest.split_first()?;
        let (len, rest) = match l {
            0..=0x7F => (usize::from(l), rest),
            0x81 => (usize::from(*rest.first()?), &rest[1..]),
            0x82 => (
                usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])),
                rest.get(2..)?,
            ),
            _ => return None,
        };
        Some((rest.get(..len)?, rest.get(len..)?))
    }
    let (data, rest) = take(b, 0x80)?;
    let (cc, rest) = take(rest, 0x8E)?;
    rest.is_empty().then_some((data, cc))
}

impl VirtualCard {
    fn held_key(&self, reference: u8) -> Option<&HeldKey> {
        self.image
            .held_keys
            .iter()
            .find(|k| k.reference == reference)
    }

    /// MANAGE SECURITY ENVIRONMENT: SET (P1 41 compute, 81 verify) of a
    /// digital signature (B6) or cryptographic checksum (B4) template.
    pub(super) fn manage_security_environment(
        &mut self,
        ch: usize,
        cmd: &Command<'_>,
    ) -> (Vec<u8>, u16) {
        if !matches!(cmd.p1, 0x41 | 0x81 | 0xC1) || !matches!(cmd.p2, 0xB6 | 0xB4) {
            return sw(0x6A86);
        }
        // Control reference DOs: 80 algorithm, 83/84 key reference (one byte here).
        let mut key = None;
        let mut rest = cmd.data;
        while let [tag, len, tail @ ..] = rest {
            let Some(value) = tail.get(..usize::from(*len)) else {
                return sw(0x6A80);
            };
            if matches!(tag, 0x83 | 0x84) {
                match value {
                    [r] => key = Some(*r),
                    _ => return sw(0x6A80),
                }
            }
            rest = &tail[usize::from(*len)..];
        }
        if !rest.is_empty() {
            return sw(0x6A80);
        }
        let Some(reference) = key else {
            return sw(0x6A88);
        };
        let wanted = if cmd.p2 == 0xB6 {
            KeyKind::EcP256
        } else {
            KeyKind::AesCmac
        };
        if self.held_key(reference).map(|k| k.kind) != Some(wanted) {
            return sw(0x6A88);
        }
        let chan = self.channels[ch].as_mut().expect("open channel");
        chan.se = Some(SecurityEnvironment {
            template: cmd.p2,
            verify: cmd.p1 == 0x81,
            reference,
        });
        chan.chain = None;
        sw(0x9000)
    }

    /// PERFORM SECURITY OPERATION.
    pub(super) fn perform_security_operation(
        &mut self,
        ch: usize,
        cmd: &Command<'_>,
        secure: bool,
    ) -> (Vec<u8>, u16) {
        let op = (cmd.p1, cmd.p2);
        let template = match op {
            (0x9E, 0x9A) => 0xB6,
            (0x8E, 0x80) | (0x00, 0xA2) => 0xB4,
            _ => return sw(0x6A86),
        };
        let chan: &mut Chan = self.channels[ch].as_mut().expect("open channel");
        let Some(se) = chan.se else {
            return sw(0x6985);
        };
        if se.template != template || se.verify != (op == (0x00, 0xA2)) {
            return sw(0x6985);
        }
        // Gather the chain (CLA bit 10: more to come).
        let chained = cmd.cla & 0x10 != 0;
        let mut data = match chan.chain.take() {
            Some((o, d)) if o == op => d,
            _ => Vec::new(),
        };
        if data.len() + cmd.data.len() > MAX_CHAIN {
            return sw(0x6A80);
        }
        data.extend_from_slice(cmd.data);
        if chained {
            if op == (0x9E, 0x9A) {
                return sw(0x6884);
            }
            chan.chain = Some((op, data));
            return sw(0x9000);
        }
        let pin_ok = chan.pin_ok;
        let Some(key) = self.held_key(se.reference).cloned() else {
            return sw(0x6A88);
        };
        if (key.pin && !pin_ok) || (key.secure_channel && !secure) {
            return sw(0x6982);
        }
        let Ok(value) = from_hex(&key.value) else {
            return sw(0x6F00);
        };
        match op {
            (0x9E, 0x9A) => {
                if data.len() != 32 {
                    return sw(0x6A80);
                }
                let Ok(sk) = p256::ecdsa::SigningKey::from_slice(&value) else {
                    return sw(0x6F00);
                };
                match PrehashSigner::<p256::ecdsa::Signature>::sign_prehash(&sk, &data) {
                    Ok(sig) => (sig.to_bytes().to_vec(), 0x9000),
                    Err(_) => sw(0x6F00),
                }
            }
            (0x8E, 0x80) => match cmac(&value, &data) {
                Some(mac) => (mac, 0x9000),
                None => sw(0x6F00),
            },
            _ => {
                let Some((message, checksum)) = data_and_checksum(&data) else {
                    return sw(0x6A80);
                };
                match cmac(&value, message) {
                    Some(mac)
                        if !checksum.is_empty()
                            && checksum.len() <= 16
                            && mac[..checksum.len()] == *checksum =>
                    {
                        sw(0x9000)
                    }
                    Some(_) => sw(0x6300),
                    None => sw(0x6F00),
                }
            }
        }
    }
}
