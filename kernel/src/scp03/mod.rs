//! GlobalPlatform Secure Channel Protocol '03' (Card Specification
//! Amendment D v1.1.1; S16 from v1.2): key derivation, mutual
//! authentication, and command/response protection, for both roles.
//!
//! * [`StaticKeys`]: Key-ENC, Key-MAC, Key-DEK (AES-128/192/256) and their
//!   key version number; zeroized on drop.
//! * Host role: [`HostHandshake`] → [`PendingSession`] → [`HostSession`].
//! * Card role: [`CardChannel`].
//!
//! Every MAC and cryptogram comparison is constant-time (`subtle`). On any
//! verification failure the session is terminated, its session keys and
//! MAC chaining value are zeroized, no decrypted byte is returned, and every
//! later call answers [`Scp03Error::SessionTerminated`]. Sessions are plain
//! values owned by the caller; there is no global state and no heap.
//!
//! ```
//! use scboot::scp03::*;
//! let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16]).unwrap();
//! let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &[0xA0, 0, 0, 0, 0x63]).unwrap());
//! let cfg = HostConfig::default(); // level 33 (C-MAC, C-DEC, R-MAC, R-ENC), S8, channel 0
//! let (mut buf, mut resp) = ([0u8; 300], [0u8; 300]);
//!
//! let (hs, n) = HostHandshake::start(&keys, &cfg, &[1, 2, 3, 4, 5, 6, 7, 8], &mut buf).unwrap();
//! let m = card.initialize_update(&buf[..n], &[0; 8], &mut resp).unwrap();
//! let (pending, n) = hs.authenticate(&keys, &resp[..m], &mut buf).unwrap();
//! card.external_authenticate(&buf[..n]).unwrap();
//! let mut host = pending.confirm(0x9000).unwrap();
//!
//! // READ BINARY under the secure channel.
//! let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x04], &mut buf).unwrap();
//! let m = card.unwrap_command(&buf[..n], &mut resp).unwrap();
//! assert_eq!(&resp[..m], &[0x00, 0xB0, 0x00, 0x00, 0x04]);
//! let n = card.wrap_response(b"data", 0x9000, &mut buf).unwrap();
//! let r = host.unwrap(&buf[..n], &mut resp).unwrap();
//! assert_eq!((&resp[..r.len], r.sw), (&b"data"[..], scboot::apdu::StatusWord::SUCCESS));
//! ```

use core::fmt;

use subtle::ConstantTimeEq;

use crate::apdu::StatusWord;
use zeroize::{Zeroize, ZeroizeOnDrop};

mod card;
mod crypto;
mod host;
mod session;

pub use card::{CardChannel, CardConfig};
pub use host::{HostConfig, HostHandshake, HostSession, PendingSession};
pub use session::Response;

use crypto::{kdf as kdf_parts, kdf_with, Prf};

/// Derivation constants (Amendment D Table 4-1).
pub mod constants {
    /// Card cryptogram.
    pub const CARD_CRYPTOGRAM: u8 = 0x00;
    /// Host cryptogram.
    pub const HOST_CRYPTOGRAM: u8 = 0x01;
    /// Pseudo-random card challenge.
    pub const CARD_CHALLENGE: u8 = 0x02;
    /// S-ENC.
    pub const S_ENC: u8 = 0x04;
    /// S-MAC.
    pub const S_MAC: u8 = 0x06;
    /// S-RMAC.
    pub const S_RMAC: u8 = 0x07;
}

/// `i` parameter bits (Amendment D Table 5-1).
pub mod i_param {
    /// S16 mode (16-byte challenges, cryptograms and MACs).
    pub const S16: u8 = 0x01;
    /// Pseudo-random card challenge (the IU response carries the sequence counter).
    pub const PSEUDO_RANDOM_CHALLENGE: u8 = 0x10;
    /// R-MAC support.
    pub const R_MAC: u8 = 0x20;
    /// R-ENCRYPTION support (with [`R_MAC`]).
    pub const R_ENC: u8 = 0x40;
}

