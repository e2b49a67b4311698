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

/// Whether this build keys AES keys of `n` bytes: 16 always, 24 with
/// feature `aes192`, 32 with feature `aes256`.
///
/// ```
/// use scboot::scp03::key_len_supported;
/// assert!(key_len_supported(16));
/// assert_eq!(key_len_supported(32), cfg!(feature = "aes256"));
/// assert!(!key_len_supported(20));
/// ```
pub const fn key_len_supported(n: usize) -> bool {
    n == 16 || (cfg!(feature = "aes192") && n == 24) || (cfg!(feature = "aes256") && n == 32)
}

/// Key-ENC, Key-MAC and Key-DEK of one length that this build keys.
fn check_lengths(enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<(), Scp03Error> {
    let n = enc.len();
    if !key_len_supported(n) || mac.len() != n || dek.len() != n {
        return Err(Scp03Error::InvalidKey);
    }
    Ok(())
}

/// What either form of static keys shows: its version and key length,
/// never a key byte.
fn debug_keys(f: &mut fmt::Formatter<'_>, name: &str, kvn: u8, len: usize) -> fmt::Result {
    f.debug_struct(name)
        .field("kvn", &kvn)
        .field("len", &len)
        .finish_non_exhaustive()
}

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
        debug_keys(f, "StaticKeys", self.kvn, self.dek.len())
    }
}

impl StaticKeys {
    /// Key-ENC, Key-MAC, Key-DEK of one length (16, 24 or 32) and their key version.
    pub fn new(kvn: u8, enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<StaticKeys, Scp03Error> {
        check_lengths(enc, mac, dek)?;
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
}

/// The static keys of one key set as their bytes only (about 100 bytes):
/// Key-ENC and Key-MAC are keyed at each handshake, in the session's own
/// key slots before the session keys replace them, so they cost no RAM
/// between handshakes and no stack beyond what keying the session costs.
/// For a device whose RAM is tighter than its time: [`StaticKeys`] keeps
/// both AES schedules built (on a Cortex-M4 with software AES, 740 bytes
/// for AES-128, 1 KB with AES-256 enabled) and saves two key expansions
/// per handshake. Everything is zeroized on drop.
///
/// ```
/// use scboot::scp03::{StaticKeyBytes, StaticKeyRef};
/// let keys = StaticKeyBytes::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
/// let r = StaticKeyRef::from(&keys);
/// assert_eq!((r.kvn(), r.key_len()), (0x30, 16));
/// # Ok::<(), scboot::scp03::Scp03Error>(())
/// ```
#[derive(Clone)]
pub struct StaticKeyBytes {
    kvn: u8,
    enc: KeyBytes,
    mac: KeyBytes,
    dek: KeyBytes,
}

impl Drop for StaticKeyBytes {
    fn drop(&mut self) {
        self.enc.zeroize();
        self.mac.zeroize();
        self.dek.zeroize();
    }
}

impl fmt::Debug for StaticKeyBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_keys(f, "StaticKeyBytes", self.kvn, self.dek.len())
    }
}

impl StaticKeyBytes {
    /// Key-ENC, Key-MAC, Key-DEK of one length (16, 24 or 32; 24 and 32
    /// need features `aes192` and `aes256`) and their key version.
    pub fn new(kvn: u8, enc: &[u8], mac: &[u8], dek: &[u8]) -> Result<StaticKeyBytes, Scp03Error> {
        check_lengths(enc, mac, dek)?;
        Ok(StaticKeyBytes {
            kvn,
            enc: key_bytes(enc)?,
            mac: key_bytes(mac)?,
            dek: key_bytes(dek)?,
        })
    }

