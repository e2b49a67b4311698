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
//!    is private; SELECT and read the bootstrap file (index/length honoured).
//! 5. Parse and validate it; digest it (SHA-256); close the channel.
//!
//! `61xx` (more data: GET RESPONSE) and `6Cxx` (wrong Le: re-send with the
//! right Le) are handled below the secure channel; a wrapped command is never
//! re-sent (the card has advanced its MAC chain), so `6Cxx` on a wrapped
//! command is an error. File contents go into a workspace buffer the caller
//! lends; nothing is allocated.
//!
//! ```
//! use scboot::procedure::{Card, Config, run};
//! use scboot::scp03::StaticKeys;
//!
//! struct NoCard;
//! impl Card for NoCard {
//!     type Error = &'static str;
//!     fn transmit(&mut self, _: &[u8], _: &mut [u8]) -> Result<usize, Self::Error> {
//!         Err("no card")
//!     }
//! }
//! let keys = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
//! let mut workspace = [0u8; 4096];
//! let r = run(&mut NoCard, &keys, Config::new([7; 16]), &mut workspace, None);
//! assert!(r.unwrap_err().card_removed());
//! ```

use core::fmt;

use sha2::{Digest, Sha256};

use crate::apdu::{class_on_channel, split_response};

/// A command with an optional short Le.
fn cmd(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u16>) -> crate::apdu::Command<'_> {
    crate::apdu::Command::new(cla, ins, p1, p2, data, le.map(u32::from))
}
use crate::bootstrap::BootstrapFile;
use crate::dir::EfDir;
use crate::dodf::{BootstrapRule, Dodf, ObjectValue};
use crate::odf::Odf;
use crate::path::IndexLength;
use crate::scp03::{
    HostConfig, HostHandshake, HostSession, Mode, PendingSession, Scp03Error, SecurityLevel,
    StaticKeys,
};

/// A card reader (or a virtual card): one command APDU out, one response APDU in.
pub trait Card {
    /// What the transport reports when it fails (card removed, reader gone).
    type Error: fmt::Debug;

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

/// How to run the procedure.
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
    /// Bytes asked per READ BINARY (1..=1024; above 223 needs extended-length
    /// support at level 33 in S8).
    pub read_chunk: u16,
    /// Open a logical channel for the application (else use the basic channel).
    pub logical_channel: bool,
}

impl Config {
    /// Required SCP03 at level 33, S8, 200-byte reads, on a logical channel.
    pub const fn new(host_challenge: [u8; 16]) -> Config {
        Config {
            policy: SecurePolicy::Required,
            level: SecurityLevel::ALL,
            mode: Mode::S8,
            host_challenge,
            read_chunk: 200,
            logical_channel: true,
        }
    }
}

/// The steps of the procedure, as errors name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepName {
    /// SELECT EF.DIR.
    SelectDir,
    /// READ BINARY / READ RECORD of EF.DIR.
    ReadDir,
    /// MANAGE CHANNEL (open).
    OpenChannel,
    /// SELECT the PKCS#15 application by AID.
    SelectApplication,
    /// INITIALIZE UPDATE.
    InitializeUpdate,
    /// EXTERNAL AUTHENTICATE.
    ExternalAuthenticate,
    /// SELECT EF.ODF.
    SelectOdf,
    /// READ BINARY EF.ODF.
    ReadOdf,
    /// SELECT a DODF.
    SelectDodf,
    /// READ BINARY a DODF.
    ReadDodf,
    /// VERIFY (PIN of a private entry).
    Verify,
    /// SELECT the bootstrap file.
    SelectBootstrap,
    /// READ BINARY the bootstrap file.
    ReadBootstrap,
    /// MANAGE CHANNEL (close).
    CloseChannel,
}

impl StepName {
    /// A short name.
    pub const fn name(self) -> &'static str {
        match self {
            StepName::SelectDir => "SELECT EF.DIR",
            StepName::ReadDir => "read EF.DIR",
            StepName::OpenChannel => "MANAGE CHANNEL open",
            StepName::SelectApplication => "SELECT PKCS#15 application",
            StepName::InitializeUpdate => "INITIALIZE UPDATE",
            StepName::ExternalAuthenticate => "EXTERNAL AUTHENTICATE",
            StepName::SelectOdf => "SELECT EF.ODF",
            StepName::ReadOdf => "read EF.ODF",
            StepName::SelectDodf => "SELECT DODF",
            StepName::ReadDodf => "read DODF",
            StepName::Verify => "VERIFY",
            StepName::SelectBootstrap => "SELECT bootstrap file",
            StepName::ReadBootstrap => "read bootstrap file",
            StepName::CloseChannel => "MANAGE CHANNEL close",
        }
    }
}

/// Why the procedure stopped.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureError {
    /// The card answered a step with this status word.
    Status {
        /// The step.
        step: StepName,
        /// The status word.
        sw: u16,
    },
    /// A file the card returned does not parse.
    Parse {
        /// The step.
        step: StepName,
        /// The parse error (offset in that file).
        error: crate::Error,
    },
    /// The secure channel failed (card cryptogram, R-MAC, level, ...).
    SecureChannel {
        /// The step.
        step: StepName,
        /// The SCP03 error.
        error: Scp03Error,
    },
    /// EF.DIR has no PKCS#15 application template.
    NoPkcs15Application,
    /// The PKCS#15 template has no path (`51`), which LwM2M requires.
    NoApplicationPath,
    /// EF.ODF names no DODF.
    NoDataObjectDirectory,
    /// No DODF holds the LwM2M bootstrap data object.
    NoBootstrapEntry,
    /// The bootstrap entry's value is not a path (URL or direct value).
    UnsupportedValue,
    /// A response the step cannot use.
    MalformedResponse {
        /// The step.
        step: StepName,
        /// What is wrong.
        what: &'static str,
    },
    /// A file larger than the workspace.
    FileTooLarge {
        /// The step.
        step: StepName,
        /// The file size.
        size: usize,
        /// The workspace size.
        capacity: usize,
    },
    /// The bootstrap entry is private and no PIN was supplied.
    PinRequired,
    /// An APDU buffer given to [`Procedure::next`] is too small.
    BufferTooSmall,
    /// A call out of order (e.g. `on_response` with no command pending).
    OutOfOrder,
}

