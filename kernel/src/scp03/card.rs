//! The card (Security Domain) role: answer INITIALIZE UPDATE, verify
//! EXTERNAL AUTHENTICATE, unwrap commands, wrap responses. The virtual card
//! and the differential tests use it.

use zeroize::Zeroize;

use super::error::Scp03Error;
use super::keys::{pseudo_random_challenge, SessionKeys, StaticKeys};
use super::params::{i_param, Mode, SecurityLevel};
use super::session::Session;
use super::verify::ct_equal;
use crate::apdu::{channel_of, class_on_channel, Command, StatusWord};

/// How the card's Security Domain is set up.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardConfig {
    /// The `i` parameter (S16, pseudo-random challenge, R-MAC, R-ENC support).
    pub i: u8,
    /// Key diversification data returned in the IU response.
    pub kdd: [u8; 10],
    aid: [u8; 16],
    aid_len: u8,
    /// The sequence counter of the key set (3 bytes, incremented per IU in pseudo-random mode).
    pub sequence_counter: u32,
}

impl CardConfig {
    /// A configuration with `i` and the AID of the application that owns the channel.
    pub fn new(i: u8, aid: &[u8]) -> Result<CardConfig, Scp03Error> {
        let mut a = [0u8; 16];
        if !(5..=16).contains(&aid.len()) {
            return Err(Scp03Error::MalformedCommand("AID must be 5..=16 bytes"));
        }
        a.get_mut(..aid.len())
            .unwrap_or(&mut [])
            .copy_from_slice(aid);
        Ok(CardConfig {
            i,
            kdd: [0; 10],
            aid: a,
            aid_len: aid.len() as u8,
            sequence_counter: 0,
        })
    }

    /// The application's AID.
    pub fn aid(&self) -> &[u8] {
        self.aid.get(..usize::from(self.aid_len)).unwrap_or(&[])
    }
}

// No heap in the kernel: the session lives inline in the card state.
#[allow(clippy::large_enum_variant)]
enum State {
    Idle,
    Initialized {
        keys: SessionKeys,
        host_challenge: [u8; 16],
        card_challenge: [u8; 16],
        channel: u8,
    },
    Open(Session),
}

/// The card side of SCP03 for one key set: answers INITIALIZE UPDATE and
/// EXTERNAL AUTHENTICATE, then unwraps commands and wraps responses. A
/// command whose C-MAC does not verify ends the session.
///
/// ```
/// use scboot::scp03::*;
/// let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
/// let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &[0xA0, 0, 0, 0, 0x63])?);
/// # let (mut cmd, mut resp) = ([0u8; 64], [0u8; 64]);
/// # let (hs, n) = HostHandshake::start(&keys, &HostConfig::default(), &[7; 8], &mut cmd)?;
/// # let m = card.initialize_update(&cmd[..n], &[0; 8], &mut resp)?;
/// # let (pending, n) = hs.authenticate(&keys, &resp[..m], &mut cmd)?;
/// # card.external_authenticate(&cmd[..n])?;
/// # let mut host = pending.confirm(0x9000)?;
/// // After the handshake: a wrapped SELECT, as the host sent it.
/// let n = host.wrap(&[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x50, 0x31], &mut cmd)?;
/// let mut plain = [0u8; 64];
/// let m = card.unwrap_command(&cmd[..n], &mut plain)?;
/// assert_eq!(&plain[..m], &[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x50, 0x31]);
/// // The same command replayed: its C-MAC no longer chains; the session ends.
/// assert!(card.unwrap_command(&cmd[..n], &mut plain).is_err());
/// assert!(!card.is_open());
/// # Ok::<(), Scp03Error>(())
/// ```
pub struct CardChannel {
    keys: StaticKeys,
    cfg: CardConfig,
    state: State,
}

impl core::fmt::Debug for CardChannel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CardChannel")
            .field("i", &self.cfg.i)
            .field("sequence_counter", &self.cfg.sequence_counter)
            .field("open", &self.is_open())
            .finish_non_exhaustive()
    }
}

impl CardChannel {
    /// A card Security Domain holding `keys`.
    pub fn new(keys: StaticKeys, cfg: CardConfig) -> CardChannel {
        CardChannel {
            keys,
            cfg,
            state: State::Idle,
        }
    }

