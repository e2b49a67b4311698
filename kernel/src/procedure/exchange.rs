//! The exchange layer: one plain command in, one complete plain response
//! out. Below the walk and above the transport it owns
//!
//! * the ISO/IEC 7816 transport continuations: `61xx` (GET RESPONSE, the
//!   pieces joined) and `6Cxx` (the command re-sent once with the exact Le),
//!   both bounded so that a card cannot keep the host busy;
//! * the secure channel: the SCP03 handshake objects and the open session,
//!   command wrapping and response unwrapping (in place, R-MAC verified
//!   before any byte is decrypted);
//! * the logical channel the application runs on.
//!
//! A wrapped command is never re-sent: the card has advanced its MAC chain.

use zeroize::Zeroize;

use crate::apdu::{class_on_channel, set_le_in_place, split_response, Command, StatusWord};
use crate::scp03::{HostHandshake, HostSession, Scp03Error, SecurityLevel, StaticKeyRef};

/// The largest data field of a command wrapped in the secure channel: with
/// `keys`, the 255 bytes a PERFORM SECURITY OPERATION link carries.
#[cfg(feature = "keys")]
const WRAPPED_DATA_MAX: usize = 255;
/// The largest data field of a command wrapped in the secure channel:
/// without `keys`, a path, an AID or a PIN, each at most 16 bytes.
#[cfg(not(feature = "keys"))]
const WRAPPED_DATA_MAX: usize = 16;
/// The longest C-MAC, host cryptogram and challenge: 16 bytes with the
/// `s16` feature, 8 in a build that runs S8 only.
const MODE_MAX: usize = if cfg!(feature = "s16") { 16 } else { 8 };
/// The largest data field of a command staged: a wrapped one's, or
/// EXTERNAL AUTHENTICATE's host cryptogram and C-MAC (32 bytes with S16),
/// which the handshake builds in its wire form.
const DATA_MAX: usize = larger(WRAPPED_DATA_MAX, 2 * MODE_MAX);
/// The largest plain command staged: a short case-4 command (header, Lc,
/// `DATA_MAX` bytes of data, Le).
pub(crate) const CMD_MAX: usize = 5 + DATA_MAX + 1;
/// The largest wrapped command on the wire: `WRAPPED_DATA_MAX` bytes padded
/// for C-DECRYPTION (to 256 bytes with `keys`), with the longest C-MAC
/// (16 bytes with S16), in extended lengths when that needs them: header,
/// 3-byte Lc, data, 2-byte Le.
const WRAPPED_MAX: usize = 4 + 3 + (WRAPPED_DATA_MAX / 16 + 1) * 16 + MODE_MAX + 2;
/// The command buffer: the largest plain command, or the largest wrapped
/// one (wrapping is done where the plain command lies). 281 bytes with
/// `keys` and S16; 57 without `keys` (49 without S16 too), which keeps 224
/// bytes off a microcontroller's stack for the whole run.
pub(crate) const WIRE_MAX: usize = larger(WRAPPED_MAX, CMD_MAX);

/// The larger of two sizes, for the constants above (`Ord::max` is not
/// `const`).
const fn larger(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}
/// The largest response gathered, data and SW: a READ of up to 1024 bytes
/// with its padding and R-MAC, or `61xx` pieces.
#[cfg(feature = "extended-length")]
pub(crate) const RESP_MAX: usize = 1100;
/// The largest response gathered, data and SW, with short APDUs only: 256
/// bytes of plain data (a PERFORM SECURITY OPERATION's RSA-2048 result)
/// padded to 272 under R-ENC, a 16-byte R-MAC (S16) and the SW, gathered
/// from `61xx` pieces. Reads are sized to fit one short response.
#[cfg(not(feature = "extended-length"))]
pub(crate) const RESP_MAX: usize = 272 + 16 + 2;
/// `61xx` continuations one command may take: enough for a response of
/// `RESP_MAX` bytes in 256-byte pieces (plus a first, empty, `61xx`).
pub(crate) const MAX_GET_RESPONSES: u8 = (RESP_MAX / 256 + 2) as u8;

