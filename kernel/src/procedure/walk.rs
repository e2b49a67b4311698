//! The walk: EF.DIR, the application, the secure channel, EF.ODF, the
//! DODFs, the bootstrap file. Each phase is a variant that carries its own
//! data; a failure is sticky (every later call returns it).

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::error::{ProcedureError, StepName};
use super::exchange::{Exchange, ExchangeError, Reply, SecureChannel};
use super::{Bootstrap, Config, Pin, Provenance, SecurePolicy, Step};
use crate::apdu::{Command, StatusWord};
use crate::bootstrap::BootstrapFile;
use crate::bytes::Bytes16;
use crate::dir::EfDir;
use crate::dodf::{BootstrapRule, Dodf, ObjectValue};
use crate::fcp::FileControl;
use crate::odf::Odf;
use crate::path::IndexLength;
use crate::scp03::{HostConfig, HostHandshake, Scp03Error, SecurityLevel, StaticKeys};

/// DODFs followed (the first ones the ODF names).
const MAX_DODFS: usize = 4;
/// The bootstrap file's header: object count and size (LwM2M G.3).
const BOOTSTRAP_HEADER: usize = 4;
/// READ BINARY reaches offsets up to `7FFF` (P1 bit 8 is the SFI flag).
const MAX_OFFSET: usize = 0x7FFF;

/// Which file a [`CardFile`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// EF.DIR.
    EfDir,
    /// EF.ODF.
    Odf,
    /// EF.TokenInfo.
    TokenInfo,
    /// The n-th DODF the ODF names.
    Dodf(u8),
    /// The bootstrap file (its header and the data it announces).
    Bootstrap,
}

/// A file the walk has just read in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFile<'a> {
    /// Which file.
    pub kind: FileKind,
    /// Its path as selected (empty for EF.DIR, which is `2F00` under the MF).
    pub path: &'a [u8],
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// The last command sent, for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandView<'a> {
    /// The step it belongs to.
    pub step: StepName,
    /// The plain command (before the secure channel; for a GET RESPONSE or
    /// a re-send, empty: the wire bytes are the command).
    pub plain: &'a [u8],
    /// Whether it went through the secure channel.
    pub protected: bool,
    /// Whether its data is encrypted on the wire (C-DECRYPTION).
    pub encrypted: bool,
}

/// The last complete response, for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseView<'a> {
    /// The step it belongs to.
    pub step: StepName,
    /// The plain data (after R-MAC and R-ENC).
    pub data: &'a [u8],
    /// The status word.
    pub sw: StatusWord,
    /// Whether its data was encrypted on the wire (R-ENCRYPTION).
    pub encrypted: bool,
}

/// The range of a file being read: bytes `[pos, end)`, or records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct FileRead {
    pos: usize,
    end: usize,
    /// `(record length, record count, next record number)` for record files.
    records: Option<(usize, u16, u16)>,
    /// Bytes in the workspace so far.
    len: usize,
}

/// The walk's phases; each carries what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
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
    CloseChannel,
    Done,
    Failed(ProcedureError),
}

impl Phase {
    const fn step(&self) -> StepName {
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
            Phase::CloseChannel | Phase::Done | Phase::Failed(_) => StepName::CloseChannel,
        }
    }
}

/// The bootstrap entry found in a DODF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    path: Bytes16,
    dodf: Bytes16,
    entry: usize,
    rule: BootstrapRule,
    index_length: Option<IndexLength>,
    private: bool,
    auth_id: Bytes16,
}

