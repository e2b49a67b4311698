//! The transport the procedure runs over, and what its failures mean.
//!
//! A transport (a PC/SC reader, a modem's `AT+CSIM`, a UART to an eSE, a C
//! callback, the virtual card) reports each failure as one [`Fault`]. Only
//! [`Fault::CardAbsent`] is evidence that the card is gone; the monitor
//! deletes nothing for any other fault (see [`crate::monitor`]).

use core::fmt;

/// What kind of failure a transport saw.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The transport knows there is no card: it was taken out, or the
    /// slot reports none (PC/SC `SCARD_W_REMOVED_CARD`,
    /// `SCARD_E_NO_SMARTCARD`; `+CME ERROR: 10`, SIM not inserted). The
    /// only failure that counts as removal.
    CardAbsent,
    /// The card is there but was reset or re-powered (by another program,
    /// a brown-out): every channel and secure session on it is gone. Run
    /// again.
    CardReset,
    /// The exchange failed and may work when tried again: a timeout, a
    /// busy reader, a lost or corrupted frame, a reader that went away for
    /// a moment. The card may or may not have executed the command.
    Transient,
    /// The transport saw a breach of its own protocol or a failure it
    /// cannot classify (a response larger than the buffer, an unknown
    /// error code).
    Protocol,
}

impl Fault {
    /// A short description.
    pub const fn name(self) -> &'static str {
        match self {
            Fault::CardAbsent => "card absent",
            Fault::CardReset => "card reset",
            Fault::Transient => "transient failure",
            Fault::Protocol => "transport protocol failure",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A transport's error, classified.
pub trait TransportError: fmt::Debug {
    /// What kind of failure this is.
    fn fault(&self) -> Fault;
}

/// A transport with nothing more to say than the kind of failure.
impl TransportError for Fault {
    fn fault(&self) -> Fault {
        *self
    }
}

/// A transport that cannot fail (an in-process card).
impl TransportError for core::convert::Infallible {
    fn fault(&self) -> Fault {
        match *self {}
    }
}

/// A card reader (or a virtual card): one command APDU out, one response APDU in.
pub trait Card {
    /// What the transport reports when it fails, classified by [`Fault`].
    type Error: TransportError;

    /// Send `command`; write the response (data and SW1 SW2) into `response`
    /// and return its length.
    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error>;
}
