//! Key operations with keys the card holds (OMA DM-SC-GEN-9): the walk
//! goes as for the bootstrap (EF.DIR, the channel, SCP03 at the configured
//! level and policy, EF.ODF), then to the key directory the ODF names,
//! finds the key by its label, gives the PIN when the key is private, and
//! asks the card (ISO/IEC 7816-8):
//!
//! | operation | commands |
//! | --- | --- |
//! | [`KeyOperation::Sign`] | MSE SET `00 22 41 B6 [80 01 00] [84 01 ref]`, PSO COMPUTE DIGITAL SIGNATURE `00 2A 9E 9A 20 <SHA-256> 00` → `r ‖ s` |
//! | [`KeyOperation::Checksum`] | MSE SET `00 22 41 B4 [83 01 ref]`, PSO COMPUTE CRYPTOGRAPHIC CHECKSUM `00 2A 8E 80 <data> 00` (chained) → AES-CMAC |
//! | [`KeyOperation::VerifyChecksum`] | MSE SET `00 22 81 B4 [83 01 ref]`, PSO VERIFY CRYPTOGRAPHIC CHECKSUM `00 2A 00 A2 [80 data] [8E cc]` (chained) → `9000` or `6300` |
//! | [`KeyOperation::ReadPublicKey`] | SELECT and READ BINARY of the public key's EF (or its direct value) → the SEC1 point |
//!
//! Every command goes through the secure channel as the bootstrap's do
//! (wrapped at the session's level). Data longer than one command carries
//! goes in a chain (ISO/IEC 7816-4 5.3.3: CLA bit `10` on every command but
//! the last); each link must answer `9000`. `80 01 00` in the MSE for an EC
//! key is the algorithm reference OpenSC sends for P-256.

// Without the `keys` feature the operation's helpers are compiled (the
// types stay in the API) but unused.
#![cfg_attr(not(feature = "keys"), allow(dead_code, unused_imports))]

use super::error::{ProcedureError, StepName};
use super::state::{FileRead, Phase, Procedure};
use crate::apdu::Command;
use crate::bytes::Bytes16;
use crate::keys::{KeyClass, KeyDirectory, KeyType, KeyUsage};
use crate::odf::Odf;

/// What to ask of a card key, found by its label.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOperation<'d> {
    /// ECDSA with the EC private key `label` over a SHA-256 digest the
    /// device computed; the result is `r ‖ s` (64 bytes).
    Sign {
        /// The key's label in the PrKDF.
        label: &'d str,
        /// SHA-256 of the data.
        digest: [u8; 32],
    },
    /// AES-CMAC of `data` by the secret key `label`, computed by the card.
    Checksum {
        /// The key's label in the SKDF.
        label: &'d str,
        /// The data (chained when longer than one command).
        data: &'d [u8],
    },
    /// The card checks `checksum` over `data` with the secret key `label`.
    VerifyChecksum {
        /// The key's label in the SKDF.
        label: &'d str,
        /// The data.
        data: &'d [u8],
        /// The checksum to check.
        checksum: &'d [u8],
    },
    /// Read the EC public key `label` (from the PuKDF) as a SEC1 point.
    ReadPublicKey {
        /// The key's label in the PuKDF.
        label: &'d str,
    },
}