/// The procedure's state. Create it with [`Procedure::new`], alternate
/// [`Procedure::next`] and [`Procedure::on_response`], then
/// [`Procedure::finish`].
pub struct Procedure<'k, 'w> {
    keys: &'k StaticKeys,
    cfg: Config,
    ws: &'w mut [u8],
    phase: Phase,
    x: Exchange,
    aid: Bytes16,
    app_path: Bytes16,
    dodfs: [Bytes16; MAX_DODFS],
    n_dodfs: u8,
    target: Option<Target>,
    /// The validated bootstrap file: object count, bytes read.
    file: Option<(u16, usize)>,
    digest: [u8; 32],
    /// The file completed by the last response, and its length.
    completed: Option<(FileKind, usize)>,
    /// The step of the last command sent.
    sent_step: StepName,
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

impl PinRequest<'_, '_, '_> {
    /// The entry's authId: which of the card's PINs protects it.
    pub fn auth_id(&self) -> &[u8] {
        self.p.target.as_ref().map_or(&[], |t| t.auth_id.as_bytes())
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

fn select_path(cla: u8, path: &[u8]) -> Command<'_> {
    let (p1, data) = match path {
        [_, _] => (0x00, path),
        [0x3F, 0x00, rest @ ..] => (0x08, rest),
        [0x3F, 0xFF, rest @ ..] => (0x09, rest),
        _ => (0x09, path),
    };
    Command::new(cla, 0xA4, p1, 0x04, data, Some(256))
}

/// The most data one short response carries at a level: 256 in the clear,
/// less the R-MAC, and under R-ENC less the padding (whole blocks, at
/// least one padding byte).
const fn short_read(level: Option<SecurityLevel>, mac: usize) -> usize {
    match level {
        Some(l) if l.r_enc() => (256 - mac) / 16 * 16 - 1,
        Some(l) if l.r_mac() => 256 - mac,
        _ => 256,
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
            x: Exchange::new(),
            aid: Bytes16::default(),
            app_path: Bytes16::default(),
            dodfs: [Bytes16::default(); MAX_DODFS],
            n_dodfs: 0,
            target: None,
            file: None,
            digest: [0; 32],
            completed: None,
            sent_step: StepName::SelectDir,
        }
    }

    /// APDUs exchanged so far.
    pub const fn apdus(&self) -> u32 {
        self.x.apdus()
    }