    /// [`StaticKeyBytes::new`] at compile time, for keys a firmware holds
    /// in read-only memory: as a `static`, they are neither copied to RAM
    /// nor held on the stack. A length other than 16, 24 or 32 bytes (24
    /// and 32 with features `aes192` and `aes256`) does not compile.
    ///
    /// ```
    /// use scboot::scp03::{StaticKeyBytes, StaticKeyRef};
    /// static KEYS: StaticKeyBytes = StaticKeyBytes::from_arrays(0x30, [0x40; 16], [0x41; 16], [0x42; 16]);
    /// assert_eq!(StaticKeyRef::from(&KEYS).key_len(), 16);
    /// ```
    ///
    /// ```compile_fail
    /// use scboot::scp03::StaticKeyBytes;
    /// static KEYS: StaticKeyBytes = StaticKeyBytes::from_arrays(0x30, [0; 20], [0; 20], [0; 20]);
    /// ```
    pub const fn from_arrays<const N: usize>(
        kvn: u8,
        enc: [u8; N],
        mac: [u8; N],
        dek: [u8; N],
    ) -> StaticKeyBytes {
        const {
            assert!(
                key_len_supported(N),
                "static keys are 16 bytes, or 24 or 32 with their features"
            )
        };
        StaticKeyBytes {
            kvn,
            enc: KeyBytes::from_array(enc),
            mac: KeyBytes::from_array(mac),
            dek: KeyBytes::from_array(dek),
        }
    }

    /// The key version number.
    pub const fn kvn(&self) -> u8 {
        self.kvn
    }

    /// The key length in bytes.
    pub const fn key_len(&self) -> usize {
        self.dek.len()
    }

    /// Key-DEK.
    pub fn dek(&self) -> &[u8] {
        self.dek.as_bytes()
    }
}

/// The static keys a handshake uses, in either form: [`StaticKeys`] (both
/// schedules built once) or [`StaticKeyBytes`] (keyed at each handshake).
/// Every function that takes static keys takes `impl Into<StaticKeyRef>`,
/// so `&StaticKeys` and `&StaticKeyBytes` both fit.
#[derive(Clone, Copy)]
pub struct StaticKeyRef<'k>(KeyForm<'k>);

#[derive(Clone, Copy)]
enum KeyForm<'k> {
    Keyed(&'k StaticKeys),
    Bytes(&'k StaticKeyBytes),
}

impl fmt::Debug for StaticKeyRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            KeyForm::Keyed(k) => k.fmt(f),
            KeyForm::Bytes(k) => k.fmt(f),
        }
    }
}

impl<'k> From<&'k StaticKeys> for StaticKeyRef<'k> {
    fn from(keys: &'k StaticKeys) -> Self {
        StaticKeyRef(KeyForm::Keyed(keys))
    }
}

impl<'k> From<&'k StaticKeyBytes> for StaticKeyRef<'k> {
    fn from(keys: &'k StaticKeyBytes) -> Self {
        StaticKeyRef(KeyForm::Bytes(keys))
    }
}

impl<'k> StaticKeyRef<'k> {
    /// The key version number.
    pub const fn kvn(self) -> u8 {
        match self.0 {
            KeyForm::Keyed(k) => k.kvn,
            KeyForm::Bytes(k) => k.kvn,
        }
    }

    /// The key length in bytes.
    pub const fn key_len(self) -> usize {
        match self.0 {
            KeyForm::Keyed(k) => k.dek.len(),
            KeyForm::Bytes(k) => k.dek.len(),
        }
    }

