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
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

#[cfg(any(feature = "std", test))]
extern crate std;

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
pub mod lwm2m;
pub mod monitor;
pub mod odf;
pub mod path;
pub mod procedure;
pub mod scp03;
mod span;
pub mod tlv;
pub mod tokeninfo;

pub use error::{EncodeError, Error, ErrorKind, Result, Structure};

/// The constant-time audit's entry points (`--cfg scboot_ct_audit`, set
/// only by the audit in `ct/`; never in a product).
#[cfg(scboot_ct_audit)]
pub mod ct_audit {
    pub use crate::ct::audit::set_declassifier;
    pub use crate::scp03::audit::{mac_matches, unpadded_len};
}