/// What went wrong below the walk; the walk names the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExchangeError {
    /// A response the transport layer cannot use.
    Malformed(&'static str),
    /// The secure channel refused a response (or the command).
    SecureChannel(Scp03Error),
    /// The caller's APDU buffer is too small.
    BufferTooSmall,
    /// A call out of order.
    OutOfOrder,
}

/// What the next transmission carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    /// Nothing staged.
    Idle,
    /// The staged command.
    Command,
    /// GET RESPONSE with this Le.
    GetResponse(u16),
    /// The staged (plain) command again, with this Le.
    Resend(u16),
}

/// Where the APDU to send lies, after [`Exchange::transmit_in_place`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outgoing {
    Nothing,
    /// `cmd[..n]`: the staged command, plain or wrapped where it lies.
    Staged(usize),
    /// `ctl[..n]`: a GET RESPONSE.
    Control(usize),
}

/// A buffer too small for the command, as the exchange reports it.
fn too_small(_: crate::apdu::ApduError) -> ExchangeError {
    ExchangeError::BufferTooSmall
}

/// A refusal of the secure channel to wrap, as the exchange reports it.
fn secure_channel(e: Scp03Error) -> ExchangeError {
    match e {
        Scp03Error::BufferTooSmall { .. } => ExchangeError::BufferTooSmall,
        e => ExchangeError::SecureChannel(e),
    }
}

/// The secure channel's state. The session itself is
/// [`Exchange`]'s `session`, keyed where it lies by the handshake.
/// `repr(u8)`: `Off` is a zero tag, so an idle exchange is all zero bytes.
#[repr(u8)]
pub(crate) enum SecureChannel {
    /// None (yet, or by policy).
    Off,
    /// INITIALIZE UPDATE sent.
    Handshake(HostHandshake),
    /// EXTERNAL AUTHENTICATE sent; the session is keyed.
    Pending,
    /// Open.
    Open,
}

/// A complete response: its data (plain) is [`Exchange::data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) len: usize,
    pub(crate) sw: StatusWord,
}

/// One command and its response, with the continuations and the secure
/// channel in between.
pub(crate) struct Exchange {
    /// The staged plain command (at most `CMD_MAX` bytes), with room to
    /// wrap it where it lies (`WIRE_MAX`).
    cmd: [u8; WIRE_MAX],
    cmd_len: usize,
    /// `cmd` holds the wire form, wrapped over the plain command.
    wrapped: bool,
    /// A GET RESPONSE built in place (the staged command stays).
    ctl: [u8; 5],
    /// What [`Exchange::transfer_buffers`] hands out to send.
    outgoing: Outgoing,
    protect: bool,
    next: Next,
    awaiting: bool,
    /// The response gathered so far (data, then SW when complete).
    buf: [u8; RESP_MAX],
    len: usize,
    get_responses: u8,
    resent: bool,
    pub(crate) secure: SecureChannel,
    /// The session: no keys unless `secure` is `Pending` or `Open`.
    session: HostSession,
    channel: u8,
    apdus: u32,
    /// The last complete response, for [`Exchange::data`].
    reply: Option<Reply>,
    /// The last transmission was a GET RESPONSE or a re-send.
    continuation: bool,
    /// The level of the session that was opened, if one was.
    level_used: Option<SecurityLevel>,
}

/// The empty session slot, as a constant: `Procedure::new` then writes
/// it straight into the procedure. Built by a call, it went through a
/// temporary of its own first (on a Cortex-M4, 1.1 KB of stack, 1.5 KB
/// with AES-256).
const CLOSED: HostSession = HostSession::closed();

impl Exchange {
    /// An idle exchange, as a constant: a procedure is built with it
    /// written straight into place (no staging frame; with AES-128 only
    /// it is all zero bytes, and the copy is a `memset`).
    pub(crate) const IDLE: Exchange = Exchange {
        cmd: [0; WIRE_MAX],
        cmd_len: 0,
        wrapped: false,
        ctl: [0; 5],
        outgoing: Outgoing::Nothing,
        protect: false,
        next: Next::Idle,
        awaiting: false,
        buf: [0; RESP_MAX],
        len: 0,
        get_responses: 0,
        resent: false,
        secure: SecureChannel::Off,
        session: CLOSED,
        channel: 0,
        apdus: 0,
        reply: None,
        continuation: false,
        level_used: None,
    };