    /// The last command sent (after [`Step::Transmit`]), for a log.
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
        };
        Some(CardFile {
            kind,
            path,
            bytes: self.ws.get(..len)?,
        })
    }

    /// Fail for good: every later call returns `e`.
    fn fail<T>(&mut self, e: ProcedureError) -> Result<T, ProcedureError> {
        self.phase = Phase::Failed(e);
        self.x.end_secure_channel();
        Err(e)
    }

    fn exchange_error<T>(&mut self, e: ExchangeError) -> Result<T, ProcedureError> {
        let step = self.phase.step();
        match e {
            ExchangeError::Malformed(what) => {
                self.fail(ProcedureError::MalformedResponse { step, what })
            }
            ExchangeError::SecureChannel(error) => {
                self.fail(ProcedureError::SecureChannel { step, error })
            }
            ExchangeError::BufferTooSmall => Err(ProcedureError::BufferTooSmall),
            ExchangeError::OutOfOrder => Err(ProcedureError::OutOfOrder),
        }
    }

    /// The most bytes one READ BINARY asks for.
    fn read_size(&self) -> usize {
        let level_max = short_read(self.x.level(), self.cfg.mode.size());
        match usize::from(self.cfg.max_read.min(1024)) {
            0 => level_max,
            n if n <= 256 => n.min(level_max),
            n => n,
        }
    }

    fn stage(&mut self, c: &Command<'_>, protect: bool) -> Result<(), ProcedureError> {
        match self.x.stage(c, protect) {
            Ok(()) => Ok(()),
            Err(e) => self.exchange_error(e),
        }
    }

    fn stage_read(&mut self, f: FileRead) -> Result<(), ProcedureError> {
        let cla = self.x.cla();
        if let Some((len, _, rec)) = f.records {
            let le = u32::try_from(len).unwrap_or(256).min(256);
            let c = Command::new(cla, 0xB2, rec as u8, 0x04, &[], Some(le));
            return self.stage(&c, true);
        }
        let n = (f.end - f.pos).min(self.read_size());
        if f.pos > MAX_OFFSET {
            let step = self.phase.step();
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: f.end,
                capacity: MAX_OFFSET,
            });
        }
        let off = f.pos as u16;
        let [p1, p2] = off.to_be_bytes();
        let c = Command::new(cla, 0xB0, p1, p2, &[], Some(n as u32));
        self.stage(&c, true)
    }

    /// The next command into `out` (at least 128 bytes; more for extended
    /// reads), or what else the caller must do.
    pub fn next<'p>(&'p mut self, out: &mut [u8]) -> Result<Step<'p, 'k, 'w>, ProcedureError> {
        self.completed = None;
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        if !self.x.continuation_pending() {
            match self.stage_phase()? {
                Some(Halt::Finished) => return Ok(Step::Done),
                Some(Halt::Pin) => return Ok(Step::NeedPin(PinRequest { p: self })),
                None => {}
            }
        }
        self.sent_step = self.phase.step();
        match self.x.transmit(out) {
            Ok(n) => Ok(Step::Transmit(n)),
            Err(e) => self.exchange_error(e),
        }
    }

    /// Stage the command of the current phase (`Some` when there is none
    /// to send).
    fn stage_phase(&mut self) -> Result<Option<Halt>, ProcedureError> {
        let cla = self.x.cla();
        match self.phase {
            Phase::Done => return Ok(Some(Halt::Finished)),
            Phase::NeedPin => return Ok(Some(Halt::Pin)),
            Phase::Failed(e) => return Err(e),
            Phase::SelectDir => {
                let c = Command::new(0x00, 0xA4, 0x00, 0x04, &[0x2F, 0x00], Some(256));
                self.stage(&c, false)?;
            }
            Phase::ReadDir(f)
            | Phase::ReadOdf(f)
            | Phase::ReadTokenInfo(f)
            | Phase::ReadDodf(_, f)
            | Phase::ReadBootstrap(f) => self.stage_read(f)?,
            Phase::OpenChannel => {
                self.stage(&Command::new(0x00, 0x70, 0x00, 0x00, &[], Some(1)), false)?
            }
            Phase::SelectApplication => {
                let aid = self.aid;
                self.stage(
                    &Command::new(cla, 0xA4, 0x04, 0x04, aid.as_bytes(), Some(256)),
                    false,
                )?
            }
            Phase::InitializeUpdate => {
                let level = self.cfg.level;
                let r = self.start_handshake(level, true);
                if let Err(error) = r {
                    return self.fail(ProcedureError::SecureChannel {
                        step: StepName::InitializeUpdate,
                        error,
                    });
                }
            }
            // EXTERNAL AUTHENTICATE was built when the IU response was checked.
            Phase::ExternalAuthenticate => {}
            Phase::SelectOdf => self.stage(&select_path(cla, &[0x50, 0x31]), true)?,
            Phase::SelectTokenInfo => self.stage(&select_path(cla, &[0x50, 0x32]), true)?,
            Phase::SelectDodf(i) => {
                let p = self.dodfs.get(usize::from(i)).copied().unwrap_or_default();
                self.stage(&select_path(cla, p.as_bytes()), true)?
            }
            Phase::Verify { reference, pin } => {
                let c = Command::new(cla, 0x20, 0x00, reference, pin.as_bytes(), None);
                let r = self.stage(&c, true);
                // The PIN leaves the procedure's state: only the staged
                // command holds it until the card has answered.
                if let Phase::Verify { pin, .. } = &mut self.phase {
                    pin.zeroize();
                }
                let mut copy = pin;
                copy.zeroize();
                if r.is_ok() {
                    self.phase = Phase::Verifying;
                }
                r?
            }
            Phase::Verifying => return Err(ProcedureError::OutOfOrder),
            Phase::SelectBootstrap => {
                let p = self.target.map(|t| t.path).unwrap_or_default();
                self.stage(&select_path(cla, p.as_bytes()), true)?
            }
            Phase::CloseChannel => {
                let ch = self.x.channel();
                self.stage(&Command::new(0x00, 0x70, 0x80, ch, &[], None), false)?
            }
        }
        Ok(None)
    }

    /// Start (or restart at a lower level) the SCP03 handshake; with
    /// `stage`, INITIALIZE UPDATE is the next command.
    fn start_handshake(&mut self, level: SecurityLevel, stage: bool) -> Result<(), Scp03Error> {
        let cfg = HostConfig {
            level,
            mode: self.cfg.mode,
            channel: self.x.channel(),
            card_aid: Some(self.aid.as_bytes()),
        };
        let m = self.cfg.mode.size();
        let hc = self.cfg.host_challenge;
        let mut scratch = [0u8; 32];
        let buf = if stage {
            self.x.command_buffer()
        } else {
            &mut scratch[..]
        };
        let (hs, n) = HostHandshake::start(self.keys, &cfg, hc.get(..m).unwrap_or(&[]), buf)?;
        self.x.secure = SecureChannel::Handshake(hs);
        if stage {
            self.x.staged(n, false);
        }
        Ok(())
    }

    /// The card's response to the last command (data and SW).
    pub fn on_response(&mut self, response: &[u8]) -> Result<(), ProcedureError> {
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        let reply = match self.x.receive(response) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(()),
            Err(e) => return self.exchange_error(e),
        };
        self.handle(reply)
    }

    /// Act on a complete response.
    fn handle(&mut self, r: Reply) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let sw = r.sw;
        match self.phase {
            Phase::SelectDir
            | Phase::SelectOdf
            | Phase::SelectTokenInfo
            | Phase::SelectDodf(_)
            | Phase::SelectBootstrap => {
                if !sw.completes() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                let fcp = match FileControl::parse(self.x.data()) {
                    Ok(f) => (f.data_size(), f.records()),
                    Err(_) => {
                        return self.fail(ProcedureError::MalformedResponse {
                            step,
                            what: "no FCP (62) in the SELECT response",
                        })
                    }
                };
                self.begin_read(fcp)
            }
            Phase::ReadDir(f)
            | Phase::ReadOdf(f)
            | Phase::ReadTokenInfo(f)
            | Phase::ReadDodf(_, f)
            | Phase::ReadBootstrap(f) => {
                if f.records.is_some() && sw == 0x6A83 {
                    return self.end_of_file(f);
                }
                if !sw.completes() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.take_data(f, r.len)
            }
            Phase::OpenChannel => {
                if !sw.is_success() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                match *self.x.data() {
                    [c] if (1..=19).contains(&c) => {
                        self.x.set_channel(c);
                        self.phase = Phase::SelectApplication;
                        Ok(())
                    }
                    _ => self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "no channel number",
                    }),
                }
            }
            Phase::SelectApplication => {
                if !sw.completes() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = if self.cfg.policy == SecurePolicy::Off {
                    Phase::SelectOdf
                } else {
                    Phase::InitializeUpdate
                };
                Ok(())
            }
            Phase::InitializeUpdate => self.on_initialize_update(sw),
            Phase::ExternalAuthenticate => {
                let SecureChannel::Pending(p) =
                    core::mem::replace(&mut self.x.secure, SecureChannel::Off)
                else {
                    return self.fail(ProcedureError::OutOfOrder);
                };
                match p.confirm(sw) {
                    Ok(s) => {
                        self.x.open(s);
                        self.phase = Phase::SelectOdf;
                        Ok(())
                    }
                    Err(error) => self.fail(ProcedureError::SecureChannel { step, error }),
                }
            }
            Phase::Verifying => {
                self.x.wipe_command();
                if !sw.is_success() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = Phase::SelectBootstrap;
                Ok(())
            }
            Phase::CloseChannel => {
                // The data is read and checked; a refusal to close changes nothing.
                self.x.end_secure_channel();
                self.phase = Phase::Done;
                Ok(())
            }
            Phase::NeedPin | Phase::Verify { .. } | Phase::Done | Phase::Failed(_) => {
                self.fail(ProcedureError::OutOfOrder)
            }
        }
    }

    fn on_initialize_update(&mut self, sw: StatusWord) -> Result<(), ProcedureError> {
        let step = StepName::InitializeUpdate;
        let SecureChannel::Handshake(hs) =
            core::mem::replace(&mut self.x.secure, SecureChannel::Off)
        else {
            return self.fail(ProcedureError::OutOfOrder);
        };
        if !sw.is_success() {
            if self.cfg.policy == SecurePolicy::IfOffered {
                self.phase = Phase::SelectOdf;
                return Ok(());
            }
            return self.fail(ProcedureError::Status { step, sw });
        }
        let mut resp = [0u8; 64];
        let data = self.x.data();
        let Some(r) = resp.get_mut(..data.len()) else {
            return self.fail(ProcedureError::MalformedResponse {
                step,
                what: "IU response too long",
            });
        };
        r.copy_from_slice(data);
        let r = &resp[..data.len()];
        let result = match hs.authenticate(self.keys, r, self.x.command_buffer()) {
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
                    Some(level) => match self.start_handshake(level, false) {
                        Ok(()) => {
                            match core::mem::replace(&mut self.x.secure, SecureChannel::Off) {
                                SecureChannel::Handshake(hs2) => {
                                    hs2.authenticate(self.keys, r, self.x.command_buffer())
                                }
                                _ => Err(Scp03Error::SessionTerminated),
                            }
                        }
                        Err(e) => Err(e),
                    },
                    None => Err(Scp03Error::LevelNotOffered { level: wanted, i }),
                }
            }
            other => other,
        };
        match result {
            Ok((pending, n)) => {
                self.x.secure = SecureChannel::Pending(pending);
                self.x.staged(n, false);
                self.phase = Phase::ExternalAuthenticate;
                Ok(())
            }
            Err(error) => self.fail(ProcedureError::SecureChannel { step, error }),
        }
    }

    /// The SELECT answered with this FCP (data size, records): read the file.
    fn begin_read(
        &mut self,
        fcp: (Option<usize>, Option<(usize, u16)>),
    ) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let cap = self.ws.len();
        let file = match (self.phase, fcp) {
            (Phase::SelectDir, (_, Some((rec_len, count)))) => FileRead {
                pos: 0,
                end: cap,
                records: Some((rec_len, count, 1)),
                len: 0,
            },
            (_, (None, _)) => {
                return self.fail(ProcedureError::MalformedResponse {
                    step,
                    what: "FCP without file size (80)",
                })
            }
            (phase, (Some(size), _)) => {
                let (start, end) = match (phase, self.target.and_then(|t| t.index_length)) {
                    (Phase::SelectBootstrap, Some(il)) => {
                        let s = usize::try_from(il.index).unwrap_or(usize::MAX).min(size);
                        let len = usize::try_from(il.length).unwrap_or(0);
                        (s, s.saturating_add(len).min(size))
                    }
                    _ => (0, size),
                };
                FileRead {
                    pos: start,
                    end,
                    records: None,
                    len: 0,
                }
            }
        };
        if file.records.is_none() && file.end - file.pos > cap {
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: file.end - file.pos,
                capacity: cap,
            });
        }
        self.phase = match self.phase {
            Phase::SelectDir => Phase::ReadDir(file),
            Phase::SelectOdf => Phase::ReadOdf(file),
            Phase::SelectTokenInfo => Phase::ReadTokenInfo(file),
            Phase::SelectDodf(i) => Phase::ReadDodf(i, file),
            _ => Phase::ReadBootstrap(file),
        };
        if file.records.is_none() && file.pos >= file.end {
            return self.end_of_file(file);
        }
        Ok(())
    }

    /// `len` bytes of file data arrived (in the exchange's reply).
    fn take_data(&mut self, mut f: FileRead, len: usize) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let start = f.len;
        let end = start + len;
        let Some(dst) = self.ws.get_mut(start..end) else {
            let capacity = self.ws.len();
            return self.fail(ProcedureError::FileTooLarge {
                step,
                size: end,
                capacity,
            });
        };
        dst.copy_from_slice(self.x.data());
        f.len = end;
        match &mut f.records {
            Some((_, count, next)) => {
                *next += 1;
                if *count != 0 && *next > *count {
                    return self.end_of_file(f);
                }
            }
            None => {
                if len == 0 {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "READ BINARY returned no data",
                    });
                }
                f.pos += len;
                if f.pos > f.end {
                    return self.fail(ProcedureError::MalformedResponse {
                        step,
                        what: "more data than asked",
                    });
                }
                if let (Phase::ReadBootstrap(_), Some(&[_, _, hi, lo]), true) = (
                    self.phase,
                    self.ws.get(..BOOTSTRAP_HEADER),
                    f.len >= BOOTSTRAP_HEADER,
                ) {
                    // The header says where the data ends: read no further.
                    // (`ws[0]` is the file byte at `pos - len`.)
                    let size = usize::from(u16::from_be_bytes([hi, lo]));
                    let data_end = f.pos - f.len + BOOTSTRAP_HEADER + size;
                    f.end = f.end.min(data_end.max(f.pos));
                }
                if f.pos == f.end {
                    return self.end_of_file(f);
                }
            }
        }
        self.phase = match self.phase {
            Phase::ReadDir(_) => Phase::ReadDir(f),
            Phase::ReadOdf(_) => Phase::ReadOdf(f),
            Phase::ReadTokenInfo(_) => Phase::ReadTokenInfo(f),
            Phase::ReadDodf(i, _) => Phase::ReadDodf(i, f),
            _ => Phase::ReadBootstrap(f),
        };
        Ok(())
    }

    /// A whole file is in `ws[..f.len]`: act on it.
    fn end_of_file(&mut self, f: FileRead) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let bytes = self.ws.get(..f.len).unwrap_or(&[]);
        match self.phase {
            Phase::ReadDir(_) => {
                self.completed = Some((FileKind::EfDir, f.len));
                let dir = match EfDir::parse(bytes) {
                    Ok(d) => d,
                    Err(error) => return self.fail(ProcedureError::Parse { step, error }),
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
                    Phase::SelectApplication
                };
            }
            Phase::ReadOdf(_) => {
                self.completed = Some((FileKind::Odf, f.len));
                let odf = match Odf::parse(bytes) {
                    Ok(o) => o,
                    Err(error) => return self.fail(ProcedureError::Parse { step, error }),
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
                self.n_dodfs = n as u8;
                self.phase = if self.cfg.read_token_info {
                    Phase::SelectTokenInfo
                } else {
                    Phase::SelectDodf(0)
                };
            }
            Phase::ReadTokenInfo(_) => {
                self.completed = Some((FileKind::TokenInfo, f.len));
                self.phase = Phase::SelectDodf(0);
            }
            Phase::ReadDodf(i, _) => {
                self.completed = Some((FileKind::Dodf(i), f.len));
                let dodf = match Dodf::parse(bytes) {
                    Ok(d) => d,
                    Err(error) => return self.fail(ProcedureError::Parse { step, error }),
                };
                if self.target.is_none() {
                    if let Some(m) = dodf.find_lwm2m_bootstrap() {
                        let ObjectValue::Path(p) = m.object.value else {
                            return self.fail(ProcedureError::UnsupportedValue);
                        };
                        let flags = m.object.common.flags.unwrap_or_default();
                        self.target = Some(Target {
                            path: Bytes16::new(p.path).unwrap_or_default(),
                            dodf: self.dodfs.get(usize::from(i)).copied().unwrap_or_default(),
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
                    }
                }
                let more = i + 1 < self.n_dodfs;
                self.phase = match (
                    self.target,
                    more && (self.cfg.read_every_dodf || self.target.is_none()),
                ) {
                    (_, true) => Phase::SelectDodf(i + 1),
                    (None, false) => return self.fail(ProcedureError::NoBootstrapEntry),
                    (Some(t), false) if t.private => Phase::NeedPin,
                    (Some(_), false) => Phase::SelectBootstrap,
                };
            }
            Phase::ReadBootstrap(_) => {
                self.completed = Some((FileKind::Bootstrap, f.len));
                let file = match BootstrapFile::parse(bytes) {
                    Ok(file) => file,
                    Err(error) => return self.fail(ProcedureError::Parse { step, error }),
                };
                // The file as a dump shows it: header and data, no padding.
                self.completed = Some((FileKind::Bootstrap, BOOTSTRAP_HEADER + file.size()));
                // The digest covers the header and the objects, not padding.
                let applied = bytes.get(..BOOTSTRAP_HEADER + file.size()).unwrap_or(bytes);
                self.digest = Sha256::digest(applied).into();
                self.file = Some((file.object_count(), f.len));
                self.phase = if self.x.channel() != 0 {
                    Phase::CloseChannel
                } else {
                    self.x.end_secure_channel();
                    Phase::Done
                };
            }
            _ => return self.fail(ProcedureError::OutOfOrder),
        }
        Ok(())
    }

    /// The result, once [`Procedure::next`] returned [`Step::Done`].
    pub fn finish(self) -> Result<Bootstrap<'w>, ProcedureError> {
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        let (Phase::Done, Some(t), Some((count, len))) = (self.phase, self.target, self.file)
        else {
            return Err(ProcedureError::OutOfOrder);
        };
        let ws: &'w [u8] = self.ws;
        // Validated when it was read: not parsed a second time.
        let file = BootstrapFile::validated(ws.get(..len).unwrap_or(&[]), count);
        Ok(Bootstrap {
            file,
            provenance: Provenance {
                aid: self.aid,
                application_path: self.app_path,
                channel: self.x.channel(),
                level: self.x.level_used(),
                dodf_path: t.dodf,
                entry: t.entry,
                rule: t.rule,
                file_path: t.path,
                index_length: t.index_length,
                private: t.private,
                digest: self.digest,
                apdus: self.x.apdus(),
            },
        })
    }
}

/// Why [`Procedure::stage_phase`] has nothing to send.
enum Halt {
    /// The walk is over.
    Finished,
    /// The caller must give the PIN.
    Pin,
}
