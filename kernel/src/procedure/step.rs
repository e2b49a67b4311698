//! What the caller must do next, and the PIN step as a value.

use core::fmt;

use super::error::ProcedureError;
use super::state::{Phase, Pin, Procedure};

/// What the caller must do next.
#[non_exhaustive]
#[derive(Debug)]
pub enum Step<'p, 'k, 'w> {
    /// Send the first `n` bytes of the buffer given to [`Procedure::next`]
    /// and pass the response to [`Procedure::on_response`].
    Transmit(usize),
    /// The entry is private: give the PIN (or decline) through this request.
    NeedPin(PinRequest<'p, 'k, 'w>),
    /// Finished: call [`Procedure::finish`].
    Done,
}

/// The private entry's PIN step: the only legal next call is to give the
/// PIN ([`PinRequest::supply`]) or to decline ([`PinRequest::decline`]).
pub struct PinRequest<'p, 'k, 'w> {
    p: &'p mut Procedure<'k, 'w>,
}

impl fmt::Debug for PinRequest<'_, '_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinRequest")
            .field("auth_id", &self.auth_id())
            .finish()
    }
}

impl<'p, 'k, 'w> PinRequest<'p, 'k, 'w> {
    pub(super) fn new(p: &'p mut Procedure<'k, 'w>) -> Self {
        PinRequest { p }
    }

    /// The entry's (or the key's) authId: which of the card's PINs protects it.
    pub fn auth_id(&self) -> &[u8] {
        match (self.p.keyop.key(), &self.p.target) {
            (Some(k), _) => k.auth_id.as_bytes(),
            (None, Some(t)) => t.auth_id.as_bytes(),
            (None, None) => &[],
        }
    }

    /// Give the PIN (at most 16 bytes, formatted as the card wants it) and
    /// its reference (VERIFY P2).
    pub fn supply(self, reference: u8, pin: &[u8]) -> Result<(), ProcedureError> {
        let Some(pin) = Pin::new(pin) else {
            return self.p.fail(ProcedureError::BufferTooSmall);
        };
        self.p.phase = Phase::Verify { reference, pin };
        Ok(())
    }

    /// Give up: the procedure ends with [`ProcedureError::PinRequired`].
    pub fn decline(self) -> ProcedureError {
        let e = ProcedureError::PinRequired;
        let _ = self.p.fail::<()>(e);
        e
    }
}
