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
//! use scboot::procedure::{run, Card, Config};
//! use scboot::scp03::StaticKeys;
//!
//! struct NoCard;
//! impl Card for NoCard {
//!     type Error = &'static str;
//!     fn transmit(&mut self, _: &[u8], _: &mut [u8]) -> Result<usize, Self::Error> {
//!         Err("no card")
//!     }
//! }
//! let keys = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16])?;
//! let mut workspace = [0u8; 4096];
//! let r = run(&mut NoCard, &keys, Config::new([7; 16]), &mut workspace, None);
//! assert!(r.unwrap_err().card_removed());
//! # Ok::<(), scboot::scp03::Scp03Error>(())
//! ```

use crate::bootstrap::BootstrapFile;
use crate::bytes::{Bytes16, InlineBytes};
use crate::dodf::BootstrapRule;
use crate::path::IndexLength;
use crate::scp03::{Mode, SecurityLevel, StaticKeys};

mod error;
mod exchange;
mod walk;

pub use error::{ProcedureError, RunError, StepName};
pub use walk::{CardFile, CommandView, FileKind, PinRequest, Procedure, ResponseView};

/// A card reader (or a virtual card): one command APDU out, one response APDU in.
pub trait Card {
    /// What the transport reports when it fails (card removed, reader gone).
    type Error: core::fmt::Debug;

    /// Send `command`; write the response (data and SW1 SW2) into `response`
    /// and return its length.
    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error>;
}

/// Whether a secure channel must be used (LwM2M: SHOULD, so it is policy).
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
    /// the card must support extended lengths.
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

/// Where the bootstrap information came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// The PKCS#15 application's AID.
    pub aid: Bytes16,
    /// Its path from EF.DIR.
    pub application_path: Bytes16,
    /// The logical channel used (0: basic).
    pub channel: u8,
    /// The secure channel level used, if any.
    pub level: Option<SecurityLevel>,
    /// The DODF that held the entry.
    pub dodf_path: Bytes16,
    /// The entry's index in that DODF.
    pub entry: usize,
    /// The rule that matched.
    pub rule: BootstrapRule,
    /// The bootstrap file's path.
    pub file_path: Bytes16,
    /// The part of the file, when not all of it.
    pub index_length: Option<IndexLength>,
    /// Whether the entry was private (a PIN was verified to read it).
    pub private: bool,
    /// SHA-256 of the bootstrap data read (header and objects).
    pub digest: [u8; 32],
    /// Command APDUs exchanged (GET RESPONSE and re-sends included).
    pub apdus: u32,
}

/// Bootstrap information read from the card, with its provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap<'w> {
    /// The validated bootstrap file (borrows the workspace).
    pub file: BootstrapFile<'w>,
    /// Where it came from.
    pub provenance: Provenance,
}

/// What the caller must do next.
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

/// A PIN as the card wants it (at most 16 bytes), zeroized when dropped.
pub(crate) type Pin = InlineBytes<16>;

/// Run the whole procedure over `card`. `pin`: `(VERIFY reference, PIN)`
/// for a private entry.
pub fn run<'w, C: Card>(
    card: &mut C,
    keys: &StaticKeys,
    cfg: Config,
    workspace: &'w mut [u8],
    pin: Option<(u8, &[u8])>,
) -> Result<Bootstrap<'w>, RunError<C::Error>> {
    let mut p = Procedure::new(keys, cfg, workspace);
    let mut cmd = [0u8; 1100];
    let mut resp = [0u8; 1100];
    loop {
        match p.next(&mut cmd).map_err(RunError::Procedure)? {
            Step::Transmit(n) => {
                let m = card
                    .transmit(cmd.get(..n).unwrap_or(&[]), &mut resp)
                    .map_err(RunError::Card)?;
                p.on_response(resp.get(..m).unwrap_or(&[]))
                    .map_err(RunError::Procedure)?;
            }
            Step::NeedPin(request) => match pin {
                Some((reference, value)) => request
                    .supply(reference, value)
                    .map_err(RunError::Procedure)?,
                None => return Err(RunError::Procedure(request.decline())),
            },
            Step::Done => return p.finish().map_err(RunError::Procedure),
        }
    }
}