    /// The logical channel in use (0: basic).
    pub(crate) const fn channel(&self) -> u8 {
        self.channel
    }

    pub(crate) fn set_channel(&mut self, channel: u8) {
        self.channel = channel;
    }

    /// The interindustry class byte on the channel.
    pub(crate) fn cla(&self) -> u8 {
        class_on_channel(0x00, self.channel, false).unwrap_or(0x00)
    }

    /// Command APDUs sent (continuations and re-sends included).
    pub(crate) const fn apdus(&self) -> u32 {
        self.apdus
    }

    /// Check the INITIALIZE UPDATE response (the last reply's data, read
    /// where it lies) against the handshake in progress, read where it
    /// lies too, and key the session in place (see
    /// [`HostHandshake::authenticate_into`]); EXTERNAL AUTHENTICATE is the
    /// staged command. Whatever the outcome, the handshake is over: the
    /// channel is pending on success, off on failure.
    pub(crate) fn authenticate(&mut self, keys: StaticKeyRef<'_>) -> Result<(), Scp03Error> {
        let SecureChannel::Handshake(handshake) = &self.secure else {
            return Err(Scp03Error::SessionTerminated);
        };
        let iu_response = match self.reply {
            Some(r) => self.buf.get(..r.len).unwrap_or(&[]),
            None => &[],
        };
        let done = handshake.authenticate_session(
            keys,
            iu_response,
            &mut self.cmd,
            &mut self.session,
            None,
        );
        self.secure = SecureChannel::Off;
        let n = done?;
        self.secure = SecureChannel::Pending;
        self.staged(n, false);
        Ok(())
    }

    /// EXTERNAL AUTHENTICATE's status word: `9000` opens the session.
    pub(crate) fn confirm(&mut self, sw: StatusWord) -> Result<(), Scp03Error> {
        if !matches!(self.secure, SecureChannel::Pending) {
            return Err(Scp03Error::SessionTerminated);
        }
        self.secure = SecureChannel::Off;
        self.session.confirm(sw)?;
        self.level_used = Some(self.session.level());
        self.secure = SecureChannel::Open;
        Ok(())
    }

    /// The level of the session opened during the run, if one was (it
    /// stays known after the session ended).
    pub(crate) const fn level_used(&self) -> Option<SecurityLevel> {
        self.level_used
    }

    /// Whether the next transmission is a GET RESPONSE or a re-send.
    pub(crate) const fn continuation_pending(&self) -> bool {
        matches!(self.next, Next::GetResponse(_) | Next::Resend(_))
    }

    /// The open session's level, if any.
    pub(crate) fn level(&self) -> Option<SecurityLevel> {
        match self.secure {
            SecureChannel::Open => Some(self.session.level()),
            _ => None,
        }
    }

    /// Stage a plain command; `protect`: through the secure channel when one is open.
    pub(crate) fn stage(&mut self, c: &Command<'_>, protect: bool) -> Result<(), ExchangeError> {
        let n = c
            .encode(&mut self.cmd)
            .map_err(|_| ExchangeError::BufferTooSmall)?;
        self.staged(n, protect);
        Ok(())
    }

    /// The buffer a command is built in (then [`Exchange::staged`]).
    pub(crate) fn command_buffer(&mut self) -> &mut [u8] {
        &mut self.cmd
    }

    /// `n` bytes of the command buffer are the next command.
    pub(crate) fn staged(&mut self, n: usize, protect: bool) {
        self.cmd_len = n.min(CMD_MAX);
        self.wrapped = false;
        self.outgoing = Outgoing::Nothing;
        self.protect = protect && matches!(self.secure, SecureChannel::Open);
        self.next = Next::Command;
        self.get_responses = 0;
        self.resent = false;
        self.len = 0;
        self.reply = None;
    }

    /// Wipe the staged command (it held a PIN).
    pub(crate) fn wipe_command(&mut self) {
        self.cmd.zeroize();
        self.cmd_len = 0;
    }

    /// The plain form of the last command sent (a continuation's own bytes
    /// for GET RESPONSE), and whether it went through the secure channel.
    /// (Empty when the command was wrapped over its plain form.)
    pub(crate) fn last_command(&self) -> (&[u8], bool, bool) {
        let plain = if self.wrapped {
            &[]
        } else {
            self.cmd.get(..self.cmd_len).unwrap_or(&[])
        };
        (plain, self.protect && !self.continuation, self.continuation)
    }

