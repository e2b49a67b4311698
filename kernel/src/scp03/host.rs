//! The host (off-card entity) role: INITIALIZE UPDATE, card cryptogram
//! check, EXTERNAL AUTHENTICATE, then command wrapping and response unwrapping.

use zeroize::Zeroize;

use super::crypto::Mac;
use super::error::Scp03Error;
use super::iu::InitUpdateResponse;
use super::keys::{pseudo_random_challenge_with, StaticKeyRef};
use super::params::{constants, Mode, SecurityLevel};
use super::session::{Response, Session};
use super::verify::ct_equal;
use crate::apdu::{class_on_channel, StatusWord};

/// What the host asks for: start from [`HostConfig::default`] and change
/// what differs.
///
/// ```
/// use scboot::scp03::{HostConfig, Mode, SecurityLevel};
/// let cfg = HostConfig::default().level(SecurityLevel::C_MAC_R_MAC).mode(Mode::S16).channel(1);
/// assert_eq!((cfg.level, cfg.mode, cfg.channel), (SecurityLevel::C_MAC_R_MAC, Mode::S16, 1));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostConfig<'a> {
    /// The security level for EXTERNAL AUTHENTICATE.
    pub level: SecurityLevel,
    /// S8 or S16.
    pub mode: Mode,
    /// The logical channel (0..=19).
    pub channel: u8,
    /// The AID of the selected application: when set and the card uses a
    /// pseudo-random challenge, the challenge is checked against the
    /// sequence counter and this AID.
    pub card_aid: Option<&'a [u8]>,
}

impl<'a> HostConfig<'a> {
    /// With this security level.
    #[must_use]
    pub const fn level(mut self, level: SecurityLevel) -> Self {
        self.level = level;
        self
    }

    /// With S8 or S16.
    #[must_use]
    pub const fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// On this logical channel.
    #[must_use]
    pub const fn channel(mut self, channel: u8) -> Self {
        self.channel = channel;
        self
    }

    /// Checking a pseudo-random card challenge against this AID.
    #[must_use]
    pub const fn card_aid(mut self, aid: Option<&'a [u8]>) -> Self {
        self.card_aid = aid;
        self
    }
}

impl Default for HostConfig<'_> {
    /// Level 33 (LwM2M Appendix H), S8, basic channel, no challenge check.
    fn default() -> Self {
        HostConfig {
            level: SecurityLevel::ALL,
            mode: Mode::S8,
            channel: 0,
            card_aid: None,
        }
    }
}

/// After INITIALIZE UPDATE was built: waiting for its response. Holds
/// nothing secret (the host challenge went to the card in clear).
///
/// The host's handshake, step by step (the card's answers here are a
/// [`super::CardChannel`]'s; over a reader they come from the card):
///
/// ```
/// use scboot::scp03::*;
/// let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
/// let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
/// let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &aid)?);
/// let cfg = HostConfig::default().level(SecurityLevel::C_MAC_R_MAC);
/// let (mut cmd, mut resp) = ([0u8; 64], [0u8; 64]);
///
/// // INITIALIZE UPDATE with an 8-byte host challenge (random in a product).
/// let (hs, n) = HostHandshake::start(&keys, &cfg, &[7; 8], &mut cmd)?;
/// assert_eq!(&cmd[..5], &[0x80, 0x50, 0x30, 0x00, 0x08]);
/// let m = card.initialize_update(&cmd[..n], &[0; 8], &mut resp)?;
/// // The card cryptogram is checked here; EXTERNAL AUTHENTICATE is built.
/// let (pending, n) = hs.authenticate(&keys, &resp[..m], &mut cmd)?;
/// card.external_authenticate(&cmd[..n])?;
/// // The session opens on the card's 9000.
/// let session = pending.confirm(0x9000)?;
/// assert_eq!(session.level(), SecurityLevel::C_MAC_R_MAC);
/// # Ok::<(), Scp03Error>(())
/// ```
#[derive(Debug)]
pub struct HostHandshake {
    host_challenge: [u8; 16],
    level: SecurityLevel,
    mode: Mode,
    channel: u8,
    kvn: u8,
    aid: [u8; 16],
    aid_len: u8,
}

/// After EXTERNAL AUTHENTICATE was built: waiting for its status word.
pub struct PendingSession {
    host: HostSession,
    /// Zeroized when dropped.
    host_cryptogram: zeroize::Zeroizing<[u8; 16]>,
}