impl fmt::Display for ProcedureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcedureError::Status { step, sw } => {
                write!(f, "{}: card answered {sw:04x}", step.name())
            }
            ProcedureError::Parse { step, error } => write!(f, "{}: {error}", step.name()),
            ProcedureError::SecureChannel { step, error } => write!(f, "{}: {error}", step.name()),
            ProcedureError::NoPkcs15Application => f.write_str("EF.DIR has no PKCS#15 application"),
            ProcedureError::NoApplicationPath => {
                f.write_str("the PKCS#15 application template has no path (51)")
            }
            ProcedureError::NoDataObjectDirectory => f.write_str("EF.ODF names no DODF"),
            ProcedureError::NoBootstrapEntry => {
                f.write_str("no DODF holds the LwM2M bootstrap data object")
            }
            ProcedureError::UnsupportedValue => {
                f.write_str("the bootstrap entry's value is not a file path")
            }
            ProcedureError::MalformedResponse { step, what } => {
                write!(f, "{}: {what}", step.name())
            }
            ProcedureError::FileTooLarge {
                step,
                size,
                capacity,
            } => {
                write!(
                    f,
                    "{}: file of {size} bytes, workspace holds {capacity}",
                    step.name()
                )
            }
            ProcedureError::PinRequired => {
                f.write_str("the bootstrap entry is private and no PIN was given")
            }
            ProcedureError::BufferTooSmall => f.write_str("APDU buffer too small"),
            ProcedureError::OutOfOrder => f.write_str("procedure call out of order"),
        }
    }
}

impl ProcedureError {
    /// Whether this means the card's bootstrap information is gone: no
    /// PKCS#15 application, no bootstrap entry, or a file not found.
    pub const fn data_removed(&self) -> bool {
        match self {
            ProcedureError::NoPkcs15Application
            | ProcedureError::NoDataObjectDirectory
            | ProcedureError::NoBootstrapEntry => true,
            ProcedureError::Status { step, sw } => {
                matches!(
                    step,
                    StepName::SelectDir
                        | StepName::SelectApplication
                        | StepName::SelectOdf
                        | StepName::SelectDodf
                        | StepName::SelectBootstrap
                ) && matches!(*sw, 0x6A82 | 0x6A86 | 0x6A88)
            }
            _ => false,
        }
    }
}

/// A file path or AID of up to 16 bytes, held by value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Bytes16 {
    bytes: [u8; 16],
    len: u8,
}

impl Bytes16 {
    fn new(b: &[u8]) -> Option<Bytes16> {
        let mut out = Bytes16::default();
        out.bytes.get_mut(..b.len())?.copy_from_slice(b);
        out.len = b.len() as u8;
        Some(out)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

impl fmt::Debug for Bytes16 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Where the bootstrap information came from.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the first `n` bytes of the buffer given to [`Procedure::next`]
    /// and pass the response to [`Procedure::on_response`].
    Transmit(usize),
    /// The entry is private: call [`Procedure::supply_pin`] (its authId is
    /// [`Procedure::pin_auth_id`]) or give up.
    NeedPin,
    /// Finished: call [`Procedure::finish`].
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    SelectDir,
    ReadDir,
    OpenChannel,
    SelectApp,
    InitUpdate,
    ExtAuth,
    SelectOdf,
    ReadOdf,
    SelectDodf,
    ReadDodf,
    NeedPin,
    Verify,
    SelectBoot,
    ReadBoot,
    CloseChannel,
    Done,
    Failed,
}

impl Phase {
    const fn step(self) -> StepName {
        match self {
            Phase::SelectDir => StepName::SelectDir,
            Phase::ReadDir => StepName::ReadDir,
            Phase::OpenChannel => StepName::OpenChannel,
            Phase::SelectApp => StepName::SelectApplication,
            Phase::InitUpdate => StepName::InitializeUpdate,
            Phase::ExtAuth => StepName::ExternalAuthenticate,
            Phase::SelectOdf => StepName::SelectOdf,
            Phase::ReadOdf => StepName::ReadOdf,
            Phase::SelectDodf => StepName::SelectDodf,
            Phase::ReadDodf => StepName::ReadDodf,
            Phase::NeedPin | Phase::Verify => StepName::Verify,
            Phase::SelectBoot => StepName::SelectBootstrap,
            Phase::ReadBoot => StepName::ReadBootstrap,
            Phase::CloseChannel | Phase::Done | Phase::Failed => StepName::CloseChannel,
        }
    }
}

/// The range of a file being read: bytes `[pos, end)`, or records.
#[derive(Debug, Clone, Copy, Default)]
struct FileRead {
    pos: usize,
    end: usize,
    /// `(record length, record count, next record number)` for record files.
    records: Option<(usize, u16, u16)>,
}

#[derive(Debug, Clone, Copy)]
struct Target {
    path: Bytes16,
    dodf: Bytes16,
    entry: usize,
    rule: BootstrapRule,
    index_length: Option<IndexLength>,
    private: bool,
    auth_id: Bytes16,
}

const CMD_MAX: usize = 300;
const RESP_MAX: usize = 1100;
/// `61xx` continuations one command may take: enough for a response of
/// `RESP_MAX` bytes in 256-byte pieces (plus the first, empty, `61xx`), so a
/// card cannot keep the procedure fetching forever.
const MAX_GET_RESPONSES: u8 = (RESP_MAX / 256 + 2) as u8;
const MAX_DODFS: usize = 4;

/// The procedure's state. Create it with [`Procedure::new`], alternate
/// [`Procedure::next`] and [`Procedure::on_response`], then
/// [`Procedure::finish`].
pub struct Procedure<'k, 'w> {
    keys: &'k StaticKeys,
    cfg: Config,
    ws: &'w mut [u8],
    phase: Phase,
    channel: u8,
    handshake: Option<HostHandshake>,
    pending: Option<PendingSession>,
    session: Option<HostSession>,
    level: Option<SecurityLevel>,
    aid: Bytes16,
    app_path: Bytes16,
    dodfs: [Bytes16; MAX_DODFS],
    n_dodfs: usize,
    dodf_index: usize,
    target: Option<Target>,
    file: FileRead,
    file_len: usize,
    digest: [u8; 32],
    cmd: [u8; CMD_MAX],
    cmd_len: usize,
    cmd_wrapped: bool,
    awaiting: bool,
    acc: [u8; RESP_MAX],
    acc_len: usize,
    get_response: Option<u16>,
    resend_le: Option<u16>,
    /// `61xx` answers to the current command so far.
    get_responses: u8,
    /// The current command was already re-sent after a `6Cxx`.
    resent: bool,
    pin: Option<(u8, Bytes16)>,
    apdus: u32,
}

impl fmt::Debug for Procedure<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Procedure")
            .field("phase", &self.phase)
            .field("channel", &self.channel)
            .field("level", &self.level)
            .field("apdus", &self.apdus)
            .finish_non_exhaustive()
    }
}