    /// The data of the last complete response (plain).
    pub(crate) fn data(&self) -> &[u8] {
        match self.reply {
            Some(r) => self.buf.get(..r.len).unwrap_or(&[]),
            None => &[],
        }
    }

    /// The last complete response.
    pub(crate) const fn reply(&self) -> Option<Reply> {
        self.reply
    }

    /// End the secure channel (keys zeroized).
    pub(crate) fn end_secure_channel(&mut self) {
        self.session.terminate();
        self.secure = SecureChannel::Off;
    }

    /// The next APDU to send, into `out`; its length. The staged plain
    /// command stays as it is.
    pub(crate) fn transmit(&mut self, out: &mut [u8]) -> Result<usize, ExchangeError> {
        let next = self.next_transmission()?;
        let plain = self.cmd.get(..self.cmd_len).unwrap_or(&[]);
        let n = match next {
            Next::Idle => return Err(ExchangeError::OutOfOrder),
            Next::GetResponse(le) => self.get_response(le).encode(out).map_err(too_small)?,
            Next::Resend(le) => {
                // Only plain commands are re-sent: the same bytes, another Le.
                let dst = out
                    .get_mut(..plain.len())
                    .ok_or(ExchangeError::BufferTooSmall)?;
                dst.copy_from_slice(plain);
                set_le_in_place(out, plain.len(), Some(u32::from(le))).map_err(too_small)?
            }
            Next::Command => match (&self.secure, self.protect) {
                (SecureChannel::Open, true) => {
                    self.session.wrap(plain, out).map_err(secure_channel)?
                }
                _ => {
                    let dst = out
                        .get_mut(..plain.len())
                        .ok_or(ExchangeError::BufferTooSmall)?;
                    dst.copy_from_slice(plain);
                    plain.len()
                }
            },
        };
        self.outgoing = Outgoing::Nothing;
        Ok(self.sent(next, n))
    }

    /// The next APDU to send, built in the exchange's own buffers: a
    /// protected command is wrapped over its plain form (which is then
    /// gone), a re-send gets its new Le where it lies, a GET RESPONSE goes
    /// beside the staged command. Its length; the bytes are
    /// [`Exchange::transfer_buffers`]' first half.
    pub(crate) fn transmit_in_place(&mut self) -> Result<usize, ExchangeError> {
        let next = self.next_transmission()?;
        let (n, outgoing) = match next {
            Next::Idle => return Err(ExchangeError::OutOfOrder),
            Next::GetResponse(le) => {
                let n = self
                    .get_response(le)
                    .encode(&mut self.ctl)
                    .map_err(too_small)?;
                (n, Outgoing::Control(n))
            }
            Next::Resend(le) => {
                let n = set_le_in_place(&mut self.cmd, self.cmd_len, Some(u32::from(le)))
                    .map_err(too_small)?;
                self.cmd_len = n.min(CMD_MAX);
                (n, Outgoing::Staged(n))
            }
            Next::Command => {
                let n = match (&self.secure, self.protect) {
                    (SecureChannel::Open, true) => {
                        self.wrapped = true;
                        self.session
                            .wrap_in_place(&mut self.cmd, self.cmd_len)
                            .map_err(secure_channel)?
                    }
                    _ => self.cmd_len,
                };
                (n, Outgoing::Staged(n))
            }
        };
        self.outgoing = outgoing;
        Ok(self.sent(next, n))
    }

    /// The APDU [`Exchange::transmit_in_place`] built, and where the
    /// transport writes the answer ([`Exchange::response_buffer`]).
    pub(crate) fn transfer_buffers(&mut self) -> (&[u8], &mut [u8]) {
        let command = match self.outgoing {
            Outgoing::Staged(n) if self.awaiting => self.cmd.get(..n).unwrap_or(&[]),
            Outgoing::Control(n) if self.awaiting => self.ctl.get(..n).unwrap_or(&[]),
            _ => &[],
        };
        let response = match self.awaiting {
            true => self.buf.get_mut(self.len..).unwrap_or(&mut []),
            false => &mut [],
        };
        (command, response)
    }