/// An open host-side Secure Channel Session: [`HostSession::wrap`] each
/// command, [`HostSession::unwrap`] each response. A response whose R-MAC
/// or padding does not verify ends the session and returns nothing.
///
/// ```
/// use scboot::scp03::*;
/// # let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
/// # let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &[0xA0, 0, 0, 0, 0x63])?);
/// # let (mut cmd, mut resp) = ([0u8; 64], [0u8; 64]);
/// # let (hs, n) = HostHandshake::start(&keys, &HostConfig::default(), &[7; 8], &mut cmd)?;
/// # let m = card.initialize_update(&cmd[..n], &[0; 8], &mut resp)?;
/// # let (pending, n) = hs.authenticate(&keys, &resp[..m], &mut cmd)?;
/// # card.external_authenticate(&cmd[..n])?;
/// let mut host: HostSession = pending.confirm(0x9000)?; // level 33
/// let n = host.wrap(&[0x00, 0xB0, 0x00, 0x00, 0x00], &mut cmd)?;
/// assert_eq!(cmd[0], 0x04); // secure messaging indicated in the class byte
/// # let m = card.unwrap_command(&cmd[..n], &mut resp)?;
/// let m = card.wrap_response(b"file bytes", 0x9000, &mut resp)?;
///
/// // A response altered on the way: nothing is returned, the session ends.
/// let mut forged = resp;
/// forged[0] ^= 1;
/// let mut out = [0u8; 64];
/// assert_eq!(host.unwrap(&forged[..m], &mut out), Err(Scp03Error::RMacMismatch));
/// assert!(!host.is_open());
/// # Ok::<(), Scp03Error>(())
/// ```
pub struct HostSession {
    session: Session,
    response: InitUpdateResponse,
}

impl core::fmt::Debug for PendingSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingSession")
            .field("level", &self.host.session.level)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Debug for HostSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HostSession")
            .field("level", &self.session.level)
            .field("mode", &self.session.mode)
            .field("channel", &self.session.channel)
            .field("open", &self.session.is_open())
            .finish_non_exhaustive()
    }
}

