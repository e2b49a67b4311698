//! The protocol's parameters: derivation constants, the `i` parameter, the
//! S8/S16 mode and the security level.

use super::error::Scp03Error;

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

/// S8 or S16 (Amendment D v1.2 Table 5-1).
#[non_exhaustive]
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

    /// Whether this build runs sessions in this mode: S8 always, S16 with
    /// the `s16` feature. Where a session starts (the host's INITIALIZE
    /// UPDATE and its response, the card's answer to it), a mode this
    /// build does not run is refused with [`Scp03Error::ModeNotAvailable`].
    ///
    /// ```
    /// use scboot::scp03::Mode;
    /// assert!(Mode::S8.is_available());
    /// assert_eq!(Mode::S16.is_available(), cfg!(feature = "s16"));
    /// ```
    pub const fn is_available(self) -> bool {
        cfg!(feature = "s16") || matches!(self, Mode::S8)
    }

    /// `self` if this build runs it ([`Mode::is_available`]).
    pub(crate) const fn available(self) -> Result<Mode, Scp03Error> {
        if self.is_available() {
            Ok(self)
        } else {
            Err(Scp03Error::ModeNotAvailable)
        }
    }

    /// [`Mode::size`] in a session, whose mode was checked
    /// ([`Mode::available`]) where it started: 8 without the `s16`
    /// feature, a constant of the build.
    pub(crate) const fn session_size(self) -> usize {
        if cfg!(feature = "s16") {
            self.size()
        } else {
            8
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
