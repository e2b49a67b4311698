//! # scboot: LwM2M bootstrap from a smartcard, as a `no_std` kernel
//!
//! An LwM2M device with a smartcard (UICC/eSE) reads its bootstrap
//! information from the card (OMA LwM2M Appendix G/H): EF.DIR names the
//! PKCS#15 application, its ODF names the DODF, the DODF names the file that
//! holds the bootstrap data, and that file holds LwM2M TLV.
//!
//! This crate holds the parts every implementation stands on:
//!
//! * zero-copy `nom` parsers, each returning types that borrow from the
//!   input: [`ber`] (BER-TLV core), [`dir`] (EF.DIR), [`odf`], [`dodf`]
//!   (with the LwM2M bootstrap finder), [`tokeninfo`], [`bootstrap`]
//!   (EF LwM2M_Bootstrap), [`tlv`] (LwM2M TLV), [`lwm2m`] (typed Security
//!   and Server views);
//! * encoders for every format, writing into a caller's buffer
//!   ([`ber::Encode`], exact `encoded_len()`), such that parsing the output
//!   gives the value back.
//!
//! Parsers never panic, never allocate, never recurse without a bound, and
//! report an [`Error`] with the byte offset and the structure at fault.
//!
//! ```
//! use scboot::dodf::Dodf;
//! use scboot::bootstrap::BootstrapFile;
//!
//! let dodf = [
//!     0xA1, 0x1A, 0x30, 0x00, 0x30, 0x04, 0x0C, 0x02, b'B', b'S', 0xA1, 0x10, 0x30, 0x0E, 0x06,
//!     0x04, 0x67, 0x2B, 0x09, 0x01, 0x30, 0x06, 0x04, 0x04, 0x3F, 0x00, 0x64, 0x32,
//! ];
//! let found = Dodf::parse(&dodf)?.find_lwm2m_bootstrap().expect("bootstrap entry");
//! assert_eq!(found.object.value.path().unwrap().path, &[0x3F, 0x00, 0x64, 0x32]);
//!
//! let file = [0x00, 0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x03, 0x08, 0x05, 0x00];
//! let bf = BootstrapFile::parse(&file)?;
//! assert_eq!(bf.objects().next().unwrap().object_id, 1);
//! # Ok::<(), scboot::Error>(())
//! ```
//!
//! ## API policy
//!
//! scboot follows Semantic Versioning as Rust crates apply it (the Cargo
//! book's SemVer compatibility chapter); before 1.0, a minor release
//! (0.x → 0.x+1) may break the API and a patch release may not. CI runs
//! `cargo semver-checks` against the last release commit
//! (`semver-baseline.txt`), so that a break cannot land in a patch release.
//!
//! * Enums that will grow are `#[non_exhaustive]`: error kinds
//!   ([`ErrorKind`], [`scp03::Scp03Error`], [`apdu::ApduError`],
//!   [`procedure::ProcedureError`]), transport faults, procedure steps,
//!   PKCS#15 choices and LwM2M types. Match them with a `_` arm.
//! * Structs that will grow are `#[non_exhaustive]` too: the typed LwM2M
//!   views, the SCP03 and procedure configurations, the provenance. The
//!   ones a caller builds have a constructor or builder
//!   ([`procedure::Config::new`], [`scp03::HostConfig::default`] with
//!   `.level()`, `.mode()`..., [`scp03::CardConfig::new`],
//!   [`monitor::Capabilities::NONE`] with `.smartcard()`...).
//! * Enums whose set a standard closes stay exhaustive, so that a caller's
//!   `match` is checked: the monitor's [`monitor::Verdict`] (the three
//!   cases LwM2M names) and the bootstrap [`monitor::Mode`]s of LwM2M
//!   5.2.4. (SCP03's [`scp03::Mode`] is not closed: Amendment D grew S16.)
//! * The minimum supported Rust version (`rust-version`, 1.85) is raised
//!   only in a minor release, and CI builds and tests on it.
//! * Error messages (`Display`) may change in any release; match on the
//!   typed errors, not their text.
//!
//! ## Features
//!
//! The crate is `no_std`, allocation-free and `forbid(unsafe_code)` in
//! every build. Each feature is additive and on by default; a device
//! leaves out what it does not need (`default-features = false`):
//!
//! * `aes192`, `aes256`: SCP03 with AES-192 and AES-256 keys (AES-128 is
//!   always there). Without them the sessions hold AES-128 schedules only.
//! * `s16`: SCP03's S16 mode (16-byte challenges, cryptograms and MACs).
//!   Without it sessions run S8 only ([`scp03::Mode::is_available`]): S16
//!   is refused where a session starts, with
//!   [`scp03::Scp03Error::ModeNotAvailable`], and the lengths S8 uses are
//!   constants of the build (240 B less on a Cortex-M4).
//! * `keys`: the card-key operations of DM-SC-GEN-9 (key directories,
//!   MANAGE SECURITY ENVIRONMENT, PERFORM SECURITY OPERATION).
//! * `p256`: ECDSA P-256 verification on the device ([`anchor`]).
//! * `extended-length`: READ BINARY above 256 bytes. Without it the
//!   procedure's response buffer is sized for short APDUs.
//! * `fast-paths`: the parsers' fast paths beside their precise walks.
//!   Without it results and errors are the same, parses take up to 5.8
//!   times the instructions (the ODF; 3.5 times for the others), and a
//!   Cortex-M4 image is 5.3 KB smaller.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(test)]
extern crate std;

pub mod anchor;
pub mod apdu;
pub mod at_csim;
pub mod ber;
pub mod bootstrap;
pub mod bytes;
mod ct;
pub mod dir;
pub mod dodf;
mod encode;
pub mod error;
pub mod fcp;
pub mod keys;
pub mod lwm2m;
pub mod monitor;
pub mod odf;
pub mod path;
pub mod procedure;
pub mod scp03;
mod span;
pub mod tlv;
pub mod tokeninfo;

pub use error::{EncodeError, Error, ErrorKind, Field, Result, Structure};

/// The constant-time audit's entry points (`--cfg scboot_ct_audit`, set
/// only by the audit in `ct/`; never in a product).
#[cfg(scboot_ct_audit)]
pub mod ct_audit {
    pub use crate::anchor::checksum_matches;
    pub use crate::ct::audit::set_declassifier;
    pub use crate::scp03::audit::{mac_matches, unpadded_len};
}

/// The README's Rust examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