/// Parsed FCP (ISO 7816-4 5.3.3): data size and record structure.
struct Fcp {
    size: Option<usize>,
    records: Option<(usize, u16)>,
}

fn parse_fcp(data: &[u8]) -> Option<Fcp> {
    use crate::ber::{Element, Tag};
    let (fcp, _) = Element::parse(data).ok()?;
    if fcp.tag() != Tag::application(2, true) {
        return None;
    }
    let mut out = Fcp {
        size: None,
        records: None,
    };
    let mut total = None;
    for c in fcp.children() {
        let c = c.ok()?;
        let v = c.value();
        let be = |b: &[u8]| {
            b.iter()
                .take(4)
                .fold(0usize, |a, &x| (a << 8) | usize::from(x))
        };
        match c.tag().first_byte() {
            0x80 => out.size = Some(be(v)),
            0x81 => total = Some(be(v)),
            0x82 => {
                // File descriptor byte: b3..b1 = 010..110 record structures.
                let d = *v.first()?;
                let structure = d & 0x07;
                if (2..=6).contains(&structure) && d & 0x38 != 0x38 {
                    let rec_len = match v.get(2..4) {
                        Some(r) => be(r),
                        None => 0,
                    };
                    let count = match v.get(4..) {
                        Some([n]) => u16::from(*n),
                        Some([a, b]) => u16::from_be_bytes([*a, *b]),
                        _ => 0,
                    };
                    if rec_len > 0 {
                        out.records = Some((rec_len, count));
                    }
                }
            }
            _ => {}
        }
    }
    if out.size.is_none() {
        out.size = total;
    }
    Some(out)
}

fn host_config<'a>(
    cfg: &Config,
    channel: u8,
    aid: &'a Bytes16,
    level: SecurityLevel,
) -> HostConfig<'a> {
    HostConfig {
        level,
        mode: cfg.mode,
        channel,
        card_aid: Some(aid.as_bytes()),
    }
}

impl<'k, 'w> Procedure<'k, 'w> {
    /// A procedure with the static keys of the card's security domain and a
    /// workspace for file contents (the largest file read: the bootstrap
    /// file is at most 32 KB).
    pub fn new(keys: &'k StaticKeys, cfg: Config, workspace: &'w mut [u8]) -> Self {
        Procedure {
            keys,
            cfg,
            ws: workspace,
            phase: Phase::SelectDir,
            channel: 0,
            handshake: None,
            pending: None,
            session: None,
            level: None,
            aid: Bytes16::default(),
            app_path: Bytes16::default(),
            dodfs: [Bytes16::default(); MAX_DODFS],
            n_dodfs: 0,
            dodf_index: 0,
            target: None,
            file: FileRead::default(),
            file_len: 0,
            digest: [0; 32],
            cmd: [0; CMD_MAX],
            cmd_len: 0,
            cmd_wrapped: false,
            awaiting: false,
            acc: [0; RESP_MAX],
            acc_len: 0,
            get_response: None,
            resend_le: None,
            get_responses: 0,
            resent: false,
            pin: None,
            apdus: 0,
        }
    }

    /// The authId of the private entry when [`Step::NeedPin`] was returned.
    pub fn pin_auth_id(&self) -> Option<&[u8]> {
        match (&self.target, self.phase) {
            (Some(t), Phase::NeedPin) => Some(t.auth_id.as_bytes()),
            _ => None,
        }
    }

    /// Give the PIN (at most 16 bytes, already formatted as the card wants)
    /// and its reference (VERIFY P2) for a private entry.
    pub fn supply_pin(&mut self, reference: u8, pin: &[u8]) -> Result<(), ProcedureError> {
        if self.phase != Phase::NeedPin {
            return Err(ProcedureError::OutOfOrder);
        }
        let p = Bytes16::new(pin).ok_or(ProcedureError::BufferTooSmall)?;
        self.pin = Some((reference, p));
        self.phase = Phase::Verify;
        Ok(())
    }

    /// APDUs exchanged so far.
    pub const fn apdus(&self) -> u32 {
        self.apdus
    }

    fn fail<T>(&mut self, e: ProcedureError) -> Result<T, ProcedureError> {
        self.phase = Phase::Failed;
        if let Some(s) = self.session.as_mut() {
            s.terminate();
        }
        Err(e)
    }

    fn app_cla(&self) -> u8 {
        class_on_channel(0x00, self.channel, false).unwrap_or(0x00)
    }

    /// Stage a plain command (`wrap`: send it through the secure channel).
    fn stage(&mut self, c: crate::apdu::Command<'_>, wrap: bool) -> Result<(), ProcedureError> {
        let n = c
            .encode(&mut self.cmd)
            .map_err(|_| ProcedureError::BufferTooSmall)?;
        self.cmd_len = n;
        self.cmd_wrapped = wrap;
        self.get_responses = 0;
        self.resent = false;
        Ok(())
    }

    fn stage_select_path(&mut self, path: &[u8], wrap: bool) -> Result<(), ProcedureError> {
        let cla = self.app_cla();
        let (p1, data) = match path {
            [_, _] => (0x00, path),
            [0x3F, 0x00, rest @ ..] => (0x08, rest),
            [0x3F, 0xFF, rest @ ..] => (0x09, rest),
            _ => (0x09, path),
        };
        self.stage(cmd(cla, 0xA4, p1, 0x04, data, Some(256)), wrap)
    }

