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
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parse hex; whitespace and `:` ignored.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    let d: Vec<u8> = s
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if d.len() % 2 != 0 {
        return Err(format!("odd number of hex digits in {s:?}"));
    }
    d.chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|t| u8::from_str_radix(t, 16).ok())
                .ok_or_else(|| format!("invalid hex in {s:?}"))
        })
        .collect()
}
