//! The smartcard bootstrap procedure (OMA LwM2M Appendix G and H) as a
//! sans-I/O state machine.
//!
//! [`Procedure`] produces command APDUs ([`Procedure::next`]) and consumes
//! response APDUs ([`Procedure::on_response`]); it never touches a reader.
//! [`run`] drives it over any [`Card`] transport. The walk:
//!
//! 1. SELECT EF.DIR (`2F00`) and read it (records or transparent); find the
//!    PKCS#15 application template (it must carry a path, `51`).
//! 2. MANAGE CHANNEL (open); SELECT the application by AID on that channel.
//! 3. SCP03: INITIALIZE UPDATE and EXTERNAL AUTHENTICATE at the configured
//!    level, per the [`SecurePolicy`]; from then on every command is wrapped.
//! 4. SELECT and READ BINARY EF.ODF (`5031`), each DODF it names (in order)
//!    until one holds the LwM2M bootstrap entry; VERIFY a PIN when the entry
//!    is private; SELECT the bootstrap file and read its header first, then
//!    exactly the data the header announces (index/length honoured).
//! 5. Validate it once; digest it (SHA-256); close the channel.
//!
//! Three layers, each in its own module: the exchange layer (transport
//! continuations `61xx`/`6Cxx`, the secure channel, response gathering:
//! one complete plain response per command), the walk (the phases above,
//! each carrying its own data), and this front door. READ sizes follow the
//! session: as much as one short response carries at its level (256 bytes
//! in the clear, 248 under R-MAC, 239 under R-ENC in S8), unless
//! [`Config::max_read`] says otherwise. File contents go into a workspace
//! buffer the caller lends; nothing is allocated.
//!
//! ```
//! use scboot::procedure::{run, Card, Config, Fault};
//! use scboot::scp03::StaticKeys;
//!
//! struct NoCard;
//! impl Card for NoCard {
//!     type Error = Fault;
//!     fn transmit(&mut self, _: &[u8], _: &mut [u8]) -> Result<usize, Fault> {
//!         Err(Fault::CardAbsent)
//!     }
//! }
//! let keys = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16])?;
//! let mut workspace = [0u8; 4096];
//! let r = run(&mut NoCard, &keys, Config::new([7; 16]), &mut workspace, None);
//! assert!(r.unwrap_err().card_removed());
//! # Ok::<(), scboot::scp03::Scp03Error>(())
//! ```

use crate::scp03::StaticKeyRef;

mod config;
mod error;
mod exchange;
mod files;
mod keyop;
mod outcome;
mod state;
mod step;
mod transport;
mod view;
mod walk;

pub use config::{Config, SecurePolicy};
pub use error::{ProcedureError, RunError, StepName};
pub use keyop::{KeyOperation, KeyResult};
pub use outcome::{Bootstrap, Provenance};
pub use state::Procedure;
pub use step::{PinRequest, Step};
pub use transport::{Card, Fault, TransportError};
pub use view::{CardFile, CommandView, FileKind, ResponseView};

/// Run the whole procedure over `card` with the card's static keys
/// ([`StaticKeys`](crate::scp03::StaticKeys) or
/// [`StaticKeyBytes`](crate::scp03::StaticKeyBytes)). `pin`: `(VERIFY
/// reference, PIN)` for a private entry.
pub fn run<'k, 'w, C: Card>(
    card: &mut C,
    keys: impl Into<StaticKeyRef<'k>>,
    cfg: Config,
    workspace: &'w mut [u8],
    pin: Option<(u8, &[u8])>,
) -> Result<Bootstrap<'w>, RunError<C::Error>> {
    let mut p = Procedure::new(keys, cfg, workspace);
    // Commands are built and wrapped, and responses written, in the
    // procedure's own buffers.
    drive(&mut p, card, pin)?;
    p.take_bootstrap().map_err(RunError::Procedure)
}

/// Exchange until the procedure is done: each command to `card`, each
/// response back, the PIN when one is asked for.
#[inline]
fn drive<C: Card>(
    p: &mut Procedure<'_, '_>,
    card: &mut C,
    pin: Option<(u8, &[u8])>,
) -> Result<(), RunError<C::Error>> {
    loop {
        match p.next_in_place().map_err(RunError::Procedure)? {
            Step::Transmit(_) => {
                let (command, response) = p.transfer_buffers();
                let m = card.transmit(command, response).map_err(RunError::Card)?;
                p.on_response_written(m).map_err(RunError::Procedure)?;
            }
            Step::NeedPin(request) => match pin {
                Some((reference, value)) => request
                    .supply(reference, value)
                    .map_err(RunError::Procedure)?,
                None => return Err(RunError::Procedure(request.decline())),
            },
            Step::Done => return Ok(()),
        }
    }
}

/// Run a key operation over `card` ([`Procedure::with_operation`], feature
/// `keys`): the
/// same walk and secure channel as [`run`], then the key found by its label
/// in the directory the ODF names. `pin`: `(VERIFY reference, PIN)` for a
/// private key.
#[cfg(feature = "keys")]
pub fn run_operation<'w, 'k, C: Card>(
    card: &mut C,
    keys: impl Into<StaticKeyRef<'k>>,
    cfg: Config,
    workspace: &'w mut [u8],
    op: KeyOperation<'k>,
    pin: Option<(u8, &[u8])>,
) -> Result<KeyResult<'w>, RunError<C::Error>> {
    let mut p = Procedure::with_operation(keys, cfg, workspace, op);
    drive(&mut p, card, pin)?;
    p.take_operation().map_err(RunError::Procedure)
}