    fn stage_read(&mut self, wrap: bool, cla: u8) -> Result<(), ProcedureError> {
        if let Some((len, _, rec)) = self.file.records {
            let le = u16::try_from(len).unwrap_or(256).min(256);
            return self.stage(cmd(cla, 0xB2, rec as u8, 0x04, &[], Some(le)), wrap);
        }
        let chunk = usize::from(self.cfg.read_chunk.clamp(1, 1024));
        let n = (self.file.end - self.file.pos).min(chunk);
        let off = self.file.pos;
        if off > 0x7FFF {
            return self.fail(ProcedureError::FileTooLarge {
                step: self.phase.step(),
                size: self.file.end,
                capacity: 0x7FFF,
            });
        }
        self.stage(
            cmd(cla, 0xB0, (off >> 8) as u8, off as u8, &[], Some(n as u16)),
            wrap,
        )
    }

    /// The next command into `out` (at least 300 bytes; more for extended
    /// reads), or what else the caller must do.
    pub fn next(&mut self, out: &mut [u8]) -> Result<Step, ProcedureError> {
        if self.awaiting {
            return Err(ProcedureError::OutOfOrder);
        }
        // Transport-level continuations: never wrapped.
        if let Some(le) = self.get_response.take() {
            let cla = class_on_channel(0x00, self.last_channel(), false).unwrap_or(0);
            let le = if le == 0 { 256 } else { le };
            let c = crate::apdu::Command::new(cla, 0xC0, 0x00, 0x00, &[], Some(u32::from(le)));
            let n = c.encode(out).map_err(|_| ProcedureError::BufferTooSmall)?;
            return Ok(self.sent(n));
        }
        if let Some(le) = self.resend_le.take() {
            // Only plain commands are re-sent (6Cxx): patch Le.
            let le = if le == 0 { 256 } else { le };
            let c = crate::apdu::Command::parse(self.cmd.get(..self.cmd_len).unwrap_or(&[]))
                .map_err(|_| ProcedureError::OutOfOrder)?;
            let c = crate::apdu::Command {
                le: Some(u32::from(le)),
                ..c
            };
            let n = c.encode(out).map_err(|_| ProcedureError::BufferTooSmall)?;
            return Ok(self.sent(n));
        }
        let wrap = self.session.is_some();
        match self.phase {
            Phase::Done => return Ok(Step::Done),
            Phase::Failed => return Err(ProcedureError::OutOfOrder),
            Phase::NeedPin => return Ok(Step::NeedPin),
            Phase::SelectDir => {
                self.stage(cmd(0x00, 0xA4, 0x00, 0x04, &[0x2F, 0x00], Some(256)), false)?
            }
            Phase::ReadDir => self.stage_read(false, 0x00)?,
            Phase::OpenChannel => self.stage(cmd(0x00, 0x70, 0x00, 0x00, &[], Some(1)), false)?,
            Phase::SelectApp => {
                let aid = self.aid;
                self.stage(
                    cmd(self.app_cla(), 0xA4, 0x04, 0x04, aid.as_bytes(), Some(256)),
                    false,
                )?
            }
            Phase::InitUpdate => {
                let hc = self.cfg.host_challenge;
                let m = self.cfg.mode.size();
                let aid = self.aid;
                let hcfg = host_config(&self.cfg, self.channel, &aid, self.cfg.level);
                let (hs, n) = match HostHandshake::start(
                    self.keys,
                    &hcfg,
                    hc.get(..m).unwrap_or(&[]),
                    &mut self.cmd,
                ) {
                    Ok(x) => x,
                    Err(e) => {
                        return self.fail(ProcedureError::SecureChannel {
                            step: StepName::InitializeUpdate,
                            error: e,
                        })
                    }
                };
                self.handshake = Some(hs);
                self.cmd_len = n;
                self.cmd_wrapped = false;
            }
            // The EA command was built when the IU response was checked.
            Phase::ExtAuth => self.cmd_wrapped = false,
            Phase::SelectOdf => self.stage(
                cmd(self.app_cla(), 0xA4, 0x00, 0x04, &[0x50, 0x31], Some(256)),
                wrap,
            )?,
            Phase::ReadOdf | Phase::ReadDodf | Phase::ReadBoot => {
                self.stage_read(wrap, self.app_cla())?
            }
            Phase::SelectDodf => {
                let p = self.dodfs.get(self.dodf_index).copied().unwrap_or_default();
                self.stage_select_path(p.as_bytes(), wrap)?
            }
            Phase::Verify => {
                let (reference, pin) = self.pin.unwrap_or_default();
                self.stage(
                    cmd(self.app_cla(), 0x20, 0x00, reference, pin.as_bytes(), None),
                    wrap,
                )?
            }
            Phase::SelectBoot => {
                let p = self.target.map(|t| t.path).unwrap_or_default();
                self.stage_select_path(p.as_bytes(), wrap)?
            }
            Phase::CloseChannel => {
                let ch = self.channel;
                self.stage(cmd(0x00, 0x70, 0x80, ch, &[], None), false)?
            }
        }
        let cmd = self.cmd.get(..self.cmd_len).unwrap_or(&[]);
        let n = if self.cmd_wrapped {
            match self.session.as_mut() {
                Some(s) => match s.wrap(cmd, out) {
                    Ok(n) => n,
                    Err(Scp03Error::BufferTooSmall { .. }) => {
                        return Err(ProcedureError::BufferTooSmall)
                    }
                    Err(e) => {
                        let step = self.phase.step();
                        return self.fail(ProcedureError::SecureChannel { step, error: e });
                    }
                },
                None => return Err(ProcedureError::OutOfOrder),
            }
        } else {
            let dst = out
                .get_mut(..cmd.len())
                .ok_or(ProcedureError::BufferTooSmall)?;
            dst.copy_from_slice(cmd);
            cmd.len()
        };
        Ok(self.sent(n))
    }

    fn sent(&mut self, n: usize) -> Step {
        self.awaiting = true;
        self.apdus = self.apdus.saturating_add(1);
        Step::Transmit(n)
    }

    fn last_channel(&self) -> u8 {
        self.cmd.first().map_or(0, |&c| crate::apdu::channel_of(c))
    }

