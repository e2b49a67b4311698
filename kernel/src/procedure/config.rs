//! How to run the procedure.

use crate::scp03::{Mode, SecurityLevel};

/// Whether a secure channel must be used (LwM2M: SHOULD, so it is policy).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurePolicy {
    /// SCP03 at the configured level or nothing (the default).
    Required,
    /// SCP03 when the card offers it, at the best level it offers up to the configured one.
    IfOffered,
    /// No secure channel.
    Off,
}

/// How to run the procedure. Built with [`Config::new`] and the methods
/// that change one setting each:
///
/// ```
/// use scboot::procedure::{Config, SecurePolicy};
/// use scboot::scp03::SecurityLevel;
/// let cfg = Config::new([9; 16])
///     .policy(SecurePolicy::IfOffered)
///     .level(SecurityLevel::C_MAC_R_MAC)
///     .logical_channel(false);
/// assert_eq!(cfg.level, SecurityLevel::C_MAC_R_MAC);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Secure channel policy.
    pub policy: SecurePolicy,
    /// Security level (LwM2M Appendix H: `33`).
    pub level: SecurityLevel,
    /// S8 or S16.
    pub mode: Mode,
    /// Fresh random bytes for the host challenge (8 used in S8, 16 in S16).
    /// The kernel has no random source: supply new ones for every run.
    pub host_challenge: [u8; 16],
    /// The most bytes one READ asks for (1..=1024). 0 (the default): as
    /// many as one short response carries at the session's level. Above 256
    /// the card must support extended lengths, and the kernel must be built
    /// with its `extended-length` feature (without it, reads stay short).
    pub max_read: u16,
    /// Open a logical channel for the application (else use the basic channel).
    pub logical_channel: bool,
    /// Also read EF.TokenInfo (`5032`) after EF.ODF (a dump wants it; the
    /// bootstrap does not).
    pub read_token_info: bool,
    /// Read every DODF the ODF names, not only up to the one holding the
    /// bootstrap entry (a dump wants them all).
    pub read_every_dodf: bool,
}

impl Config {
    /// Required SCP03 at level 33, S8, reads sized to the level, on a logical channel.
    pub const fn new(host_challenge: [u8; 16]) -> Config {
        Config {
            policy: SecurePolicy::Required,
            level: SecurityLevel::ALL,
            mode: Mode::S8,
            host_challenge,
            max_read: 0,
            logical_channel: true,
            read_token_info: false,
            read_every_dodf: false,
        }
    }

    /// The secure channel policy.
    pub const fn policy(self, policy: SecurePolicy) -> Config {
        Config { policy, ..self }
    }

    /// The security level.
    pub const fn level(self, level: SecurityLevel) -> Config {
        Config { level, ..self }
    }

    /// S8 or S16.
    pub const fn mode(self, mode: Mode) -> Config {
        Config { mode, ..self }
    }

    /// The most bytes one READ asks for (0: as the level allows).
    pub const fn max_read(self, max_read: u16) -> Config {
        Config { max_read, ..self }
    }

    /// A logical channel (true, the default) or the basic channel.
    pub const fn logical_channel(self, logical_channel: bool) -> Config {
        Config {
            logical_channel,
            ..self
        }
    }

    /// Read EF.TokenInfo and every DODF too (what `card dump` needs).
    pub const fn read_everything(self, everything: bool) -> Config {
        Config {
            read_token_info: everything,
            read_every_dodf: everything,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_everything_sets_and_clears_both_reads() {
        let c = Config::new([0; 16]);
        assert!(!c.read_token_info && !c.read_every_dodf);
        let all = c.read_everything(true);
        assert!(all.read_token_info && all.read_every_dodf);
        let none = all.read_everything(false);
        assert!(!none.read_token_info && !none.read_every_dodf);
    }
}
