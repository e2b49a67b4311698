//! GlobalPlatform Secure Channel Protocol '03' (Card Specification
//! Amendment D v1.1.1; S16 from v1.2): key derivation, mutual
//! authentication, and command/response protection, for both roles.
//!
//! * [`StaticKeys`]: Key-ENC, Key-MAC, Key-DEK (AES-128/192/256) and their
//!   key version number, Key-ENC and Key-MAC keyed once; zeroized on drop.
//!   [`StaticKeyBytes`]: the same keys as bytes only, keyed at each
//!   handshake (for a device short of RAM). Either fits wherever static
//!   keys are taken ([`StaticKeyRef`]).
//! * Host role: [`HostHandshake`] → [`PendingSession`] → [`HostSession`].
//! * Card role: [`CardChannel`].
//!
//! Every MAC and cryptogram comparison is constant-time (`verify.rs`). On any
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

mod card;
mod crypto;
mod error;
mod host;
mod iu;
mod keys;
mod params;
mod session;
mod verify;

#[cfg(test)]
mod tests;

pub use card::{CardChannel, CardConfig};
pub use error::Scp03Error;
pub use host::{HostConfig, HostHandshake, HostSession, PendingSession};
pub use iu::InitUpdateResponse;
pub use keys::{
    kdf, key_len_supported, pseudo_random_challenge, SessionKeys, StaticKeyBytes, StaticKeyRef,
    StaticKeys,
};
pub use params::{constants, i_param, Mode, SecurityLevel};
pub use session::Response;
#[cfg(scboot_ct_audit)]
pub use verify::audit;
