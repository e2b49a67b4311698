//! The errors of the secure channel.

use core::fmt;

use crate::apdu::StatusWord;

/// What went wrong in the secure channel. None of them says which byte differed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scp03Error {
    /// A static key is not 16, 24 or 32 bytes, or the three differ in length.
    InvalidKey,
    /// A security level that is not 00, 01, 03, 11, 13 or 33.
    InvalidLevel(u8),
    /// The level needs R-MAC or R-ENCRYPTION, which the card's `i` does not offer.
    LevelNotOffered {
        /// The level asked for.
        level: u8,
        /// The card's `i` parameter.
        i: u8,
    },
    /// A logical channel above 19.
    InvalidChannel(u8),
    /// A host challenge of the wrong length for the mode.
    WrongChallengeLength {
        /// The length the mode needs.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The INITIALIZE UPDATE response is malformed.
    MalformedInitializeUpdateResponse(&'static str),
    /// The card answered with a Secure Channel Protocol other than 03.
    UnsupportedProtocol(u8),
    /// The card's `i` says S8 where S16 was asked, or the reverse.
    ModeMismatch,
    /// S16 was asked for in a build without the `s16` feature.
    ModeNotAvailable,
    /// The card used another key version than the host's keys.
    KvnMismatch {
        /// The host's key version.
        expected: u8,
        /// The card's.
        found: u8,
    },
    /// The card cryptogram is wrong: the card does not hold these keys.
    CardCryptogramMismatch,
    /// The pseudo-random card challenge does not match the sequence counter and AID.
    CardChallengeMismatch,
    /// The host cryptogram is wrong (card role).
    HostCryptogramMismatch,
    /// A C-MAC did not verify (card role).
    CMacMismatch,
    /// An R-MAC did not verify.
    RMacMismatch,
    /// Decrypted data has bad padding, or ciphertext is not whole blocks.
    BadPadding,
    /// The session was terminated (by an earlier failure or on purpose).
    SessionTerminated,
    /// The encryption counter is exhausted; the session is over.
    CounterExhausted,
    /// The card's sequence counter is exhausted (card role).
    SequenceCounterExhausted,
    /// The card refused EXTERNAL AUTHENTICATE with this status word.
    AuthenticationRefused(StatusWord),
    /// A command APDU that cannot be parsed or wrapped.
    MalformedCommand(&'static str),
    /// A response APDU that cannot be unwrapped.
    MalformedResponse(&'static str),
    /// A command out of order (card role), e.g. EXTERNAL AUTHENTICATE first.
    UnexpectedCommand(&'static str),
    /// The output buffer is too small.
    BufferTooSmall {
        /// Bytes required.
        needed: usize,
    },
}

impl Scp03Error {
    /// The status word a card answers with for this error.
    pub const fn status_word(&self) -> StatusWord {
        StatusWord(match self {
            Scp03Error::WrongChallengeLength { .. } => 0x6700,
            Scp03Error::KvnMismatch { .. } => 0x6A88,
            Scp03Error::HostCryptogramMismatch => 0x6300,
            Scp03Error::SequenceCounterExhausted => 0x6985,
            Scp03Error::LevelNotOffered { .. } | Scp03Error::InvalidLevel(_) => 0x6A86,
            Scp03Error::UnexpectedCommand(_) => 0x6985,
            _ => 0x6982,
        })
    }

    /// Whether this error ended the session.
    pub const fn terminates_session(&self) -> bool {
        matches!(
            self,
            Scp03Error::CardCryptogramMismatch
                | Scp03Error::CardChallengeMismatch
                | Scp03Error::HostCryptogramMismatch
                | Scp03Error::CMacMismatch
                | Scp03Error::RMacMismatch
                | Scp03Error::BadPadding
                | Scp03Error::SessionTerminated
                | Scp03Error::CounterExhausted
                | Scp03Error::AuthenticationRefused(_)
        )
    }
}

impl fmt::Display for Scp03Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Scp03Error::*;
        match *self {
            InvalidKey => f.write_str("static keys must be 16, 24 or 32 bytes, all of one length"),
            InvalidLevel(l) => write!(
                f,
                "security level {l:02x} is not one of 00, 01, 03, 11, 13, 33"
            ),
            LevelNotOffered { level, i } => write!(
                f,
                "level not offered by card: level {level:02x}, card i = {i:02x}"
            ),
            InvalidChannel(c) => write!(f, "logical channel {c} (at most 19)"),
            WrongChallengeLength { expected, found } => {
                write!(
                    f,
                    "host challenge is {found} bytes, the mode needs {expected}"
                )
            }
            MalformedInitializeUpdateResponse(w) => {
                write!(f, "malformed INITIALIZE UPDATE response: {w}")
            }
            UnsupportedProtocol(p) => write!(f, "card answered SCP {p:02x}, not 03"),
            ModeMismatch => f.write_str("card i disagrees with the host's S8/S16 mode"),
            ModeNotAvailable => f.write_str("S16 is not in this build (feature s16)"),
            KvnMismatch { expected, found } => write!(
                f,
                "card used key version {found:02x}, host has {expected:02x}"
            ),
            CardCryptogramMismatch => f.write_str("card cryptogram mismatch"),
            CardChallengeMismatch => f.write_str("pseudo-random card challenge mismatch"),
            HostCryptogramMismatch => f.write_str("host cryptogram mismatch"),
            CMacMismatch => f.write_str("C-MAC mismatch"),
            RMacMismatch => f.write_str("R-MAC mismatch"),
            BadPadding => f.write_str("bad padding"),
            SessionTerminated => f.write_str("session terminated"),
            CounterExhausted => f.write_str("encryption counter exhausted"),
            SequenceCounterExhausted => f.write_str("sequence counter exhausted"),
            AuthenticationRefused(sw) => {
                write!(f, "EXTERNAL AUTHENTICATE refused with status {sw:04x}")
            }
            MalformedCommand(w) => write!(f, "malformed command: {w}"),
            MalformedResponse(w) => write!(f, "malformed response: {w}"),
            UnexpectedCommand(w) => write!(f, "unexpected command: {w}"),
            BufferTooSmall { needed } => {
                write!(f, "output buffer too small, {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for Scp03Error {}