impl<'d> KeyOperation<'d> {
    /// The key's label.
    pub const fn label(&self) -> &'d str {
        match *self {
            KeyOperation::Sign { label, .. }
            | KeyOperation::Checksum { label, .. }
            | KeyOperation::VerifyChecksum { label, .. }
            | KeyOperation::ReadPublicKey { label } => label,
        }
    }

    /// The directory the key is in.
    pub const fn class(&self) -> KeyClass {
        match self {
            KeyOperation::Sign { .. } => KeyClass::Private,
            KeyOperation::Checksum { .. } | KeyOperation::VerifyChecksum { .. } => KeyClass::Secret,
            KeyOperation::ReadPublicKey { .. } => KeyClass::Public,
        }
    }

    /// What the key's usage must allow.
    const fn usage(&self) -> KeyUsage {
        match self {
            KeyOperation::Sign { .. } | KeyOperation::Checksum { .. } => KeyUsage::SIGN,
            KeyOperation::VerifyChecksum { .. } | KeyOperation::ReadPublicKey { .. } => {
                KeyUsage::VERIFY
            }
        }
    }

    const fn key_type(&self) -> KeyType {
        match self {
            KeyOperation::Sign { .. } | KeyOperation::ReadPublicKey { .. } => KeyType::Ec,
            _ => KeyType::GenericSecret,
        }
    }

    /// The PSO's data: the digest, the data, or `80 <data> 8E <checksum>`.
    fn stream_len(&self) -> usize {
        match *self {
            KeyOperation::Sign { .. } => 32,
            KeyOperation::Checksum { data, .. } => data.len(),
            KeyOperation::VerifyChecksum { data, checksum, .. } => {
                do_len(data.len()) + do_len(checksum.len())
            }
            KeyOperation::ReadPublicKey { .. } => 0,
        }
    }

    /// Bytes `[at, at + out.len())` of the PSO's data.
    fn stream(&self, at: usize, out: &mut [u8]) {
        match *self {
            KeyOperation::Sign { ref digest, .. } => copy_from(digest, at, out, 0),
            KeyOperation::Checksum { data, .. } => copy_from(data, at, out, 0),
            KeyOperation::VerifyChecksum { data, checksum, .. } => {
                let mut h = [0u8; 4];
                let n = do_header(0x80, data.len(), &mut h);
                let mut base = 0;
                for part in [&h[..n], data] {
                    copy_from(part, at, out, base);
                    base += part.len();
                }
                let n2 = do_header(0x8E, checksum.len(), &mut h);
                for part in [&h[..n2], checksum] {
                    copy_from(part, at, out, base);
                    base += part.len();
                }
            }
            KeyOperation::ReadPublicKey { .. } => {}
        }
    }
}

/// The part of `src` (placed at `base` in a stream) that falls in the
/// window `[at, at + out.len())` of the stream, copied into `out`.
/// (No overlap: the ranges are empty or run backwards, and nothing is
/// copied.)
fn copy_from(src: &[u8], at: usize, out: &mut [u8], base: usize) {
    let start = at.max(base);
    let end = (at + out.len()).min(base + src.len());
    let to = start.wrapping_sub(at)..end.wrapping_sub(at);
    let from = start.wrapping_sub(base)..end.wrapping_sub(base);
    if let (Some(o), Some(s)) = (out.get_mut(to), src.get(from)) {
        o.copy_from_slice(s);
    }
}

/// A data object's length: tag, BER length, value.
const fn do_len(n: usize) -> usize {
    1 + if n < 0x80 {
        1
    } else if n < 0x100 {
        2
    } else {
        3
    } + n
}

fn do_header(tag: u8, n: usize, out: &mut [u8; 4]) -> usize {
    out[0] = tag;
    if n < 0x80 {
        out[1] = n as u8;
        2
    } else if n < 0x100 {
        out[1] = 0x81;
        out[2] = n as u8;
        3
    } else {
        out[1] = 0x82;
        out[2] = (n >> 8) as u8;
        out[3] = n as u8;
        4
    }
}

/// The path of the directory of `op`'s class that `odf` names.
#[cfg(feature = "keys")]
pub(super) fn key_directory_in(odf: &Odf<'_>, op: &KeyOperation<'_>) -> Option<Bytes16> {
    let class = op.class().odf_class();
    odf.entries().find_map(|e| match e.location {
        crate::odf::OdfLocation::Path(p) if e.class == class => Bytes16::new(p.path),
        _ => None,
    })
}

/// The key the walk found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct KeyTarget {
    pub(super) id: Bytes16,
    pub(super) reference: Option<u32>,
    /// The key's EF (for a public key: its value), when it has a path.
    pub(super) file: Bytes16,
    pub(super) auth_id: Bytes16,
    pub(super) needs_pin: bool,
}