    /// The sequence counter's current value.
    pub const fn sequence_counter(&self) -> u32 {
        self.cfg.sequence_counter
    }

    /// Whether a session is open.
    pub fn is_open(&self) -> bool {
        matches!(&self.state, State::Open(s) if s.is_open())
    }

    /// The level of the open session.
    pub fn level(&self) -> Option<SecurityLevel> {
        match &self.state {
            State::Open(s) if s.is_open() => Some(s.level),
            _ => None,
        }
    }

    /// The logical channel of the open session.
    pub fn channel(&self) -> Option<u8> {
        match &self.state {
            State::Open(s) if s.is_open() => Some(s.channel),
            _ => None,
        }
    }

    /// End any session (new application selected, channel closed, reset).
    pub fn terminate(&mut self) {
        self.state = State::Idle;
    }

    /// The mode the card's `i` names, if this build runs it.
    fn mode(&self) -> Result<Mode, Scp03Error> {
        Mode::from_i(self.cfg.i).available()
    }

    /// Answer an INITIALIZE UPDATE command (whole APDU). `random_challenge`
    /// is the card challenge when `i` asks for a random one (ignored for a
    /// pseudo-random one). Writes the response data (without SW) into `out`.
    /// Any session in progress ends.
    pub fn initialize_update(
        &mut self,
        command: &[u8],
        random_challenge: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.state = State::Idle;
        let cmd = Command::parse(command)
            .map_err(|_| Scp03Error::MalformedCommand("not a command APDU"))?;
        if cmd.ins != 0x50 || cmd.cla & 0x80 == 0 {
            return Err(Scp03Error::UnexpectedCommand("not INITIALIZE UPDATE"));
        }
        let mode = self.mode()?;
        let m = mode.session_size();
        if cmd.data.len() != m {
            return Err(Scp03Error::WrongChallengeLength {
                expected: m,
                found: cmd.data.len(),
            });
        }
        if cmd.p1 != 0 && cmd.p1 != self.keys.kvn() {
            return Err(Scp03Error::KvnMismatch {
                expected: self.keys.kvn(),
                found: cmd.p1,
            });
        }
        let pseudo = self.cfg.i & i_param::PSEUDO_RANDOM_CHALLENGE != 0;
        let total = 13 + 2 * m + if pseudo { 3 } else { 0 };
        let dst = out
            .get_mut(..total)
            .ok_or(Scp03Error::BufferTooSmall { needed: total })?;
        let mut card_challenge = [0u8; 16];
        let mut seq = [0u8; 3];
        if pseudo {
            if self.cfg.sequence_counter >= 0xFF_FFFF {
                return Err(Scp03Error::SequenceCounterExhausted);
            }
            self.cfg.sequence_counter += 1;
            let b = self.cfg.sequence_counter.to_be_bytes();
            seq = [b[1], b[2], b[3]];
            card_challenge = pseudo_random_challenge(&self.keys, mode, seq, self.cfg.aid())?;
        } else {
            if random_challenge.len() != m {
                return Err(Scp03Error::WrongChallengeLength {
                    expected: m,
                    found: random_challenge.len(),
                });
            }
            card_challenge
                .get_mut(..m)
                .unwrap_or(&mut [])
                .copy_from_slice(random_challenge);
        }
        let hc = cmd.data;
        let cc = card_challenge.get(..m).unwrap_or(&[]);
        let keys = SessionKeys::derive(&self.keys, hc, cc)?;
        let cryptogram = keys.card_cryptogram(mode, hc, cc)?;
        let mut w = crate::apdu::Cursor { buf: dst, pos: 0 };
        w.put(&self.cfg.kdd);
        w.put(&[self.keys.kvn(), 0x03, self.cfg.i]);
        w.put(cc);
        w.put(cryptogram.get(..m).unwrap_or(&[]));
        if pseudo {
            w.put(&seq);
        }
        let mut host_challenge = [0u8; 16];
        host_challenge
            .get_mut(..m)
            .unwrap_or(&mut [])
            .copy_from_slice(hc);
        self.state = State::Initialized {
            keys,
            host_challenge,
            card_challenge,
            channel: channel_of(cmd.cla),
        };
        Ok(total)
    }