impl HostHandshake {
    /// Build INITIALIZE UPDATE (`80 50 KVN 00 Lc host_challenge 00`, class
    /// on the configured channel) into `out`. `host_challenge` must be fresh
    /// random bytes, 8 (S8) or 16 (S16) of them.
    pub fn start<'k>(
        keys: impl Into<StaticKeyRef<'k>>,
        cfg: &HostConfig<'_>,
        host_challenge: &[u8],
        out: &mut [u8],
    ) -> Result<(HostHandshake, usize), Scp03Error> {
        let keys = keys.into();
        let m = cfg.mode.available()?.session_size();
        if host_challenge.len() != m {
            return Err(Scp03Error::WrongChallengeLength {
                expected: m,
                found: host_challenge.len(),
            });
        }
        let cla = class_on_channel(0x80, cfg.channel, false)
            .ok_or(Scp03Error::InvalidChannel(cfg.channel))?;
        let total = 6 + m;
        let dst = out
            .get_mut(..total)
            .ok_or(Scp03Error::BufferTooSmall { needed: total })?;
        let (head, rest) = dst.split_at_mut(5);
        head.copy_from_slice(&[cla, 0x50, keys.kvn(), 0x00, m as u8]);
        let (data, le) = rest.split_at_mut(m);
        data.copy_from_slice(host_challenge);
        le.fill(0);
        let mut hs = HostHandshake {
            host_challenge: [0; 16],
            level: cfg.level,
            mode: cfg.mode,
            channel: cfg.channel,
            kvn: keys.kvn(),
            aid: [0; 16],
            aid_len: 0,
        };
        hs.host_challenge
            .get_mut(..m)
            .unwrap_or(&mut [])
            .copy_from_slice(host_challenge);
        if let Some(aid) = cfg.card_aid {
            let dst = hs
                .aid
                .get_mut(..aid.len())
                .ok_or(Scp03Error::MalformedCommand("AID longer than 16 bytes"))?;
            dst.copy_from_slice(aid);
            hs.aid_len = aid.len() as u8;
        }
        Ok((hs, total))
    }

    /// The host challenge sent.
    pub fn host_challenge(&self) -> &[u8] {
        self.host_challenge
            .get(..self.mode.session_size())
            .unwrap_or(&[])
    }

    /// Check the INITIALIZE UPDATE response data (status word removed):
    /// strict lengths, SCP 03, key version, level offered by `i`, the
    /// pseudo-random challenge when configured, and the card cryptogram
    /// (constant time). Then derive the session keys and build EXTERNAL
    /// AUTHENTICATE into `out`.
    pub fn authenticate<'k>(
        self,
        keys: impl Into<StaticKeyRef<'k>>,
        iu_response: &[u8],
        out: &mut [u8],
    ) -> Result<(PendingSession, usize), Scp03Error> {
        let mut host = HostSession::closed();
        let (n, host_cryptogram) = self.authenticate_into(keys, iu_response, out, &mut host)?;
        Ok((
            PendingSession {
                host,
                host_cryptogram,
            },
            n,
        ))
    }

    /// [`HostHandshake::authenticate`] into a session where it lives: its
    /// key schedules are built there and never moved (a microcontroller
    /// keeps one session's worth of RAM, and a host copies no kilobytes of
    /// schedules). Whatever `into` held is ended first. On success it holds
    /// the keyed session, waiting for [`HostSession::confirm`]; on failure
    /// it holds no key. Returns the length of EXTERNAL AUTHENTICATE and the
    /// host cryptogram (zeroized when dropped).
    ///
    /// ```
    /// use scboot::scp03::*;
    /// let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
    /// let aid = [0xA0, 0x00, 0x00, 0x00, 0x63];
    /// let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &aid)?);
    /// let (mut cmd, mut resp) = ([0u8; 64], [0u8; 64]);
    /// let mut host = HostSession::closed(); // where the session lives
    /// let (hs, n) = HostHandshake::start(&keys, &HostConfig::default(), &[7; 8], &mut cmd)?;
    /// let m = card.initialize_update(&cmd[..n], &[0; 8], &mut resp)?;
    /// let (n, _host_cryptogram) = hs.authenticate_into(&keys, &resp[..m], &mut cmd, &mut host)?;
    /// card.external_authenticate(&cmd[..n])?;
    /// host.confirm(0x9000)?;
    /// assert!(host.is_open() && host.level() == SecurityLevel::ALL);
    /// # Ok::<(), Scp03Error>(())
    /// ```
    pub fn authenticate_into<'k>(
        &self,
        keys: impl Into<StaticKeyRef<'k>>,
        iu_response: &[u8],
        out: &mut [u8],
        into: &mut HostSession,
    ) -> Result<(usize, zeroize::Zeroizing<[u8; 16]>), Scp03Error> {
        let mut host_cryptogram = zeroize::Zeroizing::new([0u8; 16]);
        let n =
            self.authenticate_session(keys, iu_response, out, into, Some(&mut host_cryptogram))?;
        Ok((n, host_cryptogram))
    }

    /// [`HostHandshake::authenticate_into`], the host cryptogram copied to
    /// `keep` when given (a procedure does not keep it).
    pub(crate) fn authenticate_session<'k>(
        &self,
        keys: impl Into<StaticKeyRef<'k>>,
        iu_response: &[u8],
        out: &mut [u8],
        into: &mut HostSession,
        keep: Option<&mut [u8; 16]>,
    ) -> Result<usize, Scp03Error> {
        // The old session ends when the new one is keyed, or on failure below.
        let done = self.authenticate_in(keys.into(), iu_response, out, into, keep);
        if done.is_err() {
            // No key stays, and no response of a handshake that failed.
            into.session.terminate();
            into.response = InitUpdateResponse::EMPTY;
        }
        done
    }

    /// [`HostHandshake::authenticate_into`]'s work in three parts, each
    /// with its own frame, so that only the keying's is under the key
    /// schedules being built (a microcontroller's peak stack): the
    /// response, parsed where the session keeps it; the session keys,
    /// derived and keyed one at a time where they live; the cryptograms
    /// and EXTERNAL AUTHENTICATE.
    fn authenticate_in(
        &self,
        keys: StaticKeyRef<'_>,
        iu_response: &[u8],
        out: &mut [u8],
        into: &mut HostSession,
        keep: Option<&mut [u8; 16]>,
    ) -> Result<usize, Scp03Error> {
        self.accept_response(iu_response, &mut into.response)?;
        let r = &into.response;
        let m = self.mode.session_size();
        let cc = r.card_challenge();
        let sequence_counter = r.sequence_counter;
        let mut check = |enc: &Mac| {
            if let (Some(seq), true) = (sequence_counter, self.aid_len > 0) {
                let aid = self.aid.get(..usize::from(self.aid_len)).unwrap_or(&[]);
                let expected = pseudo_random_challenge_with(enc, self.mode, seq, aid)?;
                if !ct_equal(expected.get(..m).unwrap_or(&[]), cc) {
                    return Err(Scp03Error::CardChallengeMismatch);
                }
            }
            Ok(())
        };
        let context = [self.host_challenge(), cc];
        into.session.open_derived(
            keys,
            context,
            self.level,
            self.mode,
            self.channel,
            &mut check,
        )?;
        self.external_authenticate(into, out, keep)
    }

    /// The INITIALIZE UPDATE response parsed into `response`, with its key
    /// version and `i` checked against what was asked for.
    #[inline(never)]
    fn accept_response(
        &self,
        iu_response: &[u8],
        response: &mut InitUpdateResponse,
    ) -> Result<(), Scp03Error> {
        *response = InitUpdateResponse::parse(iu_response, self.mode)?;
        if self.kvn != 0 && response.kvn != self.kvn {
            return Err(Scp03Error::KvnMismatch {
                expected: self.kvn,
                found: response.kvn,
            });
        }
        if !self.level.offered_by(response.i) {
            return Err(Scp03Error::LevelNotOffered {
                level: self.level.bits(),
                i: response.i,
            });
        }
        Ok(())
    }

    /// With the session keyed: the card cryptogram checked (constant
    /// time), the host cryptogram computed, EXTERNAL AUTHENTICATE built
    /// into `out` (its S-MAC schedule computes both cryptograms and the
    /// C-MAC).
    #[inline(never)]
    fn external_authenticate(
        &self,
        into: &mut HostSession,
        out: &mut [u8],
        keep: Option<&mut [u8; 16]>,
    ) -> Result<usize, Scp03Error> {
        let m = self.mode.session_size();
        let hc = self.host_challenge();
        let r = &into.response;
        let cc = r.card_challenge();
        let session = &mut into.session;
        let mut card_cg = session.cryptogram(constants::CARD_CRYPTOGRAM, hc, cc)?;
        let ok = ct_equal(card_cg.get(..m).unwrap_or(&[]), r.card_cryptogram());
        card_cg.zeroize();
        if !ok {
            return Err(Scp03Error::CardCryptogramMismatch);
        }
        let host_cryptogram =
            zeroize::Zeroizing::new(session.cryptogram(constants::HOST_CRYPTOGRAM, hc, cc)?);

        // EXTERNAL AUTHENTICATE: 84 82 level 00 Lc host_cryptogram C-MAC (chain 16 x 00).
        let total = 5 + 2 * m;
        let Some(dst) = out.get_mut(..total) else {
            return Err(Scp03Error::BufferTooSmall { needed: total });
        };
        let header = [0x84, 0x82, self.level.bits(), 0x00, (2 * m) as u8];
        let cg = host_cryptogram.get(..m).unwrap_or(&[]);
        let mac = session.external_authenticate_mac(&header, cg)?;
        let Some(wire_cla) = class_on_channel(0x80, self.channel, true) else {
            return Err(Scp03Error::InvalidChannel(self.channel));
        };
        let (head, rest) = dst.split_at_mut(5);
        head.copy_from_slice(&[wire_cla, 0x82, self.level.bits(), 0x00, (2 * m) as u8]);
        let (c, mac_out) = rest.split_at_mut(m);
        c.copy_from_slice(cg);
        mac_out.copy_from_slice(mac.get(..m).unwrap_or(&[]));
        if let Some(keep) = keep {
            keep.copy_from_slice(&*host_cryptogram);
        }
        Ok(total)
    }
}