    /// Key-DEK.
    pub fn dek(self) -> &'k [u8] {
        match self.0 {
            KeyForm::Keyed(k) => k.dek(),
            KeyForm::Bytes(k) => k.dek(),
        }
    }

    /// Key-ENC's and Key-MAC's CMACs: the keyed ones' own, or keyed from
    /// the bytes into `spare_enc` and `spare_mac` (which then hold key
    /// schedules: the caller drops them when done).
    pub(crate) fn macs<'s>(
        self,
        spare_enc: &'s mut Option<Mac>,
        spare_mac: &'s mut Option<Mac>,
    ) -> Result<(&'s Mac, &'s Mac), Scp03Error>
    where
        'k: 's,
    {
        if let Some(keyed) = self.keyed_or_key_into(spare_enc, spare_mac)? {
            return Ok(keyed);
        }
        match (spare_enc.as_ref(), spare_mac.as_ref()) {
            (Some(e), Some(m)) => Ok((e, m)),
            _ => Err(Scp03Error::InvalidKey),
        }
    }

    /// [`StaticKeys`]' own CMACs; or `None`, [`StaticKeyBytes`] having been
    /// keyed into `spare_enc` (Key-ENC) and `spare_mac` (Key-MAC).
    pub(crate) fn keyed_or_key_into(
        self,
        spare_enc: &mut Option<Mac>,
        spare_mac: &mut Option<Mac>,
    ) -> Result<Option<(&'k Mac, &'k Mac)>, Scp03Error> {
        match self.0 {
            KeyForm::Keyed(k) => Ok(Some((&k.enc, &k.mac))),
            KeyForm::Bytes(k) => {
                Mac::key_into(spare_enc, k.enc.as_bytes())?;
                Mac::key_into(spare_mac, k.mac.as_bytes())?;
                Ok(None)
            }
        }
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
    pub fn derive<'k>(
        keys: impl Into<StaticKeyRef<'k>>,
        host_challenge: &[u8],
        card_challenge: &[u8],
    ) -> Result<SessionKeys, Scp03Error> {
        let keys = keys.into();
        let (mut spare_enc, mut spare_mac) = (None, None);
        let (enc, mac) = keys.macs(&mut spare_enc, &mut spare_mac)?;
        Self::derive_with(enc, mac, keys.key_len(), host_challenge, card_challenge)
    }

    /// [`SessionKeys::derive`] from Key-ENC's and Key-MAC's CMACs (keys of
    /// `n` bytes). The schedules are used where they are: nothing is
    /// cloned. (A host handshake derives and keys each session key in turn
    /// instead: `Session::open_derived`.)
    #[inline(never)]
    fn derive_with(
        enc: &Mac,
        mac: &Mac,
        n: usize,
        host_challenge: &[u8],
        card_challenge: &[u8],
    ) -> Result<SessionKeys, Scp03Error> {
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
        kdf_with(enc, constants::S_ENC, &ctx, out.s_enc.as_mut_bytes())?;
        kdf_with(mac, constants::S_MAC, &ctx, out.s_mac.as_mut_bytes())?;
        kdf_with(mac, constants::S_RMAC, &ctx, out.s_rmac.as_mut_bytes())?;
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
/// # #[cfg(feature = "aes256")] {
/// // blaufish/scp03_kdf_testvectors, line 4 (constant 04, 128-bit output).
/// let key = [0x2A, 0xF2, 0xB9, 0x61, 0x3F, 0x5B, 0x87, 0xB9, 0xE3, 0x3F, 0x28, 0xF3, 0x9E, 0xDC, 0x83, 0x76,
///            0xDD, 0xB4, 0xB6, 0xFE, 0x77, 0x01, 0x23, 0x2D, 0xDD, 0x54, 0x77, 0xCE, 0xB1, 0x7D, 0xA9, 0xF7];
/// let ctx = [0x0E, 0x6F, 0x2B, 0x49, 0xDC, 0x94, 0x63, 0x3D, 0x02, 0x54, 0x94, 0x05, 0xEA, 0x86, 0x61, 0x2C,
///            0x71, 0x7E, 0xAF, 0x8C, 0xB9, 0xEF, 0x3D, 0x7D, 0x80, 0xDD, 0xFC, 0x37, 0x92, 0x18, 0x4D, 0x34];
/// let mut out = [0u8; 16];
/// scboot::scp03::kdf(&key, 0x04, &ctx, &mut out)?;
/// assert_eq!(out[..4], [0xB8, 0x63, 0xB9, 0xA5]);
/// # }
/// # Ok::<(), scboot::scp03::Scp03Error>(())
/// ```
pub fn kdf(key: &[u8], constant: u8, context: &[u8], out: &mut [u8]) -> Result<(), Scp03Error> {
    kdf_with(&Mac::new(key)?, constant, &[context], out)
}

/// The pseudo-random card challenge (Amendment D 6.2.2.1):
/// KDF(Key-ENC, 02, L, sequence counter (3 bytes) || AID).
pub fn pseudo_random_challenge<'k>(
    keys: impl Into<StaticKeyRef<'k>>,
    mode: Mode,
    sequence_counter: [u8; 3],
    aid: &[u8],
) -> Result<[u8; 16], Scp03Error> {
    let (mut spare_enc, mut spare_mac) = (None, None);
    let (enc, _) = keys.into().macs(&mut spare_enc, &mut spare_mac)?;
    pseudo_random_challenge_with(enc, mode, sequence_counter, aid)
}

/// [`pseudo_random_challenge`] with Key-ENC's CMAC at hand. Out of line:
/// a handshake's frame does not carry its temporaries.
#[inline(never)]
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