    /// Verify EXTERNAL AUTHENTICATE (host cryptogram and C-MAC, constant
    /// time) and open the session at the level it asks for. On failure no
    /// session is open.
    pub fn external_authenticate(&mut self, command: &[u8]) -> Result<SecurityLevel, Scp03Error> {
        let state = core::mem::replace(&mut self.state, State::Idle);
        let State::Initialized {
            keys,
            host_challenge,
            card_challenge,
            channel,
        } = &state
        else {
            return Err(Scp03Error::UnexpectedCommand(
                "EXTERNAL AUTHENTICATE without INITIALIZE UPDATE",
            ));
        };
        let cmd = Command::parse(command)
            .map_err(|_| Scp03Error::MalformedCommand("not a command APDU"))?;
        if cmd.ins != 0x82 {
            return Err(Scp03Error::UnexpectedCommand("not EXTERNAL AUTHENTICATE"));
        }
        let mode = self.mode()?;
        let m = mode.session_size();
        let level = SecurityLevel::new(cmd.p1)?;
        if !level.offered_by(self.cfg.i) {
            return Err(Scp03Error::LevelNotOffered {
                level: cmd.p1,
                i: self.cfg.i,
            });
        }
        if cmd.data.len() != 2 * m || cmd.p2 != 0 || cmd.le.is_some() || cmd.extended {
            return Err(Scp03Error::MalformedCommand("EXTERNAL AUTHENTICATE length"));
        }
        let (cg, mac) = cmd.data.split_at(m);
        let hc = host_challenge.get(..m).unwrap_or(&[]);
        let cc = card_challenge.get(..m).unwrap_or(&[]);
        let mut expected = keys.host_cryptogram(mode, hc, cc)?;
        let cg_ok = ct_equal(expected.get(..m).unwrap_or(&[]), cg);
        expected.zeroize();
        let mut session = Session::new(keys, level, mode, *channel)?;
        let header = [
            class_on_channel(cmd.cla, 0, true).unwrap_or(0x84),
            cmd.ins,
            cmd.p1,
            cmd.p2,
            (2 * m) as u8,
        ];
        let full = session.external_authenticate_mac(&header, cg)?;
        let mac_ok = ct_equal(full.get(..m).unwrap_or(&[]), mac);
        if !cg_ok {
            return Err(Scp03Error::HostCryptogramMismatch);
        }
        if !mac_ok {
            return Err(Scp03Error::CMacMismatch);
        }
        self.state = State::Open(session);
        Ok(level)
    }

    fn session(&mut self) -> Result<&mut Session, Scp03Error> {
        match &mut self.state {
            State::Open(s) => Ok(s),
            _ => Err(Scp03Error::SessionTerminated),
        }
    }

    /// Verify (C-MAC, constant time) and decrypt a wire command; writes the
    /// plain command APDU into `out` (which needs room for 10 bytes more
    /// than the wire data). A failure terminates the session and leaves no
    /// decrypted byte in `out`.
    pub fn unwrap_command(&mut self, command: &[u8], out: &mut [u8]) -> Result<usize, Scp03Error> {
        self.session()?.unwrap_command(command, out)
    }

    #[cfg(test)]
    pub(crate) fn session_mut(&mut self) -> Option<&mut Session> {
        match &mut self.state {
            State::Open(s) => Some(s),
            _ => None,
        }
    }

    /// Audit hook (`--cfg scboot_ct_audit` only, never in a product): encrypt
    /// `blocks` as given, without adding padding, then R-MAC and `sw`, so
    /// that the constant-time audit can time the host's padding check on
    /// good and bad paddings under a good R-MAC.
    #[cfg(scboot_ct_audit)]
    pub fn wrap_response_unpadded_for_audit(
        &mut self,
        blocks: &[u8],
        sw: impl Into<StatusWord>,
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.session()?
            .wrap_response_unpadded(blocks, sw.into(), out)
    }

    /// Protect a response (encrypt, R-MAC) into `out`; error status words go bare.
    pub fn wrap_response(
        &mut self,
        data: &[u8],
        sw: impl Into<StatusWord>,
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.session()?.wrap_response(data, sw.into(), out)
    }
}
