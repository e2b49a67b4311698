//! The walk: EF.DIR, the application, the secure channel, EF.ODF, the
//! DODFs, the bootstrap file. Each phase is a variant that carries its own
//! data; a failure is sticky (every later call returns it).

use zeroize::Zeroize;

use super::config::SecurePolicy;
use super::error::{ProcedureError, StepName};
use super::exchange::{ExchangeError, Reply, SecureChannel};
use super::outcome::{Bootstrap, Provenance};
use super::state::{FileRead, Phase, Procedure, MAX_OFFSET};
use super::step::{PinRequest, Step};
use crate::apdu::{Command, StatusWord};
use crate::bootstrap::BootstrapFile;
use crate::fcp::FileControl;
use crate::scp03::{HostConfig, HostHandshake, Scp03Error, SecurityLevel};

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
    /// APDUs exchanged so far.
    pub const fn apdus(&self) -> u32 {
        self.x.apdus()
    }

    /// Fail for good: every later call returns `e`.
    pub(super) fn fail<T>(&mut self, e: ProcedureError) -> Result<T, ProcedureError> {
        self.phase = Phase::Failed(e);
        self.x.end_secure_channel();
        Err(e)
    }

    pub(super) fn exchange_error<T>(&mut self, e: ExchangeError) -> Result<T, ProcedureError> {
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
        let level_max = short_read(self.x.level(), self.cfg.mode.session_size());
        match usize::from(self.cfg.max_read.min(1024)) {
            0 => level_max,
            n if n <= 256 || cfg!(not(feature = "extended-length")) => n.min(level_max),
            n => n,
        }
    }

    pub(super) fn stage(&mut self, c: &Command<'_>, protect: bool) -> Result<(), ProcedureError> {
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
    #[inline(never)]
    pub fn next<'p>(&'p mut self, out: &mut [u8]) -> Result<Step<'p, 'k, 'w>, ProcedureError> {
        self.advance(Some(out))
    }

    /// [`Procedure::next`] without a buffer of the caller's: the command is
    /// built, and wrapped under the secure channel, in the procedure's own
    /// buffer. After [`Step::Transmit`], [`Procedure::transfer_buffers`]
    /// gives the command to send and the room for the card's answer; then
    /// [`Procedure::on_response_written`]. (A command wrapped over its
    /// plain form no longer has one: [`Procedure::last_command`] shows it
    /// empty.) `run` drives the procedure this way; on a microcontroller
    /// it saves the 281-byte wire buffer.
    ///
    /// ```
    /// use scboot::procedure::{Config, Procedure, Step};
    /// use scboot::scp03::StaticKeyBytes;
    /// let keys = StaticKeyBytes::new(0x30, &[1; 16], &[2; 16], &[3; 16])?;
    /// let mut workspace = [0u8; 1024];
    /// let mut p = Procedure::new(&keys, Config::new([9; 16]), &mut workspace);
    /// assert!(matches!(p.next_in_place(), Ok(Step::Transmit(8))));
    /// let (command, response) = p.transfer_buffers();
    /// assert_eq!(command, &[0x00, 0xA4, 0x08, 0x04, 0x02, 0x2F, 0x00, 0x00]);
    /// response[..2].copy_from_slice(&[0x6A, 0x82]); // the card: no EF.DIR
    /// assert!(p.on_response_written(2).unwrap_err().data_removed());
    /// # Ok::<(), scboot::scp03::Scp03Error>(())
    /// ```
    #[inline(never)]
    pub fn next_in_place(&mut self) -> Result<Step<'_, 'k, 'w>, ProcedureError> {
        self.advance(None)
    }

    /// The command [`Procedure::next_in_place`] built (empty before one
    /// is sent, or after its answer) and where the transport writes the
    /// card's answer ([`Procedure::response_buffer`]).
    pub fn transfer_buffers(&mut self) -> (&[u8], &mut [u8]) {
        self.x.transfer_buffers()
    }

    /// The next command into `out`, or into the procedure's own buffer.
    #[inline(always)]
    fn advance<'p>(
        &'p mut self,
        out: Option<&mut [u8]>,
    ) -> Result<Step<'p, 'k, 'w>, ProcedureError> {
        self.completed = None;
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        if !self.x.continuation_pending() {
            match self.stage_phase()? {
                Some(Halt::Finished) => return Ok(Step::Done),
                Some(Halt::Pin) => return Ok(Step::NeedPin(PinRequest::new(self))),
                None => {}
            }
        }
        self.sent_step = self.phase.step();
        let sent = match out {
            Some(out) => self.x.transmit(out),
            None => self.x.transmit_in_place(),
        };
        match sent {
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
                // By path from the MF (P1 08): EF.DIR is found whatever the
                // basic channel's current DF (an earlier run may have left
                // it in the application, where 2F00 alone is not visible).
                let c = Command::new(0x00, 0xA4, 0x08, 0x04, &[0x2F, 0x00], Some(256));
                self.stage(&c, false)?;
            }
            Phase::ReadDir(f)
            | Phase::ReadOdf(f)
            | Phase::ReadTokenInfo(f)
            | Phase::ReadDodf(_, f)
            | Phase::ReadBootstrap(f)
            | Phase::ReadKeyDirectory(f)
            | Phase::ReadPublicKey(f) => self.stage_read(f)?,
            Phase::SelectKeyDirectory => {
                let p = self.keyop.dir().copied().unwrap_or_default();
                self.stage(&select_path(cla, p.as_bytes()), true)?
            }
            Phase::SelectKeyFile => {
                let p = self.keyop.key().map(|k| k.file).unwrap_or_default();
                self.stage(&select_path(cla, p.as_bytes()), true)?
            }
            Phase::ManageSecurityEnvironment => self.stage_mse()?,
            Phase::PerformSecurityOperation { at, .. } => self.stage_pso(at)?,
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
            Phase::CloseChannel => match self.x.channel() {
                // The basic channel cannot close: leave the application by
                // selecting the MF, in plain. A card whose session is still
                // open rejects it, and that rejection ends the session too;
                // either way the next run finds the channel as a new one.
                0 => self.stage(
                    &Command::new(0x00, 0xA4, 0x00, 0x0C, &[0x3F, 0x00], None),
                    false,
                )?,
                ch => self.stage(&Command::new(0x00, 0x70, 0x80, ch, &[], None), false)?,
            },
        }
        Ok(None)
    }

    /// Start (or restart at a lower level) the SCP03 handshake; with
    /// `stage`, INITIALIZE UPDATE is the next command.
    fn start_handshake(&mut self, level: SecurityLevel, stage: bool) -> Result<(), Scp03Error> {
        let cfg = HostConfig::default()
            .level(level)
            .mode(self.cfg.mode)
            .channel(self.x.channel())
            .card_aid(Some(self.aid.as_bytes()));
        let m = self.cfg.mode.session_size();
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
        let received = self.x.receive(response);
        self.on_received(received)
    }

    /// Where a transport can write the card's response to the last command
    /// in place, instead of into a buffer of its own: then call
    /// [`Procedure::on_response_written`] with its length. The response is
    /// gathered, unwrapped and read where it lies, so the caller needs no
    /// response buffer (a microcontroller's RAM). Its length is the room
    /// left for this response: a short response with its status word, or
    /// more when continuation pieces are gathered. It is empty unless a
    /// command was sent ([`Step::Transmit`]) and not yet answered.
    ///
    /// ```
    /// use scboot::procedure::{Config, Procedure, Step};
    /// use scboot::scp03::StaticKeys;
    ///
    /// let keys = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16])?;
    /// let mut workspace = [0u8; 512];
    /// let mut p = Procedure::new(&keys, Config::new([9; 16]), &mut workspace);
    /// let mut cmd = [0u8; 300];
    /// assert!(p.response_buffer().is_empty()); // nothing sent yet
    /// assert!(matches!(p.next(&mut cmd), Ok(Step::Transmit(_))));
    /// // The transport writes the card's answer (here: no EF.DIR) in place.
    /// let room = p.response_buffer();
    /// assert!(room.len() >= 258);
    /// room[..2].copy_from_slice(&[0x6A, 0x82]);
    /// assert!(p.on_response_written(2).unwrap_err().data_removed());
    /// # Ok::<(), scboot::scp03::Scp03Error>(())
    /// ```
    pub fn response_buffer(&mut self) -> &mut [u8] {
        self.x.response_buffer()
    }

    /// The transport wrote `len` bytes (data and SW) of the card's response
    /// into [`Procedure::response_buffer`]: as [`Procedure::on_response`].
    #[inline(never)]
    pub fn on_response_written(&mut self, len: usize) -> Result<(), ProcedureError> {
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        let received = self.x.received(len);
        self.on_received(received)
    }

    fn on_received(
        &mut self,
        received: Result<Option<Reply>, ExchangeError>,
    ) -> Result<(), ProcedureError> {
        match received {
            Ok(Some(r)) => self.handle(r),
            Ok(None) => Ok(()),
            Err(e) => self.exchange_error(e),
        }
    }

    /// Act on a complete response.
    fn handle(&mut self, r: Reply) -> Result<(), ProcedureError> {
        let step = self.phase.step();
        let sw = r.sw;
        match self.phase {
            Phase::SelectKeyFile
                if !matches!(
                    self.keyop.op(),
                    Some(super::keyop::KeyOperation::ReadPublicKey { .. })
                ) =>
            {
                // The key's EF is selected; the card needs no more of it.
                if !sw.completes() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = Phase::ManageSecurityEnvironment;
                Ok(())
            }
            Phase::ManageSecurityEnvironment => {
                if !sw.is_success() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = Phase::PerformSecurityOperation { at: 0, len: 0 };
                Ok(())
            }
            Phase::PerformSecurityOperation { at, len } => self.pso_answered(at, len, sw),
            Phase::SelectDir
            | Phase::SelectOdf
            | Phase::SelectTokenInfo
            | Phase::SelectDodf(_)
            | Phase::SelectBootstrap
            | Phase::SelectKeyDirectory
            | Phase::SelectKeyFile => self.on_selected(step, sw),
            Phase::ReadDir(f)
            | Phase::ReadOdf(f)
            | Phase::ReadTokenInfo(f)
            | Phase::ReadDodf(_, f)
            | Phase::ReadBootstrap(f)
            | Phase::ReadKeyDirectory(f)
            | Phase::ReadPublicKey(f) => {
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
            // `confirm` refuses a session that is not pending.
            Phase::ExternalAuthenticate => match self.x.confirm(sw) {
                Ok(()) => {
                    self.phase = Phase::SelectOdf;
                    Ok(())
                }
                Err(error) => self.fail(ProcedureError::SecureChannel { step, error }),
            },
            Phase::Verifying => {
                self.x.wipe_command();
                if !sw.is_success() {
                    return self.fail(ProcedureError::Status { step, sw });
                }
                self.phase = if self.keyop.op().is_some() {
                    self.after_key_pin()
                } else {
                    Phase::SelectBootstrap
                };
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

    /// A file is selected: its FCP says how to read it. Out of line, like
    /// every step with locals of its own, so that the frame the handshake
    /// is keyed under stays small (a microcontroller's peak stack).
    #[inline(never)]
    fn on_selected(&mut self, step: StepName, sw: StatusWord) -> Result<(), ProcedureError> {
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

    #[inline(never)]
    fn on_initialize_update(&mut self, sw: StatusWord) -> Result<(), ProcedureError> {
        let step = StepName::InitializeUpdate;
        // The handshake is read where it lies, in the exchange.
        if !matches!(self.x.secure, SecureChannel::Handshake(_)) {
            self.x.secure = SecureChannel::Off;
            return self.fail(ProcedureError::OutOfOrder);
        }
        if !sw.is_success() {
            self.x.secure = SecureChannel::Off;
            if self.cfg.policy == SecurePolicy::IfOffered {
                self.phase = Phase::SelectOdf;
                return Ok(());
            }
            return self.fail(ProcedureError::Status { step, sw });
        }
        // The response is read where it lies, in the exchange's buffer.
        let result = match self.x.authenticate(self.keys) {
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
                    Some(level) => self
                        .start_handshake(level, false)
                        .and_then(|()| self.x.authenticate(self.keys)),
                    None => Err(Scp03Error::LevelNotOffered { level: wanted, i }),
                }
            }
            other => other,
        };
        match result {
            Ok(()) => {
                self.phase = Phase::ExternalAuthenticate;
                Ok(())
            }
            Err(error) => self.fail(ProcedureError::SecureChannel { step, error }),
        }
    }

    /// The result, once [`Procedure::next`] returned [`Step::Done`].
    pub fn finish(mut self) -> Result<Bootstrap<'w>, ProcedureError> {
        self.take_bootstrap()
    }

    /// [`Procedure::finish`] without moving the procedure (no copy of it
    /// on the stack): the workspace is handed out, the procedure keeps an
    /// empty one.
    pub(super) fn take_bootstrap(&mut self) -> Result<Bootstrap<'w>, ProcedureError> {
        if let Phase::Failed(e) = self.phase {
            return Err(e);
        }
        let (Phase::Done, Some(t), Some((count, len))) = (self.phase, self.target, self.file)
        else {
            return Err(ProcedureError::OutOfOrder);
        };
        let ws: &'w mut [u8] = core::mem::take(&mut self.ws);
        let ws: &'w [u8] = ws;
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