    /// What the next transmission carries, if one may be sent now.
    fn next_transmission(&self) -> Result<Next, ExchangeError> {
        match (self.awaiting, self.next) {
            (true, _) | (_, Next::Idle) => Err(ExchangeError::OutOfOrder),
            (false, next) => Ok(next),
        }
    }

    /// GET RESPONSE with `le`, on the channel.
    fn get_response(&self, le: u16) -> Command<'static> {
        let cla = class_on_channel(0x00, self.channel, false).unwrap_or(0);
        Command::new(cla, 0xC0, 0x00, 0x00, &[], Some(u32::from(le)))
    }

    /// `next` went out as `n` bytes: now an answer is awaited.
    fn sent(&mut self, next: Next, n: usize) -> usize {
        self.continuation = !matches!(next, Next::Command);
        self.awaiting = true;
        self.apdus = self.apdus.saturating_add(1);
        n
    }

    /// The card's answer to the last APDU. `Ok(None)`: a continuation is
    /// staged (call [`Exchange::transmit`] again); `Ok(Some(reply))`: the
    /// whole plain response is in [`Exchange::data`].
    pub(crate) fn receive(&mut self, response: &[u8]) -> Result<Option<Reply>, ExchangeError> {
        if !self.awaiting {
            return Err(ExchangeError::OutOfOrder);
        }
        let Some(dst) = self.response_buffer().get_mut(..response.len()) else {
            self.awaiting = false;
            return Err(ExchangeError::Malformed("response too long"));
        };
        dst.copy_from_slice(response);
        self.received(response.len())
    }

    /// Where the transport writes the card's answer to the last APDU, in
    /// place: behind the pieces gathered so far, with the room left. Empty
    /// when no answer is awaited (the last response stays as it was).
    pub(crate) fn response_buffer(&mut self) -> &mut [u8] {
        if !self.awaiting {
            return &mut [];
        }
        self.buf.get_mut(self.len..).unwrap_or(&mut [])
    }

    /// [`Exchange::receive`] of the `n` bytes the transport wrote into
    /// [`Exchange::response_buffer`]. Out of line: its locals (the R-MAC
    /// check, the decryption) are gone before the response is acted on.
    #[inline(never)]
    pub(crate) fn received(&mut self, n: usize) -> Result<Option<Reply>, ExchangeError> {
        if !self.awaiting {
            return Err(ExchangeError::OutOfOrder);
        }
        self.awaiting = false;
        let start = self.len;
        let Some(piece) = start
            .checked_add(n)
            .and_then(|end| self.buf.get(start..end))
        else {
            return Err(ExchangeError::Malformed("response too long"));
        };
        let Some((data, sw)) = split_response(piece) else {
            return Err(ExchangeError::Malformed(
                "response shorter than a status word",
            ));
        };
        // The data stays where the transport put it, behind what came before.
        let gathered = start + data.len();
        let end = gathered + 2;
        if let Some(le) = sw.more_data() {
            // More data: keep what came, fetch the rest with GET RESPONSE.
            if self.get_responses >= MAX_GET_RESPONSES {
                return Err(ExchangeError::Malformed("61xx without end"));
            }
            self.get_responses += 1;
            self.len = gathered;
            self.next = Next::GetResponse(le);
            return Ok(None);
        }
        if let (Some(le), false, 0) = (sw.exact_length(), self.protect, start) {
            // Once: a card that refuses the Le it asked for is broken.
            if self.resent {
                return Err(ExchangeError::Malformed(
                    "6Cxx again after re-sending with that Le",
                ));
            }
            self.resent = true;
            self.next = Next::Resend(le);
            return Ok(None);
        }
        self.next = Next::Idle;
        self.len = 0;
        let reply = if self.protect {
            let (SecureChannel::Open, s) = (&self.secure, &mut self.session) else {
                return Err(ExchangeError::OutOfOrder);
            };
            // data || SW, unwrapped where it lies (the SW is already behind
            // the data: the last piece brought it).
            let whole = self.buf.get_mut(..end).unwrap_or(&mut []);
            match s.unwrap_in_place(whole) {
                Ok(r) => Reply {
                    len: r.len,
                    sw: r.sw,
                },
                Err(e) => {
                    self.buf.zeroize();
                    return Err(ExchangeError::SecureChannel(e));
                }
            }
        } else {
            Reply { len: gathered, sw }
        };
        self.reply = Some(reply);
        Ok(Some(reply))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_binary() -> Command<'static> {
        Command::new(0x00, 0xB0, 0x00, 0x00, &[], Some(0x10))
    }

    /// A hostile card cannot keep the exchange busy: a second `6Cxx` for
    /// the same command, or `61xx` answers without end, are errors.
    #[test]
    fn continuation_loops_are_bounded() {
        let mut x = Exchange::IDLE;
        let mut out = [0u8; 64];
        x.stage(&read_binary(), false).unwrap();
        let n = x.transmit(&mut out).unwrap();
        let first = out[..n].to_vec();
        assert_eq!(x.receive(&[0x6C, 0x08]), Ok(None));
        let n = x.transmit(&mut out).unwrap();
        // The same command with Le = 8.
        assert_eq!(out[..n - 1], first[..first.len() - 1]);
        assert_eq!(out[n - 1], 0x08);
        assert!(x.last_command().2, "a re-send is a continuation");
        assert_eq!(
            x.receive(&[0x6C, 0x04]),
            Err(ExchangeError::Malformed(
                "6Cxx again after re-sending with that Le"
            ))
        );
        // 61xx with no data, forever: cut off after MAX_GET_RESPONSES.
        let mut x = Exchange::IDLE;
        x.stage(&read_binary(), false).unwrap();
        let mut answered = 0;
        let err = loop {
            x.transmit(&mut out).unwrap();
            match x.receive(&[0x61, 0x20]) {
                Ok(None) => answered += 1,
                other => break other,
            }
        };
        // RESP_MAX-byte responses in 256-byte pieces, plus the first empty 61xx.
        assert_eq!(usize::from(MAX_GET_RESPONSES), RESP_MAX / 256 + 2);
        assert_eq!(answered, MAX_GET_RESPONSES);
        assert_eq!(err, Err(ExchangeError::Malformed("61xx without end")));
    }

    /// A `61xx` answer may carry part of the data (T=1 cards): the pieces
    /// are joined; GET RESPONSE asks for what the card announced.
    #[test]
    fn data_with_61xx_is_kept_and_joined() {
        let mut x = Exchange::IDLE;
        let mut out = [0u8; 64];
        x.set_channel(2);
        x.stage(&read_binary(), false).unwrap();
        x.transmit(&mut out).unwrap();
        assert_eq!(x.receive(&[0x62, 0x07, 0x80, 0x02, 0x61, 0x05]), Ok(None));
        let n = x.transmit(&mut out).unwrap();
        assert_eq!(out[..n], [0x02, 0xC0, 0x00, 0x00, 0x05], "on the channel");
        let r = x
            .receive(&[0x00, 0x10, 0x82, 0x01, 0x01, 0x90, 0x00])
            .unwrap()
            .unwrap();
        assert_eq!(r.sw, StatusWord::SUCCESS);
        assert_eq!(
            x.data(),
            &[0x62, 0x07, 0x80, 0x02, 0x00, 0x10, 0x82, 0x01, 0x01]
        );
        // 61xx with an empty SW2: GET RESPONSE asks for 256 (Le 00).
        x.stage(&read_binary(), false).unwrap();
        x.transmit(&mut out).unwrap();
        assert_eq!(x.receive(&[0x61, 0x00]), Ok(None));
        let n = x.transmit(&mut out).unwrap();
        assert_eq!(out[..n], [0x02, 0xC0, 0x00, 0x00, 0x00]);
    }

    /// Calls out of order, short responses and responses too long for the
    /// buffer are errors, not panics.
    #[test]
    fn misuse_and_malformed_responses() {
        let mut x = Exchange::IDLE;
        let mut out = [0u8; 64];
        assert_eq!(x.transmit(&mut out), Err(ExchangeError::OutOfOrder));
        assert_eq!(x.receive(&[0x90, 0x00]), Err(ExchangeError::OutOfOrder));
        x.stage(&read_binary(), false).unwrap();
        assert_eq!(
            x.transmit(&mut [0u8; 4]),
            Err(ExchangeError::BufferTooSmall)
        );
        x.transmit(&mut out).unwrap();
        assert_eq!(x.transmit(&mut out), Err(ExchangeError::OutOfOrder));
        assert_eq!(
            x.receive(&[0x90]),
            Err(ExchangeError::Malformed(
                "response shorter than a status word"
            ))
        );
        x.stage(&read_binary(), false).unwrap();
        x.transmit(&mut out).unwrap();
        let mut long = std::vec![0u8; RESP_MAX - 1];
        long.extend([0x90, 0x00]);
        assert_eq!(
            x.receive(&long),
            Err(ExchangeError::Malformed("response too long"))
        );
        assert_eq!(x.apdus(), 2);
        // In place: a length past the room, however large, is refused; and
        // no room is offered when no response is awaited.
        x.stage(&read_binary(), false).unwrap();
        assert!(x.response_buffer().is_empty());
        x.transmit(&mut out).unwrap();
        assert_eq!(x.response_buffer().len(), RESP_MAX);
        assert_eq!(
            x.received(usize::MAX),
            Err(ExchangeError::Malformed("response too long"))
        );
        x.stage(&read_binary(), false).unwrap();
        x.transmit(&mut out).unwrap();
        x.response_buffer()[..3].copy_from_slice(&[0x42, 0x90, 0x00]);
        let r = x.received(3).unwrap().unwrap();
        assert_eq!(
            (r.len, r.sw, x.data()),
            (1, StatusWord::SUCCESS, &[0x42][..])
        );
    }

    /// The wire buffer `run` lends holds the largest command a session wraps
    /// (with `keys`: 255 bytes of data, encrypted and padded to 256 bytes,
    /// in extended lengths; without: 16 bytes) with the longest C-MAC the
    /// build runs (S16 with `s16`, else S8), and EXTERNAL AUTHENTICATE in
    /// that mode; one byte less is refused.
    #[test]
    fn the_wire_buffer_fits_the_largest_wrapped_command() {
        use crate::scp03::{CardChannel, CardConfig, HostConfig, Mode, StaticKeys};
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
        let (mode, i) = if cfg!(feature = "s16") {
            (Mode::S16, 0x71)
        } else {
            (Mode::S8, 0x70)
        };
        let mut card = CardChannel::new(k.clone(), CardConfig::new(i, &aid).unwrap());
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        let cfg = HostConfig::default().mode(mode);
        let challenge = [9; 16];
        let (hs, n) = HostHandshake::start(&k, &cfg, &challenge[..MODE_MAX], &mut a).unwrap();
        let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
        let mut external_authenticate = [0u8; CMD_MAX];
        let (pending, n) = hs
            .authenticate(&k, &b[..m], &mut external_authenticate)
            .unwrap();
        assert_eq!(
            n,
            5 + 2 * MODE_MAX,
            "EXTERNAL AUTHENTICATE: cryptogram and C-MAC"
        );
        let mut host = pending.confirm(0x9000).unwrap();
        let data = [0x5A; WRAPPED_DATA_MAX];
        let mut plain = [0u8; CMD_MAX];
        let len = Command::new(0x00, 0xA4, 0x08, 0x04, &data, Some(256))
            .encode(&mut plain)
            .unwrap();
        let mut wire = [0u8; WIRE_MAX];
        let n = host.wrap(&plain[..len], &mut wire).unwrap();
        #[cfg(feature = "keys")]
        assert_eq!((len, n), (CMD_MAX, WIRE_MAX));
        #[cfg(all(not(feature = "keys"), feature = "s16"))]
        assert_eq!((len, n, WIRE_MAX), (22, 54, 57), "short lengths");
        #[cfg(all(not(feature = "keys"), not(feature = "s16")))]
        assert_eq!((len, n, WIRE_MAX), (22, 46, 49), "short lengths, S8");
        assert!(matches!(
            host.wrap(&plain[..len], &mut wire[..n - 1]),
            Err(Scp03Error::BufferTooSmall { .. })
        ));
    }

    /// The exchange's own buffers give the bytes a caller's buffer gets:
    /// a command wrapped where it lies (the largest one too), a re-send
    /// with its new Le, a GET RESPONSE beside the staged command; the
    /// transport sees the command and the room for the answer together.
    #[test]
    // AES-heavy safe code: run natively only (under Miri, software AES is
    // interpreted; the other handshake tests cover its unsafe there).
    #[cfg_attr(miri, ignore)]
    fn in_place_transmissions_equal_the_copied_ones() {
        use crate::scp03::{CardChannel, CardConfig, StaticKeys};
        let k = StaticKeys::new(0x30, &[1; 16], &[2; 16], &[3; 16]).unwrap();
        let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
        let open = |x: &mut Exchange| {
            let mut card = CardChannel::new(k.clone(), CardConfig::new(0x70, &aid).unwrap());
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            let cfg = crate::scp03::HostConfig::default();
            let (hs, n) = HostHandshake::start(&k, &cfg, &[9; 8], &mut a).unwrap();
            // INITIALIZE UPDATE through the exchange: its answer is the reply.
            let mut iu = [0u8; 64];
            x.command_buffer()[..n].copy_from_slice(&a[..n]);
            x.staged(n, false);
            let n = x.transmit(&mut iu).unwrap();
            let m = card.initialize_update(&iu[..n], &[], &mut b).unwrap();
            b[m..m + 2].copy_from_slice(&[0x90, 0x00]);
            x.receive(&b[..m + 2]).unwrap().unwrap();
            x.secure = SecureChannel::Handshake(hs);
            x.authenticate((&k).into()).unwrap();
            let n = x.transmit(&mut a).unwrap();
            card.external_authenticate(&a[..n]).unwrap();
            x.receive(&[0x90, 0x00]).unwrap();
            x.confirm(StatusWord::SUCCESS).unwrap();
            card
        };
        let (mut copied, mut in_place) = (Exchange::IDLE, Exchange::IDLE);
        assert_eq!(in_place.transmit_in_place(), Err(ExchangeError::OutOfOrder));
        assert!(in_place.transfer_buffers().0.is_empty());
        let mut out = [0u8; WIRE_MAX];
        // Plain: 6Cxx (a re-send with Le 8), then 61xx (GET RESPONSE).
        for (answer, what) in [
            (&[0x6C, 0x08][..], "re-send"),
            (&[0x61, 0x05], "GET RESPONSE"),
        ] {
            for x in [&mut copied, &mut in_place] {
                x.stage(&read_binary(), false).unwrap();
            }
            for answer in [answer, &[0x90, 0x00]] {
                let n = copied.transmit(&mut out).unwrap();
                let m = in_place.transmit_in_place().unwrap();
                let (command, response) = in_place.transfer_buffers();
                assert_eq!(command, &out[..n], "{what}");
                assert_eq!(response.len(), RESP_MAX);
                assert_eq!(m, n);
                for x in [&mut copied, &mut in_place] {
                    x.receive(answer).unwrap();
                }
            }
            assert!(in_place.last_command().2, "a continuation");
        }
        // Protected: the largest command and a READ, wrapped where they lie.
        let mut cards = [open(&mut copied), open(&mut in_place)];
        let data = [0x5A; WRAPPED_DATA_MAX];
        for c in [
            Command::new(0x00, 0x2A, 0x9E, 0x9A, &data, Some(256)),
            read_binary(),
        ] {
            for x in [&mut copied, &mut in_place] {
                x.stage(&c, true).unwrap();
            }
            let n = copied.transmit(&mut out).unwrap();
            in_place.transmit_in_place().unwrap();
            assert_eq!(in_place.transfer_buffers().0, &out[..n]);
            let mut plain = [0u8; 300];
            let m = cards[1].unwrap_command(&out[..n], &mut plain).unwrap();
            assert_eq!(Command::parse(&plain[..m]).unwrap().data, c.data);
            cards[0].unwrap_command(&out[..n], &mut plain).unwrap();
            // The plain form is gone where it was wrapped over.
            assert!(!copied.last_command().0.is_empty());
            assert!(in_place.last_command().0.is_empty());
            for (x, card) in [&mut copied, &mut in_place]
                .into_iter()
                .zip(cards.iter_mut())
            {
                let mut r = [0u8; 64];
                let w = card.wrap_response(&[0x42], 0x9000, &mut r).unwrap();
                let reply = x.receive(&r[..w]).unwrap().unwrap();
                assert_eq!((reply.len, x.data()), (1, &[0x42][..]));
            }
        }
        assert!(in_place.transfer_buffers().0.is_empty(), "answered");
    }
}