impl PendingSession {
    /// The card's INITIALIZE UPDATE response, parsed.
    pub const fn init_update_response(&self) -> &InitUpdateResponse {
        &self.host.response
    }

    /// The host cryptogram sent.
    pub fn host_cryptogram(&self) -> &[u8] {
        self.host_cryptogram
            .get(..self.host.session.mode.session_size())
            .unwrap_or(&[])
    }

    /// The status word of EXTERNAL AUTHENTICATE: `9000` opens the session;
    /// anything else ends it (no R-MAC is expected on this response).
    #[inline]
    pub fn confirm(self, sw: impl Into<StatusWord>) -> Result<HostSession, Scp03Error> {
        let PendingSession { mut host, .. } = self;
        host.confirm(sw)?;
        Ok(host)
    }
}

impl HostSession {
    /// A session with no keys (every step refuses it): the place
    /// [`HostHandshake::authenticate_into`] keys a session in.
    pub const fn closed() -> HostSession {
        HostSession {
            session: Session::closed(),
            response: InitUpdateResponse::EMPTY,
        }
    }

    /// EXTERNAL AUTHENTICATE's status word, for a session keyed in place
    /// by [`HostHandshake::authenticate_into`]: `9000` opens it; anything
    /// else ends it. A session with no keys is refused.
    pub fn confirm(&mut self, sw: impl Into<StatusWord>) -> Result<(), Scp03Error> {
        let sw = sw.into();
        if !self.session.is_open() {
            return Err(Scp03Error::SessionTerminated);
        }
        if !sw.is_success() {
            self.session.terminate();
            return Err(Scp03Error::AuthenticationRefused(sw));
        }
        Ok(())
    }