/// A key operation's state in the procedure. Without the `keys` feature
/// there is none, and the procedure carries no room for it.
#[derive(Debug, Clone, Copy)]
pub(super) struct KeyState<'k> {
    /// The operation asked for, instead of the bootstrap file.
    #[cfg(feature = "keys")]
    pub(super) op: Option<KeyOperation<'k>>,
    /// The key directory's path (from the ODF).
    #[cfg(feature = "keys")]
    pub(super) dir: Bytes16,
    /// The key found in it.
    #[cfg(feature = "keys")]
    pub(super) key: Option<KeyTarget>,
    /// The operation's output: `ws[..output]`.
    #[cfg(feature = "keys")]
    pub(super) output: usize,
    /// A checksum verification's verdict.
    #[cfg(feature = "keys")]
    pub(super) verified: Option<bool>,
    #[cfg(not(feature = "keys"))]
    none: core::marker::PhantomData<KeyOperation<'k>>,
}

impl<'k> KeyState<'k> {
    /// No operation: the bootstrap.
    pub(super) const NONE: KeyState<'k> = KeyState {
        #[cfg(feature = "keys")]
        op: None,
        #[cfg(feature = "keys")]
        dir: Bytes16::from_array([]),
        #[cfg(feature = "keys")]
        key: None,
        #[cfg(feature = "keys")]
        output: 0,
        #[cfg(feature = "keys")]
        verified: None,
        #[cfg(not(feature = "keys"))]
        none: core::marker::PhantomData,
    };

    /// The operation, if the procedure runs one.
    pub(super) const fn op(&self) -> Option<KeyOperation<'k>> {
        #[cfg(feature = "keys")]
        return self.op;
        #[cfg(not(feature = "keys"))]
        None
    }

    /// The key directory's path (empty until the ODF names it).
    pub(super) const fn dir(&self) -> Option<&Bytes16> {
        #[cfg(feature = "keys")]
        return Some(&self.dir);
        #[cfg(not(feature = "keys"))]
        None
    }

    /// The key found in the directory.
    pub(super) const fn key(&self) -> Option<&KeyTarget> {
        #[cfg(feature = "keys")]
        return self.key.as_ref();
        #[cfg(not(feature = "keys"))]
        None
    }
}

/// The outcome of a key operation.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyResult<'w> {
    /// The signature (`r ‖ s`), the checksum, or the public key (SEC1,
    /// uncompressed); empty for [`KeyOperation::VerifyChecksum`].
    pub output: &'w [u8],
    /// For [`KeyOperation::VerifyChecksum`]: whether the card accepted it.
    pub verified: Option<bool>,
    /// The key's ID in its directory.
    pub key_id: crate::bytes::Bytes16,
    /// The key reference used in MANAGE SECURITY ENVIRONMENT.
    pub key_reference: Option<u32>,
    /// The SCP03 level used, if any.
    pub level: Option<crate::scp03::SecurityLevel>,
    /// APDUs exchanged.
    pub apdus: u32,
}

#[cfg(not(feature = "keys"))]
mod without_keys;
#[cfg(not(feature = "keys"))]
pub(super) use without_keys::key_directory_in;

/// The most data one short command carries at a level (C-MAC: less the
/// MAC; C-DECRYPTION: whole blocks with at least one byte of padding).
#[cfg(feature = "keys")]
const fn short_write(level: Option<crate::scp03::SecurityLevel>, mac: usize) -> usize {
    match level {
        Some(l) if l.c_dec() => (255 - mac) / 16 * 16 - 1,
        Some(l) if l.c_mac() => 255 - mac,
        _ => 255,
    }
}

#[cfg(feature = "keys")]
impl<'k, 'w> Procedure<'k, 'w> {
    /// A procedure that runs `op` with a card key instead of reading the
    /// bootstrap file (same walk, same channel and secure channel).
    pub fn with_operation(
        keys: impl Into<crate::scp03::StaticKeyRef<'k>>,
        cfg: super::Config,
        workspace: &'w mut [u8],
        op: KeyOperation<'k>,
    ) -> Self {
        let mut p = Procedure::new(keys, cfg, workspace);
        p.keyop.op = Some(op);
        p
    }

