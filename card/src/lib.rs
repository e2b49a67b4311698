//! # scboot-card: a virtual UICC for LwM2M smartcard bootstrap
//!
//! A card with an MF, EF.DIR, a PKCS#15 application (ODF, TokenInfo, DODF,
//! the LwM2M bootstrap file), the GlobalPlatform SCP03 card role (the
//! kernel's) with its own keys and sequence counter, logical channels,
//! access conditions (UPDATE only under the secure channel, private files
//! only after VERIFY), and FCPs on SELECT. It is personalised from a TOML
//! configuration ([`config`]), kept as a JSON card image ([`image`]), and
//! served in-process ([`VirtualCard`] implements `scboot::procedure::Card`)
//! or to pcscd over the vpcd protocol ([`vpcd`]).

pub mod config;
pub mod image;
pub mod ota;
mod processor;
pub mod vpcd;

pub use image::CardImage;
pub use processor::VirtualCard;

/// Lowercase hex.
pub fn to_hex(b: &[u8]) -> String {
    hex::encode(b)
}

/// Parse hex text; white space and `:` between digits are ignored.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    let digits: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    hex::decode(&digits).map_err(|e| match e {
        hex::FromHexError::OddLength => {
            format!("hex has an odd number of digits ({})", digits.len())
        }
        hex::FromHexError::InvalidHexCharacter { c, index } => {
            format!("invalid hex digit {c:?} at digit {index}")
        }
        e => e.to_string(),
    })
}
