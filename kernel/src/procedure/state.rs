//! The procedure's state: the phase of the walk (each phase carries its own
//! data), what the walk has learned so far, and the exchange below it.

use core::fmt;

use super::config::Config;
use super::error::ProcedureError;
use super::error::StepName;
use super::exchange::Exchange;
use super::view::{CardFile, CommandView, FileKind, ResponseView};
use crate::apdu::Command;
use crate::bytes::{Bytes16, InlineBytes};
use crate::dodf::BootstrapRule;
use crate::path::IndexLength;
use crate::scp03::StaticKeyRef;

/// DODFs followed (the first ones the ODF names).
pub(super) const MAX_DODFS: usize = 4;
/// The bootstrap file's header: object count and size (LwM2M G.3).
pub(super) const BOOTSTRAP_HEADER: usize = 4;
/// READ BINARY reaches offsets up to `7FFF` (P1 bit 8 is the SFI flag).
pub(super) const MAX_OFFSET: usize = 0x7FFF;

/// A PIN as the card wants it (at most 16 bytes); zeroized once VERIFY is staged.
pub(crate) type Pin = InlineBytes<16>;

/// The range of a file being read: bytes `[pos, end)`, or records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct FileRead {
    pub(super) pos: usize,
    pub(super) end: usize,
    /// `(record length, record count, next record number)` for record files.
    pub(super) records: Option<(usize, u16, u16)>,
    /// Bytes in the workspace so far.
    pub(super) len: usize,
}

/// The walk's phases; each carries what it needs. (The key operation's
/// are never reached without the `keys` feature.)
#[cfg_attr(not(feature = "keys"), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    SelectDir,
    ReadDir(FileRead),
    OpenChannel,
    SelectApplication,
    InitializeUpdate,
    ExternalAuthenticate,
    SelectOdf,
    ReadOdf(FileRead),
    SelectTokenInfo,
    ReadTokenInfo(FileRead),
    SelectDodf(u8),
    ReadDodf(u8, FileRead),
    NeedPin,
    Verify { reference: u8, pin: Pin },
    Verifying,
    SelectBootstrap,
    ReadBootstrap(FileRead),
    SelectKeyDirectory,
    ReadKeyDirectory(FileRead),
    SelectKeyFile,
    ReadPublicKey(FileRead),
    ManageSecurityEnvironment,
    PerformSecurityOperation { at: usize, len: usize },
    CloseChannel,
    Done,
    Failed(ProcedureError),
}

impl Phase {
    pub(super) const fn step(&self) -> StepName {
        match self {
            Phase::SelectDir => StepName::SelectDir,
            Phase::ReadDir(_) => StepName::ReadDir,
            Phase::OpenChannel => StepName::OpenChannel,
            Phase::SelectApplication => StepName::SelectApplication,
            Phase::InitializeUpdate => StepName::InitializeUpdate,
            Phase::ExternalAuthenticate => StepName::ExternalAuthenticate,
            Phase::SelectOdf => StepName::SelectOdf,
            Phase::ReadOdf(_) => StepName::ReadOdf,
            Phase::SelectTokenInfo => StepName::SelectTokenInfo,
            Phase::ReadTokenInfo(_) => StepName::ReadTokenInfo,
            Phase::SelectDodf(_) => StepName::SelectDodf,
            Phase::ReadDodf(..) => StepName::ReadDodf,
            Phase::NeedPin | Phase::Verify { .. } | Phase::Verifying => StepName::Verify,
            Phase::SelectBootstrap => StepName::SelectBootstrap,
            Phase::ReadBootstrap(_) => StepName::ReadBootstrap,
            Phase::SelectKeyDirectory => StepName::SelectKeyDirectory,
            Phase::ReadKeyDirectory(_) => StepName::ReadKeyDirectory,
            Phase::SelectKeyFile => StepName::SelectKeyFile,
            Phase::ReadPublicKey(_) => StepName::ReadPublicKey,
            Phase::ManageSecurityEnvironment => StepName::ManageSecurityEnvironment,
            Phase::PerformSecurityOperation { .. } => StepName::PerformSecurityOperation,
            Phase::CloseChannel | Phase::Done | Phase::Failed(_) => StepName::CloseChannel,
        }
    }
}

/// The bootstrap entry found in a DODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Target {
    pub(super) path: Bytes16,
    pub(super) dodf: Bytes16,
    pub(super) entry: usize,
    pub(super) rule: BootstrapRule,
    pub(super) index_length: Option<IndexLength>,
    pub(super) private: bool,
    pub(super) auth_id: Bytes16,
}

