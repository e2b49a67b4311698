//! The card as the device's trust anchor (OMA DM-SC-GEN-9, use case "OTA
//! Bootstrap SC Signature"): a bootstrap message or package arrives over
//! the air with a signature or a checksum, and the device applies it only
//! once the card's key vouches for it.
//!
//! Two mechanisms, both with keys the card holds:
//!
//! * **ECDSA P-256.** The operator signs the package; the card holds the
//!   public key (PuKDF), read under the secure channel's integrity
//!   ([`KeyOperation::ReadPublicKey`](crate::procedure::KeyOperation::ReadPublicKey)).
//!   The device verifies the signature itself ([`verify_p256`], RustCrypto
//!   `p256`, feature `p256`).
//! * **AES-CMAC.** Network and card share a secret key (SKDF). The device
//!   has the card compute the checksum of the package
//!   ([`KeyOperation::Checksum`](crate::procedure::KeyOperation::Checksum))
//!   and compares it with the one received, in constant time
//!   ([`checksum_matches`]), or lets the card compare
//!   ([`KeyOperation::VerifyChecksum`](crate::procedure::KeyOperation::VerifyChecksum)).
//!
//! The `verified_*` functions return the package's [`BootstrapFile`] only
//! when the check passed: a failure gives the client nothing to apply.
//!
//! Signatures are raw `r ‖ s` (64 bytes), what cards return and OpenSC
//! passes on. A signature with a high `s` (`s > n/2`) is accepted: ECDSA
//! as FIPS 186-5 and SEC 1 define it has no low-S rule, cards do not
//! normalise, and malleability does not matter here (the signature is
//! checked, never used as an identifier). `r` and `s` must lie in
//! `[1, n-1]`; the public key must be an uncompressed point on P-256.

use subtle::ConstantTimeEq;

use crate::bootstrap::BootstrapFile;

/// Why a signature, checksum or package was not accepted.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyError {
    /// The public key is not an uncompressed P-256 point on the curve.
    PublicKey,
    /// The signature is not 64 bytes of `r ‖ s` with both in `[1, n-1]`.
    MalformedSignature,
    /// The signature does not verify.
    BadSignature,
    /// The checksum does not match.
    BadChecksum,
    /// The package verified but is not a valid bootstrap file.
    Parse(crate::Error),
}

impl core::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            VerifyError::PublicKey => f.write_str("the public key is not a P-256 point"),
            VerifyError::MalformedSignature => {
                f.write_str("the signature is not r || s (64 bytes) with r, s in [1, n-1]")
            }
            VerifyError::BadSignature => f.write_str("the signature does not verify"),
            VerifyError::BadChecksum => f.write_str("the checksum does not match"),
            VerifyError::Parse(e) => write!(f, "the verified package: {e}"),
        }
    }
}

impl core::error::Error for VerifyError {}

/// Whether `received` equals `computed`, in time independent of where they
/// differ (lengths are public).
pub fn checksum_matches(received: &[u8], computed: &[u8]) -> bool {
    // The verdict is public: the device applies the package or does not.
    crate::ct::declassify_u8(received.ct_eq(computed).unwrap_u8()) == 1
}

/// The package as a bootstrap file, when `received` (the checksum that came
/// with it) matches `computed` (the card's AES-CMAC of it).
pub fn verified_by_checksum<'m>(
    package: &'m [u8],
    received: &[u8],
    computed: &[u8],
) -> Result<BootstrapFile<'m>, VerifyError> {
    if !checksum_matches(received, computed) {
        return Err(VerifyError::BadChecksum);
    }
    BootstrapFile::parse(package).map_err(VerifyError::Parse)
}