    /// After EF.ODF, in an operation: the key directory's path.
    pub(super) fn odf_to_key_directory(
        &mut self,
        path: Option<Bytes16>,
    ) -> Result<(), ProcedureError> {
        match path {
            Some(p) => {
                self.keyop.dir = p;
                self.phase = Phase::SelectKeyDirectory;
                Ok(())
            }
            None => self.fail(ProcedureError::NoKeyDirectory),
        }
    }

    /// The key directory is in `ws[..len]`: find the key.
    pub(super) fn key_directory_read(&mut self, len: usize) -> Result<(), ProcedureError> {
        let step = StepName::ReadKeyDirectory;
        let Some(op) = self.keyop.op else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        let bytes = self.ws.get(..len).unwrap_or(&[]);
        let dir = match KeyDirectory::parse(bytes, op.class()) {
            Ok(d) => d,
            Err(error) => return self.fail(ProcedureError::Parse { step, error }),
        };
        let Some(k) = dir.find_label(op.label()) else {
            return self.fail(ProcedureError::NoSuchKey);
        };
        if k.key_type != op.key_type() || !k.key.usage.contains(op.usage()) {
            return self.fail(ProcedureError::KeyNotUsable);
        }
        let file = match k.path() {
            Some(p) => Bytes16::new(p.path),
            None => Some(Bytes16::default()),
        };
        let direct = match k.value {
            Some(crate::dodf::ObjectValue::Direct(d)) => Some(d),
            _ => None,
        };
        let (Some(file), Some(id)) = (file, Bytes16::new(k.key.id)) else {
            return self.fail(ProcedureError::KeyNotUsable);
        };
        let target = KeyTarget {
            id,
            reference: k.key.key_reference,
            file,
            auth_id: k.common.auth_id.and_then(Bytes16::new).unwrap_or_default(),
            needs_pin: k.needs_pin() && op.class() != KeyClass::Public,
        };
        if let (KeyOperation::ReadPublicKey { .. }, Some(d)) = (op, direct) {
            // The direct value is already here: move it to the front.
            let start = d.as_ptr() as usize - bytes.as_ptr() as usize;
            let n = d.len();
            self.ws.copy_within(start..start + n, 0);
            self.keyop.key = Some(target);
            self.keyop.output = n;
            self.phase = Phase::CloseChannel;
            return Ok(());
        }
        if matches!(op, KeyOperation::ReadPublicKey { .. }) && file.as_bytes().is_empty() {
            return self.fail(ProcedureError::KeyNotUsable);
        }
        self.keyop.key = Some(target);
        self.phase = if target.needs_pin {
            Phase::NeedPin
        } else {
            self.after_key_pin()
        };
        Ok(())
    }

    /// What follows the key's PIN (or the key, when it has none).
    pub(super) fn after_key_pin(&self) -> Phase {
        match (self.keyop.op, self.keyop.key) {
            (Some(KeyOperation::ReadPublicKey { .. }), _) => Phase::SelectKeyFile,
            (_, Some(k)) if !k.file.as_bytes().is_empty() => Phase::SelectKeyFile,
            _ => Phase::ManageSecurityEnvironment,
        }
    }

    /// Stage MSE SET.
    pub(super) fn stage_mse(&mut self) -> Result<(), ProcedureError> {
        let (Some(op), Some(k)) = (self.keyop.op, self.keyop.key) else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        let cla = self.x.cla();
        let mut data = [0u8; 10];
        let mut n = 0;
        let (p1, p2, key_tag) = match op {
            KeyOperation::Sign { .. } => {
                data[..3].copy_from_slice(&[0x80, 0x01, 0x00]);
                n = 3;
                (0x41, 0xB6, 0x84)
            }
            KeyOperation::Checksum { .. } => (0x41, 0xB4, 0x83),
            _ => (0x81, 0xB4, 0x83),
        };
        if let Some(r) = k.reference {
            let (bytes, len) = reference_bytes(r);
            let b = &bytes[..len];
            data[n] = key_tag;
            data[n + 1] = b.len() as u8;
            data[n + 2..n + 2 + b.len()].copy_from_slice(b);
            n += 2 + b.len();
        }
        let c = Command::new(cla, 0x22, p1, p2, &data[..n], None);
        self.stage(&c, true)
    }