/// The procedure's state. Create it with [`Procedure::new`], alternate
/// [`Procedure::next`] and [`Procedure::on_response`], then
/// [`Procedure::finish`].
///
/// The loop a client writes around its own transport ([`super::run`] is
/// this loop over a [`super::Card`]):
///
/// ```
/// use scboot::procedure::{Config, Procedure, ProcedureError, StepName, Step};
/// use scboot::scp03::StaticKeys;
///
/// let keys = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16])?;
/// let mut workspace = [0u8; 2048]; // holds the files; the bootstrap file borrows it
/// let mut p = Procedure::new(&keys, Config::new([9; 16]), &mut workspace);
/// let mut cmd = [0u8; 300];
/// let result = loop {
///     match p.next(&mut cmd) {
///         Ok(Step::Transmit(n)) => {
///             // Send cmd[..n] to the card; here the card has no EF.DIR.
///             assert_eq!(&cmd[..n], &[0x00, 0xA4, 0x08, 0x04, 0x02, 0x2F, 0x00, 0x00]);
///             if let Err(e) = p.on_response(&[0x6A, 0x82]) {
///                 break Err(e);
///             }
///         }
///         Ok(Step::NeedPin(request)) => break Err(request.decline()),
///         Ok(Step::Done) => break p.finish().map(|b| b.provenance.digest),
///         Ok(_) => unreachable!("a step this version does not have"),
///         Err(e) => break Err(e),
///     }
/// };
/// let e = result.unwrap_err();
/// assert!(matches!(e, ProcedureError::Status { step: StepName::SelectDir, .. }));
/// assert!(e.data_removed()); // "not found": the card holds no bootstrap data
/// # Ok::<(), scboot::scp03::Scp03Error>(())
/// ```
pub struct Procedure<'k, 'w> {
    pub(super) keys: StaticKeyRef<'k>,
    pub(super) cfg: Config,
    pub(super) ws: &'w mut [u8],
    pub(super) phase: Phase,
    pub(super) x: Exchange,
    pub(super) aid: Bytes16,
    pub(super) app_path: Bytes16,
    pub(super) dodfs: [Bytes16; MAX_DODFS],
    pub(super) n_dodfs: u8,
    pub(super) target: Option<Target>,
    /// The validated bootstrap file: object count, bytes read.
    pub(super) file: Option<(u16, usize)>,
    pub(super) digest: [u8; 32],
    /// The file completed by the last response, and its length.
    pub(super) completed: Option<(FileKind, usize)>,
    /// The step of the last command sent.
    pub(super) sent_step: StepName,
    /// A key operation's state (feature `keys`; without it, nothing).
    pub(super) keyop: super::keyop::KeyState<'k>,
}

impl fmt::Debug for Procedure<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Procedure")
            .field("step", &self.phase.step())
            .field("channel", &self.x.channel())
            .field("level", &self.x.level())
            .field("apdus", &self.x.apdus())
            .finish_non_exhaustive()
    }
}

impl<'k, 'w> Procedure<'k, 'w> {
    /// A procedure with the static keys of the card's security domain and a
    /// workspace for file contents (the largest file read: the bootstrap
    /// file is at most 32 KB).
    /// The keys are [`StaticKeys`](crate::scp03::StaticKeys) or
    /// [`StaticKeyBytes`](crate::scp03::StaticKeyBytes).
    #[inline(always)]
    pub fn new(keys: impl Into<StaticKeyRef<'k>>, cfg: Config, workspace: &'w mut [u8]) -> Self {
        Self::build(keys.into(), cfg, workspace)
    }

    // Not inlined: its temporaries stay in its own frame, gone before the
    // run goes deep (a microcontroller's peak stack).
    #[inline(never)]
    fn build(keys: StaticKeyRef<'k>, cfg: Config, workspace: &'w mut [u8]) -> Self {
        Procedure {
            keys,
            cfg,
            ws: workspace,
            phase: Phase::SelectDir,
            x: Exchange::IDLE,
            aid: Bytes16::default(),
            app_path: Bytes16::default(),
            dodfs: [Bytes16::default(); MAX_DODFS],
            n_dodfs: 0,
            target: None,
            file: None,
            digest: [0; 32],
            completed: None,
            sent_step: StepName::SelectDir,
            keyop: super::keyop::KeyState::NONE,
        }
    }
}

impl Procedure<'_, '_> {
    /// The last command sent (after [`Step::Transmit`](super::Step::Transmit)), for a log.
    pub fn last_command(&self) -> CommandView<'_> {
        let (plain, protected, continuation) = self.x.last_command();
        let encrypted = protected
            && self.x.level().is_some_and(|l| l.c_dec())
            && Command::parse(plain).is_ok_and(|c| !c.data.is_empty());
        CommandView {
            step: self.sent_step,
            plain: if continuation { &[] } else { plain },
            protected,
            encrypted,
        }
    }

    /// The last complete response (after [`Procedure::on_response`]), for a log.
    pub fn last_response(&self) -> Option<ResponseView<'_>> {
        let r = self.x.reply()?;
        let (_, protected, _) = self.x.last_command();
        Some(ResponseView {
            step: self.sent_step,
            data: self.x.data(),
            sw: r.sw,
            encrypted: protected && self.x.level().is_some_and(|l| l.r_enc()) && r.len > 0,
        })
    }

    /// The file the last response completed, until the next call to
    /// [`Procedure::next`]: what a dump writes.
    pub fn file(&self) -> Option<CardFile<'_>> {
        let (kind, len) = self.completed?;
        let path: &[u8] = match kind {
            FileKind::EfDir => &[],
            FileKind::Odf => &[0x50, 0x31],
            FileKind::TokenInfo => &[0x50, 0x32],
            FileKind::Dodf(i) => self.dodfs.get(usize::from(i))?.as_bytes(),
            FileKind::Bootstrap => self.target.as_ref()?.path.as_bytes(),
            FileKind::KeyDirectory => self.keyop.dir()?.as_bytes(),
            FileKind::PublicKey => self.keyop.key()?.file.as_bytes(),
        };
        Some(CardFile {
            kind,
            path,
            bytes: self.ws.get(..len)?,
        })
    }
}
