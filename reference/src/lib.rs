//! # scboot-reference: the slow model
//!
//! An independent, deliberately simple model of every scboot parser and of
//! SCP03, used to check the kernel by differential testing. It shares no
//! code with the kernel: it reads bytes by absolute position, clause by
//! clause, allocates freely and returns owned values. Each error is a
//! [`RefError`]: the *class* (named as the kernel names its error kinds) and
//! the byte offset.
//!
//! Sources followed: ITU-T X.690 (BER), RSA PKCS #15 v1.1 (ASN.1 module,
//! `DEFINITIONS IMPLICIT TAGS`), ISO/IEC 7816-4 (EF.DIR), OMA LwM2M TS 1.1
//! (7.4.3 TLV, Appendix G.3 bootstrap file), GlobalPlatform Amendment D
//! (SCP03), NIST SP 800-38A/38B/108.

pub mod ber;
pub mod bootstrap;
pub mod dir;
pub mod dodf;
pub mod error;
pub mod keys;
#[cfg(feature = "mirror")]
pub mod mirror;
pub mod odf;
pub mod scp03;
pub mod tlv;
pub mod tokeninfo;

pub use error::{RefError, RefResult};