    /// Stage the PSO link that starts at byte `at` of its data.
    pub(super) fn stage_pso(&mut self, at: usize) -> Result<(), ProcedureError> {
        let Some(op) = self.keyop.op else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        let total = op.stream_len();
        let chunk = short_write(self.x.level(), self.cfg.mode.session_size());
        let n = (total - at).min(chunk);
        let last = at + n >= total;
        let mut buf = [0u8; 255];
        op.stream(at, &mut buf[..n]);
        let cla = self.x.cla() | if last { 0x00 } else { 0x10 };
        let (p1, p2, le) = match op {
            KeyOperation::Sign { .. } => (0x9E, 0x9A, Some(256)),
            KeyOperation::Checksum { .. } => (0x8E, 0x80, last.then_some(256)),
            _ => (0x00, 0xA2, None),
        };
        let c = Command::new(cla, 0x2A, p1, p2, &buf[..n], le);
        self.stage(&c, true)?;
        self.phase = Phase::PerformSecurityOperation { at, len: n };
        Ok(())
    }

    /// The card answered a PSO link.
    pub(super) fn pso_answered(
        &mut self,
        at: usize,
        len: usize,
        sw: crate::apdu::StatusWord,
    ) -> Result<(), ProcedureError> {
        let step = StepName::PerformSecurityOperation;
        let Some(op) = self.keyop.op else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        let next = at + len;
        if next < op.stream_len() {
            if !sw.is_success() {
                return self.fail(ProcedureError::Status { step, sw });
            }
            return self.stage_pso(next);
        }
        match op {
            KeyOperation::VerifyChecksum { .. } => {
                self.keyop.verified = Some(match sw.0 {
                    0x9000 => true,
                    0x6300 | 0x6988 => false,
                    _ => return self.fail(ProcedureError::Status { step, sw }),
                });
                self.keyop.output = 0;
            }
            _ => {
                if !sw.is_success() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                let data = self.x.data();
                let ok = match op {
                    KeyOperation::Sign { .. } => data.len() == 64,
                    _ => (8..=16).contains(&data.len()),
                };
                if !ok {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "the card's signature or checksum has the wrong length",
                    });
                }
                let n = data.len();
                let Some(dst) = self.ws.get_mut(..n) else {
                    return self.fail(ProcedureError::BufferTooSmall);
                };
                dst.copy_from_slice(self.x.data());
                self.keyop.output = n;
            }
        }
        self.phase = Phase::CloseChannel;
        Ok(())
    }

    /// The public key's EF is in `ws[..len]`.
    pub(super) fn public_key_read(&mut self, f: FileRead) -> Result<(), ProcedureError> {
        self.keyop.output = f.len;
        self.phase = Phase::CloseChannel;
        Ok(())
    }

    /// The result, once [`Procedure::next`] returned
    /// [`Step::Done`](super::Step::Done) for a procedure made with
    /// [`Procedure::with_operation`].
    pub fn finish_operation(mut self) -> Result<KeyResult<'w>, ProcedureError> {
        self.take_operation()
    }

    /// [`Procedure::finish_operation`] without moving the procedure.
    pub(super) fn take_operation(&mut self) -> Result<KeyResult<'w>, ProcedureError> {
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        let (Phase::Done, Some(op), Some(k)) = (self.phase, self.keyop.op, self.keyop.key) else {
            return Err(ProcedureError::OutOfOrder);
        };
        let ws: &'w mut [u8] = core::mem::take(&mut self.ws);
        let ws: &'w [u8] = ws;
        let mut output = ws.get(..self.keyop.output).unwrap_or(&[]);
        if let KeyOperation::ReadPublicKey { .. } = op {
            output = match crate::keys::ec_point(output) {
                Ok(p) => p,
                Err(error) => {
                    return Err(ProcedureError::Parse {
                        step: StepName::ReadPublicKey,
                        error,
                    })
                }
            };
        }
        Ok(KeyResult {
            output,
            verified: self.keyop.verified,
            key_id: k.id,
            key_reference: k.reference,
            level: self.x.level_used(),
            apdus: self.x.apdus(),
        })
    }
}