/// Verify an ECDSA P-256 signature (`r ‖ s`) over a SHA-256 `digest` with
/// `public_key` (a SEC1 point or any form [`crate::keys::ec_point`] reads).
#[cfg(feature = "p256")]
pub fn verify_p256(
    public_key: &[u8],
    digest: &[u8; 32],
    signature: &[u8],
) -> Result<(), VerifyError> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    use p256::ecdsa::{Signature, VerifyingKey};
    let point = crate::keys::ec_point(public_key).map_err(|_| VerifyError::PublicKey)?;
    let key = VerifyingKey::from_sec1_bytes(point).map_err(|_| VerifyError::PublicKey)?;
    let sig = Signature::from_slice(signature).map_err(|_| VerifyError::MalformedSignature)?;
    key.verify_prehash(digest, &sig)
        .map_err(|_| VerifyError::BadSignature)
}

/// Verify an ECDSA P-256 signature over SHA-256(`message`).
#[cfg(feature = "p256")]
pub fn verify_message_p256(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), VerifyError> {
    use sha2::{Digest, Sha256};
    verify_p256(public_key, &Sha256::digest(message).into(), signature)
}

/// The package as a bootstrap file, when its signature verifies with the
/// card's public key.
#[cfg(feature = "p256")]
pub fn verified_by_signature<'m>(
    package: &'m [u8],
    signature: &[u8],
    public_key: &[u8],
) -> Result<BootstrapFile<'m>, VerifyError> {
    verify_message_p256(public_key, package, signature)?;
    BootstrapFile::parse(package).map_err(VerifyError::Parse)
}

/// Why [`verify_package_with_card`] or [`check_package_with_card`] gave
/// nothing to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackageError<E> {
    /// The card could not be asked (transport, secure channel, no such key, PIN).
    Card(crate::procedure::RunError<E>),
    /// The card's key does not vouch for the package, or it is not a
    /// bootstrap file.
    Rejected(VerifyError),
}

/// The client's check of a bootstrap package against the card's EC key
/// `label`: its public key is read from the card (through the procedure's
/// secure channel, so its integrity is the session's), the signature over
/// SHA-256(package) is verified here, and only then is the package handed
/// out as a bootstrap file to apply.
#[cfg(all(feature = "p256", feature = "keys"))]
pub fn verify_package_with_card<'k, 'm, C: crate::procedure::Card>(
    card: &mut C,
    keys: impl Into<crate::scp03::StaticKeyRef<'k>>,
    cfg: crate::procedure::Config,
    workspace: &mut [u8],
    label: &str,
    package: &'m [u8],
    signature: &[u8],
) -> Result<BootstrapFile<'m>, PackageError<C::Error>> {
    let op = crate::procedure::KeyOperation::ReadPublicKey { label };
    let keys: crate::scp03::StaticKeyRef<'_> = keys.into();
    let key = crate::procedure::run_operation(card, keys, cfg, workspace, op, None)
        .map_err(PackageError::Card)?;
    verified_by_signature(package, signature, key.output).map_err(PackageError::Rejected)
}

/// The client's check of a bootstrap package against the AES key `label`
/// shared by the network and the card: the card computes the package's
/// CMAC and the device compares it with `checksum` in constant time; only
/// then is the package handed out (feature `keys`). (A key behind the PIN: use
/// [`crate::procedure::run_operation`] with the PIN, then
/// [`verified_by_checksum`].)
#[cfg(feature = "keys")]
pub fn check_package_with_card<'k, 'm, C: crate::procedure::Card>(
    card: &mut C,
    keys: impl Into<crate::scp03::StaticKeyRef<'k>>,
    cfg: crate::procedure::Config,
    workspace: &mut [u8],
    label: &str,
    package: &'m [u8],
    checksum: &[u8],
) -> Result<BootstrapFile<'m>, PackageError<C::Error>> {
    let op = crate::procedure::KeyOperation::Checksum {
        label,
        data: package,
    };
    let keys: crate::scp03::StaticKeyRef<'_> = keys.into();
    let mac = crate::procedure::run_operation(card, keys, cfg, workspace, op, None)
        .map_err(PackageError::Card)?;
    verified_by_checksum(package, checksum, mac.output).map_err(PackageError::Rejected)
}

#[cfg(test)]
mod tests;