    /// Protect a plain command APDU (case 1..4, short or extended; the class
    /// byte's family is kept, its channel and secure messaging bits are set)
    /// into `out`; returns the wire length. The MAC chain and the encryption
    /// counter advance whatever the card answers.
    pub fn wrap(&mut self, command: &[u8], out: &mut [u8]) -> Result<usize, Scp03Error> {
        self.session.wrap_command(command, out)
    }

    /// [`HostSession::wrap`] in place: `buf[..len]` holds the plain command
    /// and `buf` has room for the wire one, which replaces it; its length.
    /// No second buffer is needed.
    ///
    /// ```
    /// # use scboot::scp03::*;
    /// # let keys = StaticKeys::new(0x30, &[0x40; 16], &[0x41; 16], &[0x42; 16])?;
    /// # let mut card = CardChannel::new(keys.clone(), CardConfig::new(0x70, &[0xA0, 0, 0, 0, 0x63])?);
    /// # let (mut cmd, mut resp) = ([0u8; 64], [0u8; 64]);
    /// # let mut host = HostSession::closed();
    /// # let (hs, n) = HostHandshake::start(&keys, &HostConfig::default(), &[7; 8], &mut cmd)?;
    /// # let m = card.initialize_update(&cmd[..n], &[0; 8], &mut resp)?;
    /// # let (n, _) = hs.authenticate_into(&keys, &resp[..m], &mut cmd, &mut host)?;
    /// # card.external_authenticate(&cmd[..n])?;
    /// # host.confirm(0x9000)?;
    /// let mut buf = [0u8; 64];
    /// buf[..9].copy_from_slice(&[0x00, 0xD6, 0x00, 0x00, 0x03, 1, 2, 3, 0x00]);
    /// let n = host.wrap_in_place(&mut buf, 9)?; // header, 16 encrypted bytes, C-MAC, Le
    /// assert_eq!(n, 5 + 16 + 8 + 1);
    /// let m = card.unwrap_command(&buf[..n], &mut resp)?;
    /// assert_eq!(&resp[..m], &[0x00, 0xD6, 0x00, 0x00, 0x03, 1, 2, 3, 0x00]);
    /// # Ok::<(), Scp03Error>(())
    /// ```
    pub fn wrap_in_place(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Scp03Error> {
        self.session.wrap_command_in_place(buf, len)
    }

    /// Verify (R-MAC, constant time) then decrypt (R-ENC) a whole response
    /// (data, R-MAC, SW) into `out`. Any failure terminates the session and
    /// leaves no decrypted byte in `out`. Bare error status words are
    /// accepted without an R-MAC.
    pub fn unwrap(&mut self, response: &[u8], out: &mut [u8]) -> Result<Response, Scp03Error> {
        self.session.unwrap_response(response, out)
    }

    /// [`HostSession::unwrap`] in place: `buf` holds the whole wire response
    /// (data, R-MAC, SW); on success its first `len` bytes are the plain
    /// data. No second buffer is needed.
    pub fn unwrap_in_place(&mut self, buf: &mut [u8]) -> Result<Response, Scp03Error> {
        self.session.unwrap_response_in_place(buf)
    }

    /// The security level in force.
    pub const fn level(&self) -> SecurityLevel {
        self.session.level
    }

    /// S8 or S16.
    pub const fn mode(&self) -> Mode {
        self.session.mode
    }

    /// The logical channel.
    pub const fn channel(&self) -> u8 {
        self.session.channel
    }

    /// Whether the session is still open.
    pub const fn is_open(&self) -> bool {
        self.session.is_open()
    }

    /// The encryption counter of the last wrapped command (0 before the first).
    pub const fn counter(&self) -> u32 {
        self.session.counter()
    }

    /// The current MAC chaining value, for diagnostics and test vectors.
    /// It is session state: do not log it in production.
    pub const fn mac_chaining_value(&self) -> [u8; 16] {
        self.session.chain()
    }

    /// The card's INITIALIZE UPDATE response.
    pub const fn init_update_response(&self) -> &InitUpdateResponse {
        &self.response
    }

    /// End the session now (keys zeroized).
    pub fn terminate(&mut self) {
        self.session.terminate();
    }

    #[cfg(test)]
    pub(crate) fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }
}