    /// The card's response to the last command (data and SW).
    pub fn on_response(&mut self, response: &[u8]) -> Result<(), ProcedureError> {
        if !self.awaiting {
            return Err(ProcedureError::OutOfOrder);
        }
        self.awaiting = false;
        let step = self.phase.step();
        let Some((data, sw)) = split_response(response) else {
            return self.fail(ProcedureError::MalformedResponse {
                step,
                what: "response shorter than a status word",
            });
        };
        match sw >> 8 {
            0x61 => {
                // More data: keep what came, fetch the rest with GET RESPONSE.
                if self.get_responses >= MAX_GET_RESPONSES {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "61xx without end",
                    });
                }
                self.get_responses += 1;
                let end = self.acc_len + data.len();
                let Some(dst) = self.acc.get_mut(self.acc_len..end) else {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "response too long",
                    });
                };
                dst.copy_from_slice(data);
                self.acc_len = end;
                self.get_response = Some(sw & 0xFF);
                return Ok(());
            }
            0x6C if !self.cmd_wrapped && self.acc_len == 0 => {
                // Once: a card that refuses the Le it asked for is broken.
                if self.resent {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "6Cxx again after re-sending with that Le",
                    });
                }
                self.resent = true;
                self.resend_le = Some(sw & 0xFF);
                return Ok(());
            }
            _ => {}
        }
        // The whole response: what GET RESPONSE gathered, then this piece.
        let end = self.acc_len + data.len();
        let Some(dst) = self.acc.get_mut(self.acc_len..end) else {
            return self.fail(ProcedureError::MalformedResponse {
                step,
                what: "response too long",
            });
        };
        dst.copy_from_slice(data);
        self.acc_len = 0;
        let (len, sw) = if self.cmd_wrapped {
            let mut whole = [0u8; RESP_MAX + 2];
            let Some(w) = whole.get_mut(..end + 2) else {
                return self.fail(ProcedureError::MalformedResponse {
                    step,
                    what: "response too long",
                });
            };
            let (d, s) = w.split_at_mut(end);
            d.copy_from_slice(self.acc.get(..end).unwrap_or(&[]));
            s.copy_from_slice(&sw.to_be_bytes());
            let r = match self.session.as_mut() {
                Some(sess) => sess.unwrap(w, &mut self.acc),
                None => return self.fail(ProcedureError::OutOfOrder),
            };
            match r {
                Ok(r) => (r.len, r.sw),
                Err(e) => return self.fail(ProcedureError::SecureChannel { step, error: e }),
            }
        } else {
            (end, sw)
        };
        self.handle(len, sw)
    }

    fn ok_status(sw: u16) -> bool {
        sw == 0x9000 || (sw >> 8) == 0x62 || (sw >> 8) == 0x63
    }

    /// Dispatch a complete response (data in `acc[..len]`).
    fn handle(&mut self, len: usize, sw: u16) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        match self.phase {
            Phase::SelectDir | Phase::SelectOdf | Phase::SelectDodf | Phase::SelectBoot => {
                if !Self::ok_status(sw) {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                let Some(fcp) = parse_fcp(self.acc.get(..len).unwrap_or(&[])) else {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "no FCP (62) in the SELECT response",
                    });
                };
                self.begin_read(fcp)
            }
            Phase::ReadDir | Phase::ReadOdf | Phase::ReadDodf | Phase::ReadBoot => {
                if let (Some(_), 0x6A83) = (self.file.records, sw) {
                    return self.end_of_file();
                }
                if !Self::ok_status(sw) {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.take_data(len)
            }
            Phase::OpenChannel => {
                if sw != 0x9000 {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                match self.acc.get(..len) {
                    Some([c]) if (1..=19).contains(c) => {
                        self.channel = *c;
                        self.phase = Phase::SelectApp;
                        Ok(())
                    }
                    _ => self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "no channel number",
                    }),
                }
            }
            Phase::SelectApp => {
                if !Self::ok_status(sw) {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = if self.cfg.policy == SecurePolicy::Off {
                    Phase::SelectOdf
                } else {
                    Phase::InitUpdate
                };
                Ok(())
            }
            Phase::InitUpdate => self.on_initialize_update(len, sw),
            Phase::ExtAuth => {
                let Some(p) = self.pending.take() else {
                    return self.fail(ProcedureError::OutOfOrder);
                };
                match p.confirm(sw) {
                    Ok(s) => {
                        self.level = Some(s.level());
                        self.session = Some(s);
                        self.phase = Phase::SelectOdf;
                        Ok(())
                    }
                    Err(e) => self.fail(ProcedureError::SecureChannel { step, error: e }),
                }
            }
            Phase::Verify => {
                if sw != 0x9000 {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = Phase::SelectBoot;
                Ok(())
            }
            Phase::CloseChannel => {
                // The data is read and checked; a refusal to close changes nothing.
                self.session = None;
                self.phase = Phase::Done;
                Ok(())
            }
            Phase::NeedPin | Phase::Done | Phase::Failed => self.fail(ProcedureError::OutOfOrder),
        }
    }

    fn on_initialize_update(&mut self, len: usize, sw: u16) -> Result<(), ProcedureError> {
        let step = StepName::InitializeUpdate;
        if sw != 0x9000 {
            self.handshake = None;
            if self.cfg.policy == SecurePolicy::IfOffered {
                self.phase = Phase::SelectOdf;
                return Ok(());
            }
            return self.fail(ProcedureError::Status { step, sw });
        }
        let mut resp = [0u8; 64];
        let Some(r) = resp.get_mut(..len) else {
            return self.fail(ProcedureError::MalformedResponse {
                step,
                what: "IU response too long",
            });
        };
        r.copy_from_slice(self.acc.get(..len).unwrap_or(&[]));
        let r = &resp[..len];
        let Some(hs) = self.handshake.take() else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        let first = hs.authenticate(self.keys, r, &mut self.cmd);
        let result = match first {
            Err(Scp03Error::LevelNotOffered { i, .. })
                if self.cfg.policy == SecurePolicy::IfOffered =>
            {
                // The best level the card offers, no more than the one asked for.
                let wanted = self.cfg.level.bits();
                let fallback = [
                    SecurityLevel::ALL,
                    SecurityLevel::C_DEC_R_MAC,
                    SecurityLevel::C_MAC_R_MAC,
                    SecurityLevel::C_DEC,
                    SecurityLevel::C_MAC,
                ]
                .into_iter()
                .find(|l| l.bits() & wanted == l.bits() && l.offered_by(i));
                match fallback {
                    Some(level) => {
                        let hc = self.cfg.host_challenge;
                        let m = self.cfg.mode.size();
                        let aid = self.aid;
                        let hcfg = host_config(&self.cfg, self.channel, &aid, level);
                        let mut scratch = [0u8; 32];
                        match HostHandshake::start(
                            self.keys,
                            &hcfg,
                            hc.get(..m).unwrap_or(&[]),
                            &mut scratch,
                        ) {
                            Ok((hs2, _)) => hs2.authenticate(self.keys, r, &mut self.cmd),
                            Err(e) => Err(e),
                        }
                    }
                    None => Err(Scp03Error::LevelNotOffered { level: wanted, i }),
                }
            }
            other => other,
        };
        match result {
            Ok((pending, n)) => {
                self.pending = Some(pending);
                self.cmd_len = n;
                self.phase = Phase::ExtAuth;
                Ok(())
            }
            Err(e) => self.fail(ProcedureError::SecureChannel { step, error: e }),
        }
    }

    fn begin_read(&mut self, fcp: Fcp) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let cap = self.ws.len();
        if let (Phase::SelectDir, Some((rec_len, count))) = (self.phase, fcp.records) {
            self.file = FileRead {
                pos: 0,
                end: cap,
                records: Some((rec_len, count, 1)),
            };
        } else {
            let Some(size) = fcp.size else {
                return self.fail(ProcedureError::MalformedResponse {
                    step,
                    what: "FCP without file size (80)",
                });
            };
            let (start, end) = match (self.phase, self.target.and_then(|t| t.index_length)) {
                (Phase::SelectBoot, Some(il)) => {
                    let s = usize::try_from(il.index).unwrap_or(usize::MAX).min(size);
                    (
                        s,
                        s.saturating_add(usize::try_from(il.length).unwrap_or(0))
                            .min(size),
                    )
                }
                _ => (0, size),
            };
            if end - start > cap {
                return self.fail(ProcedureError::FileTooLarge {
                    step,
                    size: end - start,
                    capacity: cap,
                });
            }
            self.file = FileRead {
                pos: start,
                end,
                records: None,
            };
        }
        self.file_len = 0;
        self.phase = match self.phase {
            Phase::SelectDir => Phase::ReadDir,
            Phase::SelectOdf => Phase::ReadOdf,
            Phase::SelectDodf => Phase::ReadDodf,
            _ => Phase::ReadBoot,
        };
        if self.file.records.is_none() && self.file.pos >= self.file.end {
            return self.end_of_file();
        }
        Ok(())
    }

    fn take_data(&mut self, len: usize) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let start = self.file_len;
        let end = start + len;
        let Some(dst) = self.ws.get_mut(start..end) else {
            let cap = self.ws.len();
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: end,
                capacity: cap,
            });
        };
        dst.copy_from_slice(self.acc.get(..len).unwrap_or(&[]));
        self.file_len = end;
        match &mut self.file.records {
            Some((_, count, next)) => {
                *next += 1;
                if *count != 0 && *next > *count {
                    return self.end_of_file();
                }
                Ok(())
            }
            None => {
                if len == 0 {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "READ BINARY returned no data",
                    });
                }
                self.file.pos += len;
                if self.file.pos > self.file.end {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "more data than asked",
                    });
                }
                if self.file.pos == self.file.end {
                    return self.end_of_file();
                }
                Ok(())
            }
        }
    }

    /// A whole file is in `ws[..file_len]`: act on it.
    fn end_of_file(&mut self) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let bytes = self.ws.get(..self.file_len).unwrap_or(&[]);
        match self.phase {
            Phase::ReadDir => {
                let dir = match EfDir::parse(bytes) {
                    Ok(d) => d,
                    Err(e) => return self.fail(ProcedureError::Parse { step, error: e }),
                };
                let Some(app) = dir.pkcs15() else {
                    return self.fail(ProcedureError::NoPkcs15Application);
                };
                let Some(path) = app.path.and_then(Bytes16::new) else {
                    return self.fail(ProcedureError::NoApplicationPath);
                };
                let Some(aid) = Bytes16::new(app.aid) else {
                    return self.fail(ProcedureError::NoPkcs15Application);
                };
                self.aid = aid;
                self.app_path = path;
                self.phase = if self.cfg.logical_channel {
                    Phase::OpenChannel
                } else {
                    Phase::SelectApp
                };
            }
            Phase::ReadOdf => {
                let odf = match Odf::parse(bytes) {
                    Ok(o) => o,
                    Err(e) => return self.fail(ProcedureError::Parse { step, error: e }),
                };
                let mut n = 0;
                for p in odf.data_object_paths() {
                    if let (Some(slot), Some(b)) = (self.dodfs.get_mut(n), Bytes16::new(p.path)) {
                        *slot = b;
                        n += 1;
                    }
                }
                if n == 0 {
                    return self.fail(ProcedureError::NoDataObjectDirectory);
                }
                self.n_dodfs = n;
                self.dodf_index = 0;
                self.phase = Phase::SelectDodf;
            }
            Phase::ReadDodf => {
                let dodf = match Dodf::parse(bytes) {
                    Ok(d) => d,
                    Err(e) => return self.fail(ProcedureError::Parse { step, error: e }),
                };
                match dodf.find_lwm2m_bootstrap() {
                    Some(m) => {
                        let ObjectValue::Path(p) = m.object.value else {
                            return self.fail(ProcedureError::UnsupportedValue);
                        };
                        let flags = m.object.common.flags.unwrap_or_default();
                        let dodf_path =
                            self.dodfs.get(self.dodf_index).copied().unwrap_or_default();
                        self.target = Some(Target {
                            path: Bytes16::new(p.path).unwrap_or_default(),
                            dodf: dodf_path,
                            entry: m.entry,
                            rule: m.rule,
                            index_length: p.index_length,
                            private: flags.private(),
                            auth_id: m
                                .object
                                .common
                                .auth_id
                                .and_then(Bytes16::new)
                                .unwrap_or_default(),
                        });
                        self.phase = if flags.private() {
                            if self.pin.is_some() {
                                Phase::Verify
                            } else {
                                Phase::NeedPin
                            }
                        } else {
                            Phase::SelectBoot
                        };
                    }
                    None => {
                        self.dodf_index += 1;
                        if self.dodf_index >= self.n_dodfs {
                            return self.fail(ProcedureError::NoBootstrapEntry);
                        }
                        self.phase = Phase::SelectDodf;
                    }
                }
            }
            Phase::ReadBoot => {
                let file = match BootstrapFile::parse(bytes) {
                    Ok(f) => f,
                    Err(e) => return self.fail(ProcedureError::Parse { step, error: e }),
                };
                let applied = bytes.get(..4 + file.size()).unwrap_or(bytes);
                self.digest = Sha256::digest(applied).into();
                self.phase = if self.channel != 0 {
                    Phase::CloseChannel
                } else {
                    self.session = None;
                    Phase::Done
                };
            }
            _ => return self.fail(ProcedureError::OutOfOrder),
        }
        Ok(())
    }

    /// The result, once [`Procedure::next`] returned [`Step::Done`].
    pub fn finish(self) -> Result<Bootstrap<'w>, ProcedureError> {
        if self.phase != Phase::Done {
            return Err(ProcedureError::OutOfOrder);
        }
        let Some(t) = self.target else {
            return Err(ProcedureError::OutOfOrder);
        };
        let ws: &'w [u8] = self.ws;
        let bytes = ws.get(..self.file_len).unwrap_or(&[]);
        let file = BootstrapFile::parse(bytes).map_err(|e| ProcedureError::Parse {
            step: StepName::ReadBootstrap,
            error: e,
        })?;
        Ok(Bootstrap {
            file,
            provenance: Provenance {
                aid: self.aid,
                application_path: self.app_path,
                channel: self.channel,
                level: self.level,
                dodf_path: t.dodf,
                entry: t.entry,
                rule: t.rule,
                file_path: t.path,
                index_length: t.index_length,
                private: t.private,
                digest: self.digest,
                apdus: self.apdus,
            },
        })
    }
}