/// A key reference as MANAGE SECURITY ENVIRONMENT carries it: one byte up
/// to 255, two above (a parsed reference is at most
/// [`crate::keys::MAX_KEY_NUMBER`], 0xFFFF).
fn reference_bytes(r: u32) -> ([u8; 2], usize) {
    let [_, _, hi, lo] = r.to_be_bytes();
    if r > 0xFF {
        ([hi, lo], 2)
    } else {
        ([lo, 0], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::reference_bytes;

    /// The data one short command carries: all 255 bytes in the clear,
    /// less the MAC under C-MAC, whole padded blocks under C-DECRYPTION.
    #[cfg(feature = "keys")]
    #[test]
    fn short_writes_per_level() {
        use super::short_write;
        use crate::scp03::SecurityLevel;
        assert_eq!(short_write(None, 8), 255);
        assert_eq!(short_write(Some(SecurityLevel::AUTHENTICATED), 8), 255);
        assert_eq!(short_write(Some(SecurityLevel::C_MAC), 8), 247);
        assert_eq!(short_write(Some(SecurityLevel::C_MAC), 16), 239);
        assert_eq!(short_write(Some(SecurityLevel::ALL), 8), 239);
        assert_eq!(short_write(Some(SecurityLevel::C_DEC), 16), 223);
    }

    #[test]
    fn key_references_take_one_byte_up_to_255() {
        assert_eq!(reference_bytes(0), ([0x00, 0], 1));
        assert_eq!(reference_bytes(1), ([0x01, 0], 1));
        assert_eq!(reference_bytes(0xFF), ([0xFF, 0], 1));
        assert_eq!(reference_bytes(0x100), ([0x01, 0x00], 2));
        assert_eq!(reference_bytes(0xFFFF), ([0xFF, 0xFF], 2));
    }

    /// `80 <data> 8E <checksum>` with every BER length form: the stream's
    /// length is exactly what `stream` writes, and each header's length
    /// octets take the short form below 128, `81` below 256, `82` above.
    #[test]
    fn verify_checksum_stream_takes_every_length_form() {
        use super::KeyOperation;
        let data = [0x5Au8; 300];
        let checksum = [0xC3u8; 200];
        for (n, header) in [
            (0usize, &[0x80u8, 0x00][..]),
            (127, &[0x80, 0x7F]),
            (128, &[0x80, 0x81, 0x80]),
            (255, &[0x80, 0x81, 0xFF]),
            (256, &[0x80, 0x82, 0x01, 0x00]),
            (300, &[0x80, 0x82, 0x01, 0x2C]),
        ] {
            for (m, cc_header) in [
                (8usize, &[0x8Eu8, 0x08][..]),
                (128, &[0x8E, 0x81, 0x80]),
                (200, &[0x8E, 0x81, 0xC8]),
            ] {
                let op = KeyOperation::VerifyChecksum {
                    label: "k",
                    data: &data[..n],
                    checksum: &checksum[..m],
                };
                let mut expected = [0u8; 520];
                let mut len = 0;
                for part in [header, &data[..n], cc_header, &checksum[..m]] {
                    expected[len..len + part.len()].copy_from_slice(part);
                    len += part.len();
                }
                assert_eq!(op.stream_len(), len, "data {n}, checksum {m}");
                let mut whole = [0u8; 520];
                op.stream(0, &mut whole[..len]);
                assert_eq!(&whole[..len], &expected[..len], "data {n}, checksum {m}");
                // In windows of 100 bytes, as a chained command takes it.
                let mut pieces = [0u8; 520];
                for at in (0..len).step_by(100) {
                    let end = (at + 100).min(len);
                    op.stream(at, &mut pieces[at..end]);
                }
                assert_eq!(&pieces[..len], &expected[..len], "data {n}, checksum {m}");
            }
        }
    }
}