/// What went wrong in the secure channel. None of them says which byte differed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scp03Error {
    /// A static key is not 16, 24 or 32 bytes, or the three differ in length.
    InvalidKey,
    /// A security level that is not 00, 01, 03, 11, 13 or 33.
    InvalidLevel(u8),
    /// The level needs R-MAC or R-ENCRYPTION, which the card's `i` does not offer.
    LevelNotOffered {
        /// The level asked for.
        level: u8,
        /// The card's `i` parameter.
        i: u8,
    },
    /// A logical channel above 19.
    InvalidChannel(u8),
    /// A host challenge of the wrong length for the mode.
    WrongChallengeLength {
        /// The length the mode needs.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The INITIALIZE UPDATE response is malformed.
    MalformedInitializeUpdateResponse(&'static str),
    /// The card answered with a Secure Channel Protocol other than 03.
    UnsupportedProtocol(u8),
    /// The card's `i` says S8 where S16 was asked, or the reverse.
    ModeMismatch,
    /// The card used another key version than the host's keys.
    KvnMismatch {
        /// The host's key version.
        expected: u8,
        /// The card's.
        found: u8,
    },
    /// The card cryptogram is wrong: the card does not hold these keys.
    CardCryptogramMismatch,
    /// The pseudo-random card challenge does not match the sequence counter and AID.
    CardChallengeMismatch,
    /// The host cryptogram is wrong (card role).
    HostCryptogramMismatch,
    /// A C-MAC did not verify (card role).
    CMacMismatch,
    /// An R-MAC did not verify.
    RMacMismatch,
    /// Decrypted data has bad padding, or ciphertext is not whole blocks.
    BadPadding,
    /// The session was terminated (by an earlier failure or on purpose).
    SessionTerminated,
    /// The encryption counter is exhausted; the session is over.
    CounterExhausted,
    /// The card's sequence counter is exhausted (card role).
    SequenceCounterExhausted,
    /// The card refused EXTERNAL AUTHENTICATE with this status word.
    AuthenticationRefused(StatusWord),
    /// A command APDU that cannot be parsed or wrapped.
    MalformedCommand(&'static str),
    /// A response APDU that cannot be unwrapped.
    MalformedResponse(&'static str),
    /// A command out of order (card role), e.g. EXTERNAL AUTHENTICATE first.
    UnexpectedCommand(&'static str),
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes required.
        needed: usize,
    },
}

impl Scp03Error {
    /// The status word a card answers with for this error.
    pub const fn status_word(&self) -> StatusWord {
        StatusWord(match self {
            Scp03Error::WrongChallengeLength { .. } => 0x6700,
            Scp03Error::KvnMismatch { .. } => 0x6A88,
            Scp03Error::HostCryptogramMismatch => 0x6300,
            Scp03Error::SequenceCounterExhausted => 0x6985,
            Scp03Error::LevelNotOffered { .. } | Scp03Error::InvalidLevel(_) => 0x6A86,
            Scp03Error::UnexpectedCommand(_) => 0x6985,
            _ => 0x6982,
        })
    }

    /// Whether this error ended the session.
    pub const fn terminates_session(&self) -> bool {
        matches!(
            self,
            Scp03Error::CardCryptogramMismatch
                | Scp03Error::CardChallengeMismatch
                | Scp03Error::HostCryptogramMismatch
                | Scp03Error::CMacMismatch
                | Scp03Error::RMacMismatch
                | Scp03Error::BadPadding
                | Scp03Error::SessionTerminated
                | Scp03Error::CounterExhausted
                | Scp03Error::AuthenticationRefused(_)
        )
    }
}

impl fmt::Display for Scp03Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Scp03Error::*;
        match *self {
            InvalidKey => f.write_str("static keys must be 16, 24 or 32 bytes, all of one length"),
            InvalidLevel(l) => write!(
                f,
                "security level {l:02x} is not one of 00, 01, 03, 11, 13, 33"
            ),
            LevelNotOffered { level, i } => write!(
                f,
                "level not offered by card: level {level:02x}, card i = {i:02x}"
            ),
            InvalidChannel(c) => write!(f, "logical channel {c} (at most 19)"),
            WrongChallengeLength { expected, found } => {
                write!(
                    f,
                    "host challenge is {found} bytes, the mode needs {expected}"
                )
            }
            MalformedInitializeUpdateResponse(w) => {
                write!(f, "malformed INITIALIZE UPDATE response: {w}")
            }
            UnsupportedProtocol(p) => write!(f, "card answered SCP {p:02x}, not 03"),
            ModeMismatch => f.write_str("card i disagrees with the host's S8/S16 mode"),
            KvnMismatch { expected, found } => write!(
                f,
                "card used key version {found:02x}, host has {expected:02x}"
            ),
            CardCryptogramMismatch => f.write_str("card cryptogram mismatch"),
            CardChallengeMismatch => f.write_str("pseudo-random card challenge mismatch"),
            HostCryptogramMismatch => f.write_str("host cryptogram mismatch"),
            CMacMismatch => f.write_str("C-MAC mismatch"),
            RMacMismatch => f.write_str("R-MAC mismatch"),
            BadPadding => f.write_str("bad padding"),
            SessionTerminated => f.write_str("session terminated"),
            CounterExhausted => f.write_str("encryption counter exhausted"),
            SequenceCounterExhausted => f.write_str("sequence counter exhausted"),
            AuthenticationRefused(sw) => {
                write!(f, "EXTERNAL AUTHENTICATE refused with status {sw:04x}")
            }
            MalformedCommand(w) => write!(f, "malformed command: {w}"),
            MalformedResponse(w) => write!(f, "malformed response: {w}"),
            UnexpectedCommand(w) => write!(f, "unexpected command: {w}"),
            BufferTooSmall { needed } => {
                write!(f, "output buffer too small, {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for Scp03Error {}

/// A key of 16, 24 or 32 bytes, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct KeyBytes {
    bytes: [u8; 32],
    len: u8,
}

impl KeyBytes {
    fn new(key: &[u8]) -> Result<KeyBytes, Scp03Error> {
        if !matches!(key.len(), 16 | 24 | 32) {
            return Err(Scp03Error::InvalidKey);
        }
        let mut bytes = [0u8; 32];
        bytes
            .get_mut(..key.len())
            .ok_or(Scp03Error::InvalidKey)?
            .copy_from_slice(key);
        Ok(KeyBytes {
            bytes,
            len: key.len() as u8,
        })
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// The static Secure Channel keys of one key set (Amendment D Table 6-1).
///
/// Key-ENC and Key-MAC are kept as keyed CMACs (schedule and subkeys), made
/// once here rather than at every session: a session setup derives from
/// them directly. Everything is zeroized on drop.
#[derive(Clone)]
pub struct StaticKeys {
    kvn: u8,
    len: u8,
    enc: Prf,
    mac: Prf,
    dek: KeyBytes,
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("kvn", &self.kvn)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl StaticKeys {
    /// Key-ENC, Key-MAC, Key-DEK of one length (16, 24 or 32) and their key version.
    pub fn new(kvn: u8, enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<StaticKeys, Scp03Error> {
        if enc.len() != mac.len() || enc.len() != dek.len() {
            return Err(Scp03Error::InvalidKey);
        }
        let dek = KeyBytes::new(dek)?;
        Ok(StaticKeys {
            kvn,
            len: dek.len,
            enc: Prf::new(enc)?,
            mac: Prf::new(mac)?,
            dek,
        })
    }

    /// The key version number (0: "first available" when asking a card).
    pub const fn kvn(&self) -> u8 {
        self.kvn
    }

    /// The key length in bytes.
    pub const fn key_len(&self) -> usize {
        self.len as usize
    }

    /// Key-DEK, used as is to encrypt sensitive data (PUT KEY, STORE DATA).
    pub fn dek(&self) -> &[u8] {
        self.dek.as_slice()
    }
}

/// S8 or S16 (Amendment D v1.2 Table 5-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// 8-byte challenges, cryptograms, C-MACs and R-MACs.
    S8,
    /// 16-byte challenges, cryptograms, C-MACs and R-MACs.
    S16,
}

impl Mode {
    /// Size in bytes of challenges, cryptograms, C-MACs and R-MACs.
    pub const fn size(self) -> usize {
        match self {
            Mode::S8 => 8,
            Mode::S16 => 16,
        }
    }

    /// The mode an `i` parameter names.
    pub const fn from_i(i: u8) -> Mode {
        if i & i_param::S16 != 0 {
            Mode::S16
        } else {
            Mode::S8
        }
    }
}

/// The security level of EXTERNAL AUTHENTICATE P1 (Amendment D Table 7-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecurityLevel(u8);

impl SecurityLevel {
    /// `00`: authenticated, no secure messaging expected.
    pub const AUTHENTICATED: SecurityLevel = SecurityLevel(0x00);
    /// `01`: C-MAC.
    pub const C_MAC: SecurityLevel = SecurityLevel(0x01);
    /// `03`: C-DECRYPTION and C-MAC.
    pub const C_DEC: SecurityLevel = SecurityLevel(0x03);
    /// `11`: C-MAC and R-MAC.
    pub const C_MAC_R_MAC: SecurityLevel = SecurityLevel(0x11);
    /// `13`: C-DECRYPTION, C-MAC and R-MAC.
    pub const C_DEC_R_MAC: SecurityLevel = SecurityLevel(0x13);
    /// `33`: C-DECRYPTION, R-ENCRYPTION, C-MAC and R-MAC (LwM2M Appendix H).
    pub const ALL: SecurityLevel = SecurityLevel(0x33);

    /// Every valid level.
    pub const VALID: [SecurityLevel; 6] = [
        SecurityLevel::AUTHENTICATED,
        SecurityLevel::C_MAC,
        SecurityLevel::C_DEC,
        SecurityLevel::C_MAC_R_MAC,
        SecurityLevel::C_DEC_R_MAC,
        SecurityLevel::ALL,
    ];

    /// The level for a P1 value, if valid.
    pub fn new(p1: u8) -> Result<SecurityLevel, Scp03Error> {
        SecurityLevel::VALID
            .iter()
            .copied()
            .find(|l| l.0 == p1)
            .ok_or(Scp03Error::InvalidLevel(p1))
    }

    /// The P1 byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Commands carry a C-MAC.
    pub const fn c_mac(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// Command data is encrypted.
    pub const fn c_dec(self) -> bool {
        self.0 & 0x02 != 0
    }

    /// Responses carry an R-MAC.
    pub const fn r_mac(self) -> bool {
        self.0 & 0x10 != 0
    }

    /// Response data is encrypted.
    pub const fn r_enc(self) -> bool {
        self.0 & 0x20 != 0
    }

    /// Whether a card with parameter `i` offers this level.
    pub const fn offered_by(self, i: u8) -> bool {
        let r_mac_offered = i & i_param::R_MAC != 0;
        // R-ENCRYPTION is usable only together with R-MAC.
        let r_enc_offered = r_mac_offered && i & i_param::R_ENC != 0;
        (!self.r_mac() || r_mac_offered) && (!self.r_enc() || r_enc_offered)
    }
}

/// The session keys of one Secure Channel Session (Amendment D 6.2.1), zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    s_enc: KeyBytes,
    s_mac: KeyBytes,
    s_rmac: KeyBytes,
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKeys { .. }")
    }
}

impl SessionKeys {
    /// Derive S-ENC, S-MAC, S-RMAC from the static keys and the two challenges.
    pub fn derive(
        keys: &StaticKeys,
        host_challenge: &[u8],
        card_challenge: &[u8],
    ) -> Result<SessionKeys, Scp03Error> {
        let n = keys.key_len();
        let ctx: [&[u8]; 2] = [host_challenge, card_challenge];
        let mut buf = [0u8; 32];
        let mut make = |prf: &Prf, constant: u8| -> Result<KeyBytes, Scp03Error> {
            let out = buf.get_mut(..n).ok_or(Scp03Error::InvalidKey)?;
            kdf_with(prf, constant, &ctx, out)?;
            let k = KeyBytes::new(out);
            out.zeroize();
            k
        };
        Ok(SessionKeys {
            s_enc: make(&keys.enc, constants::S_ENC)?,
            s_mac: make(&keys.mac, constants::S_MAC)?,
            s_rmac: make(&keys.mac, constants::S_RMAC)?,
        })
    }

    /// S-ENC.
    pub fn s_enc(&self) -> &[u8] {
        self.s_enc.as_slice()
    }

    /// S-MAC.
    pub fn s_mac(&self) -> &[u8] {
        self.s_mac.as_slice()
    }

    /// S-RMAC.
    pub fn s_rmac(&self) -> &[u8] {
        self.s_rmac.as_slice()
    }

    /// The card cryptogram (Amendment D 6.2.2.2): `mode.size()` bytes into `out`.
    pub fn card_cryptogram(
        &self,
        mode: Mode,
        host_challenge: &[u8],
        card_challenge: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        self.cryptogram(
            constants::CARD_CRYPTOGRAM,
            mode,
            host_challenge,
            card_challenge,
        )
    }

    /// The host cryptogram (Amendment D 6.2.2.3).
    pub fn host_cryptogram(
        &self,
        mode: Mode,
        host_challenge: &[u8],
        card_challenge: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        self.cryptogram(
            constants::HOST_CRYPTOGRAM,
            mode,
            host_challenge,
            card_challenge,
        )
    }

    fn cryptogram(
        &self,
        constant: u8,
        mode: Mode,
        hc: &[u8],
        cc: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        let mut out = [0u8; 16];
        kdf_parts(
            self.s_mac(),
            constant,
            &[hc, cc],
            out.get_mut(..mode.size()).ok_or(Scp03Error::InvalidKey)?,
        )?;
        Ok(out)
    }
}

/// The SCP03 data derivation scheme (Amendment D 4.1.5; NIST SP 800-108
/// counter mode, PRF = AES-CMAC): `out.len()` bytes (L = 8 x that) derived
/// from `key` with derivation `constant` over `context`.
///
/// ```
/// // blaufish/scp03_kdf_testvectors, line 4 (constant 04, 128-bit output).
/// let key = [0x2A, 0xF2, 0xB9, 0x61, 0x3F, 0x5B, 0x87, 0xB9, 0xE3, 0x3F, 0x28, 0xF3, 0x9E, 0xDC, 0x83, 0x76,
///            0xDD, 0xB4, 0xB6, 0xFE, 0x77, 0x01, 0x23, 0x2D, 0xDD, 0x54, 0x77, 0xCE, 0xB1, 0x7D, 0xA9, 0xF7];
/// let ctx = [0x0E, 0x6F, 0x2B, 0x49, 0xDC, 0x94, 0x63, 0x3D, 0x02, 0x54, 0x94, 0x05, 0xEA, 0x86, 0x61, 0x2C,
///            0x71, 0x7E, 0xAF, 0x8C, 0xB9, 0xEF, 0x3D, 0x7D, 0x80, 0xDD, 0xFC, 0x37, 0x92, 0x18, 0x4D, 0x34];
/// let mut out = [0u8; 16];
/// scboot::scp03::kdf(&key, 0x04, &ctx, &mut out).unwrap();
/// assert_eq!(out[..4], [0xB8, 0x63, 0xB9, 0xA5]);
/// ```
pub fn kdf(key: &[u8], constant: u8, context: &[u8], out: &mut [u8]) -> Result<(), Scp03Error> {
    crypto::kdf(key, constant, &[context], out)
}

/// The pseudo-random card challenge (Amendment D 6.2.2.1):
/// KDF(Key-ENC, 02, L, sequence counter (3 bytes) || AID).
pub fn pseudo_random_challenge(
    keys: &StaticKeys,
    mode: Mode,
    sequence_counter: [u8; 3],
    aid: &[u8],
) -> Result<[u8; 16], Scp03Error> {
    let mut out = [0u8; 16];
    kdf_with(
        &keys.enc,
        constants::CARD_CHALLENGE,
        &[&sequence_counter, aid],
        out.get_mut(..mode.size()).ok_or(Scp03Error::InvalidKey)?,
    )?;
    Ok(out)
}

/// The INITIALIZE UPDATE response data (Amendment D Table 7-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitUpdateResponse {
    /// Key diversification data.
    pub kdd: [u8; 10],
    /// Key version number.
    pub kvn: u8,
    /// Secure Channel Protocol identifier (03).
    pub scp: u8,
    /// The `i` parameter.
    pub i: u8,
    card_challenge: [u8; 16],
    card_cryptogram: [u8; 16],
    /// The sequence counter, present with a pseudo-random challenge.
    pub sequence_counter: Option<[u8; 3]>,
}

impl InitUpdateResponse {
    /// Parse strictly: lengths consistent with `i`, SCP 03, and the mode the host asked for.
    pub fn parse(data: &[u8], mode: Mode) -> Result<InitUpdateResponse, Scp03Error> {
        let m = mode.size();
        let bad = Scp03Error::MalformedInitializeUpdateResponse;
        let base = 13 + 2 * m;
        if data.len() != base && data.len() != base + 3 {
            return Err(bad("length is not 29/32 (S8) or 45/48 (S16)"));
        }
        let get = |r: core::ops::Range<usize>| data.get(r).ok_or(bad("truncated"));
        let mut kdd = [0u8; 10];
        kdd.copy_from_slice(get(0..10)?);
        let [kvn, scp, i] = *data
            .get(10..13)
            .and_then(|s| s.first_chunk::<3>())
            .ok_or(bad("truncated"))?;
        if scp != 0x03 {
            return Err(Scp03Error::UnsupportedProtocol(scp));
        }
        if Mode::from_i(i) != mode {
            return Err(Scp03Error::ModeMismatch);
        }
        let has_seq = data.len() == base + 3;
        if has_seq != (i & i_param::PSEUDO_RANDOM_CHALLENGE != 0) {
            return Err(bad("sequence counter presence disagrees with i"));
        }
        let mut card_challenge = [0u8; 16];
        let mut card_cryptogram = [0u8; 16];
        card_challenge
            .get_mut(..m)
            .ok_or(bad("truncated"))?
            .copy_from_slice(get(13..13 + m)?);
        card_cryptogram
            .get_mut(..m)
            .ok_or(bad("truncated"))?
            .copy_from_slice(get(13 + m..13 + 2 * m)?);
        let sequence_counter = if has_seq {
            let mut s = [0u8; 3];
            s.copy_from_slice(get(base..base + 3)?);
            Some(s)
        } else {
            None
        };
        Ok(InitUpdateResponse {
            kdd,
            kvn,
            scp,
            i,
            card_challenge,
            card_cryptogram,
            sequence_counter,
        })
    }

    /// The mode `i` names.
    pub const fn mode(&self) -> Mode {
        Mode::from_i(self.i)
    }

    /// The card challenge (8 or 16 bytes).
    pub fn card_challenge(&self) -> &[u8] {
        self.card_challenge.get(..self.mode().size()).unwrap_or(&[])
    }

    /// The card cryptogram (8 or 16 bytes).
    pub fn card_cryptogram(&self) -> &[u8] {
        self.card_cryptogram
            .get(..self.mode().size())
            .unwrap_or(&[])
    }
}

/// Constant-time equality of two byte strings of public length.
/// The verdict is public (it decides whether the session goes on).
pub(crate) fn ct_equal(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && crate::ct::declassify_u8(a.ct_eq(b).unwrap_u8()) == 1
}

/// Length of `buf` without its ISO 9797-1 method 2 padding: the last
/// non-zero byte must be the `80` marker, and only `00` may follow it, up to
/// the end of the data, however many blocks that is (cards in the field pad
/// with more than one block; GlobalPlatformPro, pySim and OpenSCP accept it).
/// `None` when the padding is bad, the data is empty or not whole blocks.
///
/// The scan is branch-free and visits every byte, so its timing does not
/// depend on where the marker is; the verdict is public (the session ends on
/// a bad padding) and so is the length of a plaintext whose MAC verified.
pub(crate) fn unpadded_len(buf: &[u8]) -> Option<usize> {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let n = buf.len();
    // Lengths are public: only whole blocks are ever decrypted.
    if n == 0 || n % 16 != 0 {
        return None;
    }
    // One pass over 8-byte words, without a branch or an index on the data:
    // `end` becomes 1 + the position of the last non-zero byte (0: none),
    // `last` that byte. Padding is good when `last` is the 80 marker.
    let mut end = 0u64;
    let mut last = 0u64;
    for (k, chunk) in (0u64..).zip(buf.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        // The high bit of each byte, set where that byte is non-zero.
        let hi = (((w & LOW7) + LOW7) | w) & HIGH;
        // All ones when the word has a non-zero byte.
        let any = ((hi | hi.wrapping_neg()) >> 63).wrapping_neg();
        // The last non-zero byte of the word (little-endian: the highest bit).
        let b = u64::from(63 - (hi | 1).leading_zeros()) >> 3;
        let value = (w >> (b * 8)) & 0xFF;
        end = ((k * 8 + b + 1) & any) | (end & !any);
        last = (value & any) | (last & !any);
    }
    // Good: a marker was found (end > 0) and it is 80.
    let bad = ((last ^ 0x80) | u64::from(end == 0)) != 0;
    // The only places where the scan's secret-dependent values leave it:
    // the verdict, and the length of a plaintext whose MAC verified.
    let bad = crate::ct::declassify_u8(u8::from(bad));
    let end = crate::ct::declassify_usize(end as usize);
    if bad == 1 {
        None
    } else {
        Some(end.saturating_sub(1))
    }
}

/// The engine's constant-time primitives, exposed for the timing audit only
/// (feature `ct-audit`, never in a product): dudect times them in isolation
/// on right and wrong inputs, where the full operations differ by design
/// (a rejected message is not decrypted, and ends the session).
#[cfg(feature = "ct-audit")]
pub mod audit {
    /// The comparison behind every MAC and cryptogram check.
    pub fn mac_matches(expected: &[u8], received: &[u8]) -> bool {
        super::ct_equal(expected, received)
    }

    /// The padding check behind C-DEC and R-ENC: the plaintext length, or
    /// `None` for a bad padding.
    pub fn unpadded_len(decrypted: &[u8]) -> Option<usize> {
        super::unpadded_len(decrypted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x63];

    fn pair(level: SecurityLevel) -> (HostSession, CardChannel) {
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
        let cfg = HostConfig {
            level,
            ..HostConfig::default()
        };
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
        card.external_authenticate(&a[..n]).unwrap();
        (p.confirm(0x9000).unwrap(), card)
    }

    #[test]
    fn host_counter_exhaustion_ends_the_session() {
        let (mut host, _) = pair(SecurityLevel::ALL);
        host.session_mut().set_counter(u32::MAX - 1);
        let mut out = [0u8; 64];
        host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut out)
            .unwrap();
        assert_eq!(host.counter(), u32::MAX);
        assert_eq!(
            host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut out),
            Err(Scp03Error::CounterExhausted)
        );
        assert!(!host.is_open());
        assert_eq!(host.mac_chaining_value(), [0; 16], "chain zeroized");
        assert_eq!(
            host.wrap(&[0x00, 0xB0, 0x00, 0x00], &mut out),
            Err(Scp03Error::SessionTerminated)
        );
    }

    #[test]
    fn card_counter_exhaustion_ends_the_session() {
        let (mut host, mut card) = pair(SecurityLevel::C_MAC);
        let mut w = [0u8; 64];
        let mut p = [0u8; 64];
        card.session_mut().unwrap().set_counter(u32::MAX);
        let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
        assert_eq!(
            card.unwrap_command(&w[..n], &mut p),
            Err(Scp03Error::CounterExhausted)
        );
        assert!(!card.is_open());
    }

    #[test]
    fn bad_padding_after_a_good_r_mac_returns_nothing() {
        for bad in [[0x11u8; 16], [0u8; 16], {
            let mut b = [0u8; 16];
            b[3] = 0x80;
            b[9] = 0x01; // a non-zero byte after the marker
            b
        }] {
            let (mut host, mut card) = pair(SecurityLevel::ALL);
            let (mut w, mut p) = ([0u8; 128], [0u8; 128]);
            let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
            card.unwrap_command(&w[..n], &mut p).unwrap();
            let r = card
                .session_mut()
                .unwrap()
                .wrap_response_unpadded(&bad, StatusWord::SUCCESS, &mut w)
                .unwrap();
            let mut out = [0xEEu8; 128];
            assert_eq!(host.unwrap(&w[..r], &mut out), Err(Scp03Error::BadPadding));
            assert!(
                out[..16].iter().all(|&b| b == 0),
                "decrypted bytes left in the buffer"
            );
            assert!(!host.is_open());
        }
        // A good padding through the same hook is accepted (the hook is sound).
        let (mut host, mut card) = pair(SecurityLevel::ALL);
        let (mut w, mut p) = ([0u8; 128], [0u8; 128]);
        let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
        card.unwrap_command(&w[..n], &mut p).unwrap();
        let mut good = [0u8; 16];
        good[..3].copy_from_slice(b"abc");
        good[3] = 0x80;
        let r = card
            .session_mut()
            .unwrap()
            .wrap_response_unpadded(&good, StatusWord::SUCCESS, &mut w)
            .unwrap();
        let resp = host.unwrap(&w[..r], &mut p).unwrap();
        assert_eq!(&p[..resp.len], b"abc");
    }

    /// Responses padded as real products pad them: more than one block of
    /// `80 00..` after the data. Accepted once the R-MAC verified; a
    /// non-zero byte anywhere after the marker, or no marker in any block,
    /// is still bad padding and ends the session.
    #[test]
    fn multi_block_padding_from_the_field() {
        let respond = |blocks: &[u8]| {
            let (mut host, mut card) = pair(SecurityLevel::ALL);
            let (mut w, mut p) = ([0u8; 128], [0u8; 128]);
            let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x10], &mut w).unwrap();
            card.unwrap_command(&w[..n], &mut p).unwrap();
            let r = card
                .session_mut()
                .unwrap()
                .wrap_response_unpadded(blocks, StatusWord::SUCCESS, &mut w)
                .unwrap();
            let mut out = [0xEEu8; 128];
            let got = host.unwrap(&w[..r], &mut out);
            (got.map(|r| out[..r.len].to_vec()), host.is_open(), out)
        };
        // 11 data bytes, 80, then 20 bytes of 00 in 32 bytes of plaintext.
        let mut field = [0u8; 32];
        field[..11].copy_from_slice(b"eleven byte");
        field[11] = 0x80;
        assert_eq!(respond(&field).0, Ok(b"eleven byte".to_vec()));
        // Three whole blocks of 00 after a block-aligned marker.
        let mut long = [0u8; 64];
        long[..15].copy_from_slice(b"fifteen bytes!!");
        long[15] = 0x80;
        let (got, open, _) = respond(&long);
        assert_eq!((got, open), (Ok(b"fifteen bytes!!".to_vec()), true));
        // Bad: a non-zero byte two blocks after the marker; no marker at all.
        long[40] = 0x01;
        let mut none = [0u8; 48];
        none[..5].copy_from_slice(b"abcde");
        for bad in [&long[..], &none[..]] {
            let (got, open, out) = respond(bad);
            assert_eq!((got, open), (Err(Scp03Error::BadPadding), false));
            assert!(
                out[..bad.len()].iter().all(|&b| b == 0),
                "plaintext left behind"
            );
        }
    }

    #[test]
    fn unpadding_rules() {
        let mut b = [0u8; 32];
        b[31] = 0x80;
        assert_eq!(unpadded_len(&b), Some(31));
        b[31] = 0;
        b[16] = 0x80;
        assert_eq!(unpadded_len(&b), Some(16));
        b[16] = 0;
        assert_eq!(unpadded_len(&b), None, "no marker at all");
        b[15] = 0x80;
        assert_eq!(
            unpadded_len(&b),
            Some(15),
            "marker in the first block, a whole block of 00 after it"
        );
        b[20] = 0x01;
        assert_eq!(unpadded_len(&b), None, "a non-zero byte after the marker");
        b[20] = 0x80;
        assert_eq!(unpadded_len(&b), Some(20), "the last 80 is the marker");
        assert_eq!(unpadded_len(&[]), None);
        assert_eq!(unpadded_len(&[0x80; 15]), None, "not whole blocks");
        let mut c = [0x80u8; 16];
        c[15] = 0x80;
        assert_eq!(unpadded_len(&c), Some(15), "last 80 is the marker");
        // What captured sessions of real products carry: 11 data bytes, 80,
        // then 20 bytes of 00 in 32 bytes of plaintext.
        let mut field = [0u8; 32];
        field[..11].copy_from_slice(b"hello world");
        field[11] = 0x80;
        assert_eq!(unpadded_len(&field), Some(11));
        // Marker at the very first byte of four blocks: an empty plaintext.
        let mut e = [0u8; 64];
        e[0] = 0x80;
        assert_eq!(unpadded_len(&e), Some(0));
        assert_eq!(unpadded_len(&[0u8; 64]), None, "all zeros");
    }

    /// The branch-free scan against the obvious one, on blocks drawn from
    /// {00, 80, 01, FF} so that every padding shape occurs.
    #[test]
    fn unpadding_agrees_with_the_obvious_scan() {
        fn obvious(buf: &[u8]) -> Option<usize> {
            if buf.is_empty() || buf.len() % 16 != 0 {
                return None;
            }
            let zeros = buf.iter().rev().take_while(|&&b| b == 0).count();
            let marker = buf.len().checked_sub(zeros + 1)?;
            (buf.get(marker) == Some(&0x80)).then_some(marker)
        }
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut outcomes = [0u32; 2];
        // Miri interprets every step: a smaller sample there.
        let cases: u32 = if cfg!(miri) { 500 } else { 50_000 };
        for _ in 0..cases {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let blocks = 1 + (x & 3) as usize;
            let len = 16 * blocks;
            let mut b = [0u8; 64];
            let mut y = x >> 2;
            // A run of zeros at the end of any length (several blocks too),
            // the byte before it mostly a marker, the rest drawn from
            // {00, 80, 01, FF}.
            let zeros = (y % (len as u64 + 1)) as usize;
            y /= len as u64 + 1;
            for (k, v) in b[..len].iter_mut().rev().enumerate() {
                *v = if k < zeros {
                    0
                } else if k == zeros {
                    [0x80, 0x80, 0x80, 0x01, 0xFF, 0x00][(y % 6) as usize]
                } else {
                    [0x00, 0x80, 0x01, 0xFF][(y % 4) as usize]
                };
                y = y.rotate_right(3) ^ 0x5555;
            }
            let buf = &b[..16 * blocks];
            assert_eq!(unpadded_len(buf), obvious(buf), "{buf:02x?}");
            outcomes[usize::from(obvious(buf).is_some())] += 1;
        }
        assert!(outcomes.iter().all(|&n| n > cases / 10), "{outcomes:?}");
    }

    /// Every error: the status word a card answers with (GP Card Spec
    /// 11.8.3 / Amendment D 7.1.1.3) and whether the session ends.
    #[test]
    fn error_status_words_and_session_end() {
        use Scp03Error as E;
        let table: [(E, u16, bool); 25] = [
            (E::InvalidKey, 0x6982, false),
            (E::InvalidLevel(0x02), 0x6A86, false),
            (
                E::LevelNotOffered {
                    level: 0x33,
                    i: 0x00,
                },
                0x6A86,
                false,
            ),
            (E::InvalidChannel(20), 0x6982, false),
            (
                E::WrongChallengeLength {
                    expected: 8,
                    found: 7,
                },
                0x6700,
                false,
            ),
            (E::MalformedInitializeUpdateResponse("x"), 0x6982, false),
            (E::UnsupportedProtocol(2), 0x6982, false),
            (E::ModeMismatch, 0x6982, false),
            (
                E::KvnMismatch {
                    expected: 0x30,
                    found: 0x31,
                },
                0x6A88,
                false,
            ),
            (E::CardCryptogramMismatch, 0x6982, true),
            (E::CardChallengeMismatch, 0x6982, true),
            (E::HostCryptogramMismatch, 0x6300, true),
            (E::CMacMismatch, 0x6982, true),
            (E::RMacMismatch, 0x6982, true),
            (E::BadPadding, 0x6982, true),
            (E::SessionTerminated, 0x6982, true),
            (E::CounterExhausted, 0x6982, true),
            (E::SequenceCounterExhausted, 0x6985, false),
            (E::AuthenticationRefused(StatusWord(0x6300)), 0x6982, true),
            (E::MalformedCommand("x"), 0x6982, false),
            (E::MalformedResponse("x"), 0x6982, false),
            (E::UnexpectedCommand("x"), 0x6985, false),
            (E::BufferTooSmall { needed: 9 }, 0x6982, false),
            (E::InvalidLevel(0x30), 0x6A86, false),
            (E::UnexpectedCommand("y"), 0x6985, false),
        ];
        for (e, sw, ends) in table {
            assert_eq!(e.status_word(), sw, "{e:?}");
            assert_eq!(e.terminates_session(), ends, "{e:?}");
        }
    }

    /// The four protection bits of every valid level, and what a card with
    /// each `i` offers.
    #[test]
    fn level_bits() {
        let expect = [
            (0x00, [false, false, false, false]),
            (0x01, [true, false, false, false]),
            (0x03, [true, true, false, false]),
            (0x11, [true, false, true, false]),
            (0x13, [true, true, true, false]),
            (0x33, [true, true, true, true]),
        ];
        for (p1, [c_mac, c_dec, r_mac, r_enc]) in expect {
            let l = SecurityLevel::new(p1).unwrap();
            assert_eq!(l.bits(), p1);
            assert_eq!(
                [l.c_mac(), l.c_dec(), l.r_mac(), l.r_enc()],
                [c_mac, c_dec, r_mac, r_enc],
                "{p1:02x}"
            );
            for i in 0..=255u8 {
                let offered = (!r_mac || i & 0x20 != 0) && (!r_enc || i & 0x60 == 0x60);
                assert_eq!(l.offered_by(i), offered, "{p1:02x} by i={i:02x}");
            }
        }
    }

    /// At level 00 (authentication only) commands and responses pass in
    /// the clear: no MAC added or expected, no secure-messaging bit.
    #[test]
    fn level_00_passes_commands_and_responses_in_the_clear() {
        let (mut host, mut card) = pair(SecurityLevel::AUTHENTICATED);
        let cmd = [0x00, 0xB0, 0x00, 0x00, 0x02, 0xAA, 0xBB, 0x00];
        let (mut w, mut p) = ([0u8; 64], [0u8; 64]);
        let n = host.wrap(&cmd, &mut w).unwrap();
        assert_eq!(&w[..n], &cmd[..]);
        let m = card.unwrap_command(&w[..n], &mut p).unwrap();
        assert_eq!(&p[..m], &cmd[..]);
        let r = card.wrap_response(&[1, 2, 3], 0x9000, &mut w).unwrap();
        assert_eq!(&w[..r], &[1, 2, 3, 0x90, 0x00]);
        let resp = host.unwrap(&w[..r], &mut p).unwrap();
        assert_eq!(
            (&p[..resp.len], resp.sw),
            (&[1u8, 2, 3][..], StatusWord::SUCCESS)
        );
        // Too small an output buffer is reported with the size needed.
        assert_eq!(
            host.wrap(&cmd, &mut w[..7]),
            Err(Scp03Error::BufferTooSmall { needed: 8 })
        );
    }

    /// The card's getters follow its state: nothing before EXTERNAL
    /// AUTHENTICATE, the session's level and channel while open, nothing
    /// once a failure or `terminate` ended it; the sequence counter counts
    /// pseudo-random challenges.
    #[test]
    fn card_state_getters() {
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
        assert_eq!(
            std::format!("{card:?}"),
            "CardChannel { i: 112, sequence_counter: 0, open: false, .. }"
        );
        assert_eq!(
            (card.level(), card.channel(), card.sequence_counter()),
            (None, None, 0)
        );
        let cfg = HostConfig {
            level: SecurityLevel::C_DEC_R_MAC,
            channel: 2,
            ..HostConfig::default()
        };
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        assert_eq!(
            card.sequence_counter(),
            1,
            "one pseudo-random challenge used"
        );
        assert_eq!(
            (card.level(), card.channel()),
            (None, None),
            "not yet authenticated"
        );
        let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
        card.external_authenticate(&a[..n]).unwrap();
        let mut host = p.confirm(0x9000).unwrap();
        assert_eq!(card.level(), Some(SecurityLevel::C_DEC_R_MAC));
        assert_eq!(card.channel(), Some(2));
        assert!(std::format!("{card:?}").contains("sequence_counter: 1, open: true"));
        // A bad C-MAC ends the session: the getters say so.
        let n = host.wrap(&[0x02, 0xB0, 0x00, 0x00, 0x00], &mut a).unwrap();
        a[n - 2] ^= 1;
        assert_eq!(
            card.unwrap_command(&a[..n], &mut b),
            Err(Scp03Error::CMacMismatch)
        );
        assert_eq!(
            (card.level(), card.channel(), card.is_open()),
            (None, None, false)
        );
        // A second session, then terminate.
        let (mut host, mut card) = pair(SecurityLevel::C_MAC);
        assert!(card.is_open() && host.is_open());
        card.terminate();
        host.terminate();
        assert_eq!(
            (card.level(), card.channel(), card.is_open()),
            (None, None, false)
        );
        assert!(!host.is_open());
    }

    /// INITIALIZE UPDATE needs both INS 50 and a proprietary class.
    #[test]
    fn card_refuses_what_is_not_initialize_update() {
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let mut card = CardChannel::new(k, CardConfig::new(0x70, AID).unwrap());
        let mut out = [0u8; 64];
        let hc = [9u8; 8];
        for (cla, ins) in [(0x00, 0x50), (0x80, 0x51), (0x00, 0x51)] {
            let mut cmd = std::vec![cla, ins, 0x00, 0x00, 0x08];
            cmd.extend_from_slice(&hc);
            cmd.push(0x00);
            assert_eq!(
                card.initialize_update(&cmd, &[], &mut out),
                Err(Scp03Error::UnexpectedCommand("not INITIALIZE UPDATE")),
                "{cla:02x} {ins:02x}"
            );
        }
        let mut cmd = std::vec![0x80, 0x50, 0x00, 0x00, 0x08];
        cmd.extend_from_slice(&hc);
        cmd.push(0x00);
        assert!(card.initialize_update(&cmd, &[], &mut out).is_ok());
    }

    /// EXTERNAL AUTHENTICATE is exactly `84 82 level 00 2m cryptogram MAC`:
    /// each single deviation is refused (and a genuine one accepted).
    #[test]
    fn card_refuses_malformed_external_authenticate() {
        fn ea_for_fresh_card() -> (CardChannel, std::vec::Vec<u8>) {
            let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
            let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let cfg = HostConfig::default();
            let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
            let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
            let (_, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
            (card, a[..n].to_vec())
        }
        let malformed = Err(Scp03Error::MalformedCommand("EXTERNAL AUTHENTICATE length"));
        let (mut card, ea) = ea_for_fresh_card();
        assert_eq!(ea.len(), 5 + 16);
        let mut p2 = ea.clone();
        p2[3] = 0x01;
        assert_eq!(card.external_authenticate(&p2), malformed, "P2 not 00");
        let (mut card, ea) = ea_for_fresh_card();
        let mut with_le = ea.clone();
        with_le.push(0x00);
        assert_eq!(
            card.external_authenticate(&with_le),
            malformed,
            "Le present"
        );
        let (mut card, ea) = ea_for_fresh_card();
        let mut extended = ea[..4].to_vec();
        extended.extend_from_slice(&[0x00, 0x00, 0x10]);
        extended.extend_from_slice(&ea[5..]);
        assert_eq!(
            card.external_authenticate(&extended),
            malformed,
            "extended form"
        );
        let (mut card, ea) = ea_for_fresh_card();
        let mut short = ea[..ea.len() - 1].to_vec();
        short[4] = 0x0F;
        assert_eq!(
            card.external_authenticate(&short),
            malformed,
            "15 data bytes"
        );
        let (mut card, ea) = ea_for_fresh_card();
        assert_eq!(card.external_authenticate(&ea), Ok(SecurityLevel::ALL));
    }

    /// Debug output names the state, never a key, challenge or chain byte.
    #[test]
    fn debug_shows_state_only() {
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, AID).unwrap());
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let cfg = HostConfig {
            level: SecurityLevel::C_MAC,
            channel: 3,
            ..HostConfig::default()
        };
        let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        let (p, _) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
        assert_eq!(
            std::format!("{p:?}"),
            "PendingSession { level: SecurityLevel(1), .. }"
        );
        let host = p.confirm(0x9000).unwrap();
        assert_eq!((host.channel(), host.level()), (3, SecurityLevel::C_MAC));
        assert_eq!(
            std::format!("{host:?}"),
            "HostSession { level: SecurityLevel(1), mode: S8, channel: 3, open: true, .. }"
        );
    }

    /// Lc limits after the MAC is added: 255 stays short, 256 goes
    /// extended; 65535 fits an extended APDU, 65536 does not.
    #[test]
    fn wrapped_length_boundaries() {
        let (mut host, _) = pair(SecurityLevel::C_MAC);
        let mut w = std::vec![0u8; 70_000];
        for (data, extended) in [(247usize, false), (248, true)] {
            let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, data as u8];
            cmd.extend(core::iter::repeat_n(0x5A, data));
            let n = host.wrap(&cmd, &mut w).unwrap();
            if extended {
                assert_eq!((n, &w[4..7]), (7 + 256, &[0x00, 0x01, 0x00][..]));
            } else {
                assert_eq!((n, w[4]), (5 + 255, 0xFF));
            }
        }
        // The 64 KB case is one CMAC over 4096 blocks: minutes under Miri's
        // interpreter, so Miri checks the short/extended boundary only.
        let largest: &[(usize, bool)] = if cfg!(miri) {
            &[(65528, false)]
        } else {
            &[(65527, true), (65528, false)]
        };
        for &(data, ok) in largest {
            let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, 0x00, (data >> 8) as u8, data as u8];
            cmd.extend(core::iter::repeat_n(0x5A, data));
            let r = host.wrap(&cmd, &mut w);
            if ok {
                assert_eq!(r, Ok(7 + 65535));
                assert_eq!(&w[4..7], &[0x00, 0xFF, 0xFF]);
            } else {
                assert_eq!(
                    r,
                    Err(Scp03Error::MalformedCommand(
                        "command data too long for an APDU"
                    ))
                );
            }
        }
    }

    /// At level 00 the card passes commands on with a plain class, even one
    /// that arrives with the secure-messaging bit.
    #[test]
    fn level_00_card_strips_the_secure_messaging_bit() {
        let (_, mut card) = pair(SecurityLevel::AUTHENTICATED);
        let mut p = [0u8; 16];
        let m = card
            .unwrap_command(&[0x04, 0xB0, 0x00, 0x00, 0x00], &mut p)
            .unwrap();
        assert_eq!(&p[..m], &[0x00, 0xB0, 0x00, 0x00, 0x00]);
    }

    /// The card needs room for the largest plain form of a command: a
    /// 7-byte header, the data and 3 more bytes; one byte less is refused
    /// (with the size) before anything is verified.
    #[test]
    fn card_unwrap_output_room() {
        let (mut host, mut card) = pair(SecurityLevel::C_MAC);
        let mut cmd = std::vec![0x80, 0xE2, 0x00, 0x00, 20];
        cmd.extend_from_slice(&[0x33; 20]);
        let mut w = [0u8; 64];
        let n = host.wrap(&cmd, &mut w).unwrap();
        let mut p = [0u8; 64];
        assert_eq!(
            card.unwrap_command(&w[..n], &mut p[..29]),
            Err(Scp03Error::BufferTooSmall { needed: 30 })
        );
        assert!(
            card.is_open(),
            "a small buffer is the caller's error, not an attack"
        );
        assert_eq!(card.unwrap_command(&w[..n], &mut p[..30]), Ok(25));
        assert_eq!(&p[..25], &cmd[..]);
    }

    #[test]
    fn level_rules() {
        for p1 in 0..=255u8 {
            let ok = SecurityLevel::new(p1).is_ok();
            assert_eq!(
                ok,
                matches!(p1, 0x00 | 0x01 | 0x03 | 0x11 | 0x13 | 0x33),
                "{p1:02x}"
            );
        }
        assert!(SecurityLevel::ALL.offered_by(0x60));
        assert!(!SecurityLevel::ALL.offered_by(0x20));
        assert!(!SecurityLevel::ALL.offered_by(0x40));
        assert!(SecurityLevel::C_DEC_R_MAC.offered_by(0x20));
        assert!(SecurityLevel::C_DEC.offered_by(0x00));
    }

    #[test]
    fn keys_are_checked_and_redacted() {
        assert_eq!(
            StaticKeys::new(1, &[0; 16], &[0; 24], &[0; 16]).unwrap_err(),
            Scp03Error::InvalidKey
        );
        assert_eq!(
            StaticKeys::new(1, &[0; 15], &[0; 15], &[0; 15]).unwrap_err(),
            Scp03Error::InvalidKey
        );
        let k = StaticKeys::new(1, &[0xAB; 32], &[0xAB; 32], &[0xAB; 32]).unwrap();
        let dbg = std::format!("{k:?}");
        assert_eq!(dbg, "StaticKeys { kvn: 1, len: 32, .. }");
        assert!(
            !dbg.contains("171") && !dbg.to_lowercase().contains("ab, "),
            "{dbg}"
        );
        let sk = SessionKeys::derive(&k, &[0; 8], &[0; 8]).unwrap();
        assert_eq!(std::format!("{sk:?}"), "SessionKeys { .. }");
    }
}
