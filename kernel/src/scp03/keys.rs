//! Static keys, session keys, and the derivations between them
//! (Amendment D 6.2.1, 6.2.2).

use core::fmt;

use zeroize::Zeroize;

use super::crypto::{kdf_with, Mac};
use super::error::Scp03Error;
use super::params::{constants, Mode};
use crate::bytes::InlineBytes;

/// A key of 16, 24 or 32 bytes.
type KeyBytes = InlineBytes<32>;

fn key_bytes(key: &[u8]) -> Result<KeyBytes, Scp03Error> {
    if !matches!(key.len(), 16 | 24 | 32) {
        return Err(Scp03Error::InvalidKey);
    }
    KeyBytes::new(key).ok_or(Scp03Error::InvalidKey)
}

/// The static Secure Channel keys of one key set (Amendment D Table 6-1).
///
/// Key-ENC and Key-MAC are kept as keyed CMACs, made once here rather than
/// at every session: a session setup derives from them directly.
/// Everything is zeroized on drop.
#[derive(Clone)]
pub struct StaticKeys {
    kvn: u8,
    enc: Mac,
    mac: Mac,
    dek: KeyBytes,
}

impl Drop for StaticKeys {
    fn drop(&mut self) {
        // The keyed MACs zeroize themselves.
        self.dek.zeroize();
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("kvn", &self.kvn)
            .field("len", &self.dek.len())
            .finish_non_exhaustive()
    }
}

impl StaticKeys {
    /// Key-ENC, Key-MAC, Key-DEK of one length (16, 24 or 32) and their key version.
    pub fn new(kvn: u8, enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<StaticKeys, Scp03Error> {
        if enc.len() != mac.len() || enc.len() != dek.len() {
            return Err(Scp03Error::InvalidKey);
        }
        Ok(StaticKeys {
            kvn,
            enc: Mac::new(enc)?,
            mac: Mac::new(mac)?,
            dek: key_bytes(dek)?,
        })
    }

    /// The key version number (0: "first available" when asking a card).
    pub const fn kvn(&self) -> u8 {
        self.kvn
    }

    /// The key length in bytes.
    pub const fn key_len(&self) -> usize {
        self.dek.len()
    }

    /// Key-DEK, used as is to encrypt sensitive data (PUT KEY, STORE DATA).
    pub fn dek(&self) -> &[u8] {
        self.dek.as_bytes()
    }

    /// Key-ENC's CMAC, for one handshake's derivations.
    pub(crate) const fn enc_mac(&self) -> &Mac {
        &self.enc
    }

    /// Key-MAC's CMAC, for one handshake's derivations.
    pub(crate) const fn mac_mac(&self) -> &Mac {
        &self.mac
    }
}

/// The session keys of one Secure Channel Session (Amendment D 6.2.1), zeroized on drop.
#[derive(Clone)]
pub struct SessionKeys {
    s_enc: KeyBytes,
    s_mac: KeyBytes,
    s_rmac: KeyBytes,
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.s_enc.zeroize();
        self.s_mac.zeroize();
        self.s_rmac.zeroize();
    }
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
        Self::derive_checked(keys, host_challenge, card_challenge, |_| Ok(()))
    }

    /// [`SessionKeys::derive`], with `check` run first on Key-ENC's CMAC
    /// (the pseudo-random challenge's check). The static keys' schedules
    /// are used where they are: nothing is cloned.
    #[inline(never)]
    pub(crate) fn derive_checked(
        keys: &StaticKeys,
        host_challenge: &[u8],
        card_challenge: &[u8],
        check: impl FnOnce(&Mac) -> Result<(), Scp03Error>,
    ) -> Result<SessionKeys, Scp03Error> {
        let n = keys.key_len();
        let ctx: [&[u8]; 2] = [host_challenge, card_challenge];
        // Each key is derived where it is kept: no copy to wipe.
        let zeroed = || {
            if !matches!(n, 16 | 24 | 32) {
                return Err(Scp03Error::InvalidKey);
            }
            KeyBytes::zeroed(n).ok_or(Scp03Error::InvalidKey)
        };
        let mut out = SessionKeys {
            s_enc: zeroed()?,
            s_mac: zeroed()?,
            s_rmac: zeroed()?,
        };
        check(keys.enc_mac())?;
        kdf_with(
            keys.enc_mac(),
            constants::S_ENC,
            &ctx,
            out.s_enc.as_mut_bytes(),
        )?;
        kdf_with(
            keys.mac_mac(),
            constants::S_MAC,
            &ctx,
            out.s_mac.as_mut_bytes(),
        )?;
        kdf_with(
            keys.mac_mac(),
            constants::S_RMAC,
            &ctx,
            out.s_rmac.as_mut_bytes(),
        )?;
        Ok(out)
    }

    /// S-ENC.
    pub fn s_enc(&self) -> &[u8] {
        self.s_enc.as_bytes()
    }

    /// S-MAC.
    pub fn s_mac(&self) -> &[u8] {
        self.s_mac.as_bytes()
    }

    /// S-RMAC.
    pub fn s_rmac(&self) -> &[u8] {
        self.s_rmac.as_bytes()
    }

    /// The card cryptogram (Amendment D 6.2.2.2): `mode.size()` bytes are meaningful.
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
        kdf_with(
            &Mac::new(self.s_mac())?,
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
/// scboot::scp03::kdf(&key, 0x04, &ctx, &mut out)?;
/// assert_eq!(out[..4], [0xB8, 0x63, 0xB9, 0xA5]);
/// # Ok::<(), scboot::scp03::Scp03Error>(())
/// ```
pub fn kdf(key: &[u8], constant: u8, context: &[u8], out: &mut [u8]) -> Result<(), Scp03Error> {
    kdf_with(&Mac::new(key)?, constant, &[context], out)
}

/// The pseudo-random card challenge (Amendment D 6.2.2.1):
/// KDF(Key-ENC, 02, L, sequence counter (3 bytes) || AID).
pub fn pseudo_random_challenge(
    keys: &StaticKeys,
    mode: Mode,
    sequence_counter: [u8; 3],
    aid: &[u8],
) -> Result<[u8; 16], Scp03Error> {
    pseudo_random_challenge_with(keys.enc_mac(), mode, sequence_counter, aid)
}

/// [`pseudo_random_challenge`] with Key-ENC's CMAC at hand.
pub(crate) fn pseudo_random_challenge_with(
    enc: &Mac,
    mode: Mode,
    sequence_counter: [u8; 3],
    aid: &[u8],
) -> Result<[u8; 16], Scp03Error> {
    let mut out = [0u8; 16];
    kdf_with(
        enc,
        constants::CARD_CHALLENGE,
        &[&sequence_counter, aid],
        out.get_mut(..mode.size()).ok_or(Scp03Error::InvalidKey)?,
    )?;
    Ok(out)
}