/// A failure of [`run`]: the transport's, or the procedure's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError<E> {
    /// The transport failed (card removed, reader gone).
    Card(E),
    /// The procedure stopped.
    Procedure(ProcedureError),
}

impl<E> RunError<E> {
    /// Whether the card, or its bootstrap information, is gone: what was
    /// provisioned from it must be deleted.
    pub fn card_removed(&self) -> bool {
        match self {
            RunError::Card(_) => true,
            RunError::Procedure(p) => p.data_removed(),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for RunError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Card(e) => write!(f, "card transport: {e:?}"),
            RunError::Procedure(p) => write!(f, "{p}"),
        }
    }
}

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
    let mut cmd = [0u8; 1200];
    let mut resp = [0u8; 1200];
    loop {
        match p.next(&mut cmd).map_err(RunError::Procedure)? {
            Step::Transmit(n) => {
                let m = card
                    .transmit(cmd.get(..n).unwrap_or(&[]), &mut resp)
                    .map_err(RunError::Card)?;
                p.on_response(resp.get(..m).unwrap_or(&[]))
                    .map_err(RunError::Procedure)?;
            }
            Step::NeedPin => match pin {
                Some((reference, value)) => p
                    .supply_pin(reference, value)
                    .map_err(RunError::Procedure)?,
                None => return Err(RunError::Procedure(ProcedureError::PinRequired)),
            },
            Step::Done => return p.finish().map_err(RunError::Procedure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn fcp_sizes_and_record_structures() {
        // 80: data size 0x0123; 82: transparent.
        let f = parse_fcp(&[0x62, 0x07, 0x80, 0x02, 0x01, 0x23, 0x82, 0x01, 0x01]).unwrap();
        assert_eq!((f.size, f.records), (Some(0x0123), None));
        // 81 (total size) stands in for a missing 80; 80 wins when both are there.
        let f = parse_fcp(&[0x62, 0x04, 0x81, 0x02, 0x02, 0x00]).unwrap();
        assert_eq!(f.size, Some(0x200));
        let f = parse_fcp(&[0x62, 0x08, 0x81, 0x02, 0x02, 0x00, 0x80, 0x02, 0x00, 0x10]).unwrap();
        assert_eq!(f.size, Some(0x10));
        // Linear fixed (02), record length 0x0020, 5 records (one count byte).
        let f = parse_fcp(&[0x62, 0x07, 0x82, 0x05, 0x02, 0x21, 0x00, 0x20, 0x05]).unwrap();
        assert_eq!(f.records, Some((0x20, 5)));
        // Two count bytes: 0x0102 records.
        let f = parse_fcp(&[0x62, 0x08, 0x82, 0x06, 0x05, 0x21, 0x00, 0x30, 0x01, 0x02]).unwrap();
        assert_eq!(f.records, Some((0x30, 0x0102)));
        // No count: 0 records; record length 0: not a record file.
        let f = parse_fcp(&[0x62, 0x06, 0x82, 0x04, 0x06, 0x21, 0x00, 0x08]).unwrap();
        assert_eq!(f.records, Some((8, 0)));
        let f = parse_fcp(&[0x62, 0x06, 0x82, 0x04, 0x02, 0x21, 0x00, 0x00]).unwrap();
        assert_eq!(f.records, None);
        // Structures 1 (transparent), 7 and the DF bits 111xxx are not records.
        for d in [0x01, 0x07, 0x38 | 0x02] {
            let f = parse_fcp(&[0x62, 0x06, 0x82, 0x04, d, 0x21, 0x00, 0x08]).unwrap();
            assert_eq!(f.records, None, "descriptor {d:02X}");
        }
        // Not an FCP template, or malformed inside.
        assert!(parse_fcp(&[0x6F, 0x00]).is_none());
        assert!(parse_fcp(&[]).is_none());
        assert!(parse_fcp(&[0x62, 0x02, 0x82, 0x00]).is_none());
        assert!(parse_fcp(&[0x62, 0x03, 0x80, 0x05, 0x00]).is_none());
    }

    #[test]
    fn errors_say_which_step_and_what() {
        let cases = [
            (
                ProcedureError::Status {
                    step: StepName::ReadOdf,
                    sw: 0x6982,
                },
                "read EF.ODF: card answered 6982",
            ),
            (
                ProcedureError::FileTooLarge {
                    step: StepName::ReadBootstrap,
                    size: 40000,
                    capacity: 32768,
                },
                "read bootstrap file: file of 40000 bytes, workspace holds 32768",
            ),
            (
                ProcedureError::NoPkcs15Application,
                "EF.DIR has no PKCS#15 application",
            ),
            (ProcedureError::OutOfOrder, "procedure call out of order"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
        let r: RunError<&str> = RunError::Card("gone");
        assert_eq!(format!("{r}"), "card transport: \"gone\"");
        let r: RunError<&str> = RunError::Procedure(ProcedureError::OutOfOrder);
        assert_eq!(format!("{r}"), "procedure call out of order");
    }

    fn demo_keys() -> StaticKeys {
        StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16]).unwrap()
    }

    /// A hostile card cannot keep the procedure busy: a second `6Cxx` for
    /// the same command, or `61xx` answers without end, fail the run.
    #[test]
    fn continuation_loops_are_bounded() {
        let keys = demo_keys();
        let mut out = [0u8; 1200];
        // 6Cxx, re-send, 6Cxx again.
        let mut ws = [0u8; 64];
        let mut p = Procedure::new(&keys, Config::new([1; 16]), &mut ws);
        let Ok(Step::Transmit(n)) = p.next(&mut out) else {
            panic!("first command")
        };
        let first = out[..n].to_vec();
        assert_eq!(p.on_response(&[0x6C, 0x10]), Ok(()));
        let Ok(Step::Transmit(n)) = p.next(&mut out) else {
            panic!("re-sent command")
        };
        // The same command with Le = 0x10.
        assert_eq!(out[..n - 1], first[..first.len() - 1]);
        assert_eq!(out[n - 1], 0x10);
        assert_eq!(
            p.on_response(&[0x6C, 0x08]),
            Err(ProcedureError::MalformedResponse {
                step: StepName::SelectDir,
                what: "6Cxx again after re-sending with that Le",
            })
        );
        // 61xx with no data, forever: cut off after MAX_GET_RESPONSES.
        let mut ws = [0u8; 64];
        let mut p = Procedure::new(&keys, Config::new([2; 16]), &mut ws);
        let mut answered = 0;
        let err = loop {
            let Ok(Step::Transmit(_)) = p.next(&mut out) else {
                panic!("GET RESPONSE expected")
            };
            match p.on_response(&[0x61, 0x20]) {
                Ok(()) => answered += 1,
                Err(e) => break e,
            }
        };
        // 1100-byte responses in 256-byte pieces, plus the first empty 61xx.
        assert_eq!((MAX_GET_RESPONSES, answered), (6, 6));
        assert_eq!(
            err,
            ProcedureError::MalformedResponse {
                step: StepName::SelectDir,
                what: "61xx without end",
            }
        );
    }

    /// A `61xx` answer may carry part of the data (T=1 cards): the pieces
    /// are joined before the response is read.
    #[test]
    fn data_with_61xx_is_kept_and_joined() {
        let keys = demo_keys();
        let mut out = [0u8; 1200];
        let mut ws = [0u8; 64];
        let mut p = Procedure::new(&keys, Config::new([3; 16]), &mut ws);
        assert!(matches!(p.next(&mut out), Ok(Step::Transmit(_))));
        // The FCP of EF.DIR (62 07 | 80 02 00 10 | 82 01 01) in two pieces.
        assert_eq!(p.on_response(&[0x62, 0x07, 0x80, 0x02, 0x61, 0x05]), Ok(()));
        let Ok(Step::Transmit(n)) = p.next(&mut out) else {
            panic!("GET RESPONSE expected")
        };
        assert_eq!(out[..n], [0x00, 0xC0, 0x00, 0x00, 0x05]);
        assert_eq!(
            p.on_response(&[0x00, 0x10, 0x82, 0x01, 0x01, 0x90, 0x00]),
            Ok(())
        );
        // A transparent EF.DIR of 16 bytes: read it whole.
        let Ok(Step::Transmit(n)) = p.next(&mut out) else {
            panic!("READ BINARY expected")
        };
        assert_eq!(out[..n], [0x00, 0xB0, 0x00, 0x00, 0x10]);
    }

    /// 9000 and the warnings 62xx/63xx complete a step; nothing else does.
    #[test]
    fn which_status_words_complete_a_step() {
        for sw in [0x9000, 0x6200, 0x6282, 0x6283, 0x62FF, 0x6300, 0x63C2] {
            assert!(Procedure::ok_status(sw), "{sw:04X}");
        }
        for sw in [
            0x9001, 0x6100, 0x6400, 0x6A82, 0x6982, 0x6C10, 0x0062, 0x0063, 0x6000,
        ] {
            assert!(!Procedure::ok_status(sw), "{sw:04X}");
        }
    }

    /// Gone: the transport, the application, the DODF, the entry, or a
    /// SELECT answered "not found". Anything else is a fault, not a removal.
    #[test]
    fn which_failures_mean_the_card_data_is_gone() {
        let st = |step, sw| ProcedureError::Status { step, sw };
        let gone = [
            ProcedureError::NoPkcs15Application,
            ProcedureError::NoDataObjectDirectory,
            ProcedureError::NoBootstrapEntry,
            st(StepName::SelectDir, 0x6A82),
            st(StepName::SelectApplication, 0x6A82),
            st(StepName::SelectOdf, 0x6A86),
            st(StepName::SelectDodf, 0x6A88),
            st(StepName::SelectBootstrap, 0x6A82),
        ];
        for e in gone {
            assert!(e.data_removed(), "{e:?}");
            assert!(RunError::<()>::Procedure(e).card_removed());
        }
        let fault = [
            st(StepName::ReadBootstrap, 0x6A82),
            st(StepName::ExternalAuthenticate, 0x6982),
            st(StepName::SelectBootstrap, 0x6982),
            ProcedureError::PinRequired,
            ProcedureError::UnsupportedValue,
            ProcedureError::OutOfOrder,
        ];
        for e in fault {
            assert!(!e.data_removed(), "{e:?}");
            assert!(!RunError::<()>::Procedure(e).card_removed());
        }
        assert!(RunError::Card(()).card_removed());
    }
}
