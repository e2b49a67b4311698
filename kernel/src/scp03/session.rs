//! The state of an open Secure Channel Session and the four protection
//! steps: wrap a command (host), unwrap a command (card), wrap a response
//! (card), unwrap a response (host).
//!
//! The session keys live in `Option`s: ending the session drops them
//! (zeroized), and every step must take them out first (all three or
//! none), so a key that was cleared cannot be used, by construction. Each
//! is keyed where the session lives, one at a time, so that no copy of the
//! whole keyed session is ever made (a microcontroller's stack holds one
//! key schedule in passing, not three).

use zeroize::{Zeroize, Zeroizing};

use super::crypto::{kdf_with, Cipher, Mac};
use super::error::Scp03Error;
use super::keys::{SessionKeys, StaticKeyRef};
use super::params::constants;
use super::params::{Mode, SecurityLevel};
use super::verify::{ct_equal, unpadded_len};
use crate::apdu::{channel_of, class_on_channel, split_response, Command, Framing, StatusWord};

/// An unwrapped response: `len` bytes of data were written to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    /// Data bytes written.
    pub len: usize,
    /// The status word.
    pub sw: StatusWord,
}

/// S-ENC's cipher, S-MAC's and S-RMAC's CMACs, keyed once for the
/// session: all three (open) or none (closed).
struct SessionCrypto {
    enc: Option<Cipher>,
    cmac: Option<Mac>,
    rmac: Option<Mac>,
}

/// The keys of an open session, borrowed for one step.
struct Keyed<'a> {
    enc: &'a Cipher,
    cmac: &'a Mac,
    rmac: &'a Mac,
}

impl SessionCrypto {
    const NONE: SessionCrypto = SessionCrypto {
        enc: None,
        cmac: None,
        rmac: None,
    };

    /// The three keys, when the session is open.
    fn keyed(&self) -> Option<Keyed<'_>> {
        match (&self.enc, &self.cmac, &self.rmac) {
            (Some(enc), Some(cmac), Some(rmac)) => Some(Keyed { enc, cmac, rmac }),
            _ => None,
        }
    }

    const fn is_some(&self) -> bool {
        self.enc.is_some() && self.cmac.is_some() && self.rmac.is_some()
    }

    /// Drop (zeroize) every key.
    fn clear(&mut self) {
        self.enc = None;
        self.cmac = None;
        self.rmac = None;
    }

    /// Derive the session keys from the static keys (Amendment D 6.2.1,
    /// `context` = host challenge, card challenge) and key each where it
    /// lives as soon as it is derived: one derived key (at most 32 bytes,
    /// wiped) is on the stack at a time. `check` runs first, on Key-ENC's
    /// CMAC. Static keys given as bytes are keyed in the two MAC slots,
    /// each replaced by its session key once it has served: Key-ENC (in
    /// `cmac`) derives S-ENC only, Key-MAC (in `rmac`) S-MAC then S-RMAC.
    /// On failure some slots may be keyed: the caller clears them.
    fn key_derived(
        &mut self,
        keys: StaticKeyRef<'_>,
        context: &[&[u8]; 2],
        check: &mut dyn FnMut(&Mac) -> Result<(), Scp03Error>,
    ) -> Result<(), Scp03Error> {
        let n = keys.key_len();
        if !matches!(n, 16 | 24 | 32) {
            return Err(Scp03Error::InvalidKey);
        }
        let mut derived = Zeroizing::new([0u8; 32]);
        let key = derived.get_mut(..n).ok_or(Scp03Error::InvalidKey)?;
        let (enc, mac) = match keys.keyed_or_key_into(&mut self.cmac, &mut self.rmac)? {
            Some((enc, mac)) => (Some(enc), Some(mac)),
            None => (None, None),
        };
        let key_enc = enc.or(self.cmac.as_ref()).ok_or(Scp03Error::InvalidKey)?;
        check(key_enc)?;
        kdf_with(key_enc, constants::S_ENC, context, key)?;
        Cipher::key_into(&mut self.enc, key)?;
        let key_mac = mac.or(self.rmac.as_ref()).ok_or(Scp03Error::InvalidKey)?;
        kdf_with(key_mac, constants::S_MAC, context, key)?;
        Mac::key_into(&mut self.cmac, key)?;
        kdf_with(key_mac, constants::S_RMAC, context, key)?;
        Mac::key_into(&mut self.rmac, key)?;
        Ok(())
    }

    /// Key all three from `keys`, each in its place.
    fn key(&mut self, keys: &SessionKeys) -> Result<(), Scp03Error> {
        self.clear();
        Cipher::key_into(&mut self.enc, keys.s_enc())?;
        Mac::key_into(&mut self.cmac, keys.s_mac())?;
        Mac::key_into(&mut self.rmac, keys.s_rmac())?;
        Ok(())
    }
}

/// Session state: keys, MAC chaining value, encryption counter.
pub(crate) struct Session {
    keys: SessionCrypto,
    chain: [u8; 16],
    counter: u32,
    pub(crate) level: SecurityLevel,
    pub(crate) mode: Mode,
    pub(crate) channel: u8,
}

impl Drop for Session {
    fn drop(&mut self) {
        // The cipher and the CMACs zeroize their key schedules when dropped.
        self.chain.zeroize();
    }
}

fn pad_len(n: usize) -> usize {
    (n / 16 + 1) * 16
}

/// The wire layout of one command to wrap, worked out from its plain form.
struct WrapPlan {
    /// Secure messaging (C-MAC) applies; without it only the class changes.
    sm: bool,
    wire_cla: u8,
    encrypt: bool,
    /// Where the plain data starts, and its length.
    data_at: usize,
    n: usize,
    /// The data's length on the wire (padded when encrypted).
    data_len: usize,
    /// The header as the MAC sees it, with Lc.
    header: [u8; 7],
    hdr_len: usize,
    /// The Le field: its first bytes, as many as `total` leaves after the
    /// MAC (0 to 3).
    le: [u8; 3],
    total: usize,
}

/// The ICV for command (`response = false`) or response encryption: the
/// counter block (byte 0 = `80` for responses) encrypted under S-ENC.
fn icv(enc: &Cipher, counter: u32, response: bool) -> [u8; 16] {
    let mut block = [0u8; 16];
    block[12..].copy_from_slice(&counter.to_be_bytes());
    if response {
        block[0] = 0x80;
    }
    enc.encrypt_block(&mut block);
    block
}

impl Session {
    pub(crate) fn new(
        keys: &SessionKeys,
        level: SecurityLevel,
        mode: Mode,
        channel: u8,
    ) -> Result<Session, Scp03Error> {
        let mut s = Session::closed();
        s.open_with(keys, level, mode, channel)?;
        Ok(s)
    }

    /// A session with no keys (every step refuses); [`Session::open_with`]
    /// keys it where it lies.
    pub(crate) const fn closed() -> Session {
        Session {
            keys: SessionCrypto::NONE,
            chain: [0; 16],
            counter: 0,
            level: SecurityLevel::AUTHENTICATED,
            mode: Mode::S8,
            channel: 0,
        }
    }

    /// Ended (keys dropped, chain wiped), then set up for a new session
    /// with these parameters and counter 0, not yet keyed.
    fn restart(&mut self, level: SecurityLevel, mode: Mode, channel: u8) {
        self.terminate();
        self.counter = 0;
        self.level = level;
        self.mode = mode;
        self.channel = channel;
    }

    /// Key this session in place (the schedules are built where the
    /// session lives, not moved into it) with a fresh chain and counter.
    /// Whatever it held before is dropped (zeroized) first.
    #[inline(never)]
    pub(crate) fn open_with(
        &mut self,
        keys: &SessionKeys,
        level: SecurityLevel,
        mode: Mode,
        channel: u8,
    ) -> Result<(), Scp03Error> {
        self.restart(level, mode, channel);
        if let Err(e) = self.keys.key(keys) {
            self.keys.clear();
            return Err(e);
        }
        Ok(())
    }

    /// [`Session::open_with`] the session keys derived from `keys` (see
    /// `SessionCrypto::key_derived`), with `check` run on Key-ENC's CMAC
    /// first. On failure the session is closed and holds no key. Out of
    /// line: its frame, not the handshake's, is under each key schedule
    /// being built; `check` is called through a reference, so that its
    /// temporaries are in its own frame, not in this one.
    #[inline(never)]
    pub(crate) fn open_derived(
        &mut self,
        keys: StaticKeyRef<'_>,
        context: [&[u8]; 2],
        level: SecurityLevel,
        mode: Mode,
        channel: u8,
        check: &mut dyn FnMut(&Mac) -> Result<(), Scp03Error>,
    ) -> Result<(), Scp03Error> {
        self.restart(level, mode, channel);
        let keyed = self.keys.key_derived(keys, &context, check);
        if keyed.is_err() {
            self.keys.clear();
        }
        keyed
    }

    /// End the session: keys and chaining value are zeroized now.
    pub(crate) fn terminate(&mut self) {
        self.keys.clear();
        self.chain.zeroize();
    }

    pub(crate) const fn is_open(&self) -> bool {
        self.keys.is_some()
    }

    pub(crate) const fn counter(&self) -> u32 {
        self.counter
    }

    pub(crate) const fn chain(&self) -> [u8; 16] {
        self.chain
    }

    #[cfg(test)]
    pub(crate) fn set_counter(&mut self, c: u32) {
        self.counter = c;
    }

    fn fail<T>(&mut self, e: Scp03Error) -> Result<T, Scp03Error> {
        self.terminate();
        Err(e)
    }

    fn check_open(&self) -> Result<(), Scp03Error> {
        if self.is_open() {
            Ok(())
        } else {
            Err(Scp03Error::SessionTerminated)
        }
    }

    fn next_counter(&mut self) -> Result<(), Scp03Error> {
        match self.counter.checked_add(1) {
            Some(c) => {
                self.counter = c;
                Ok(())
            }
            None => self.fail(Scp03Error::CounterExhausted),
        }
    }

    /// The C-MAC of `header || data` with the chain in front; the chain
    /// becomes the full MAC.
    pub(crate) fn mac_command(
        &mut self,
        header: &[u8],
        data: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        let full = k.cmac.mac(&[&self.chain, header, data]);
        self.chain = full;
        Ok(full)
    }

    /// A cryptogram (Amendment D 6.2.2.2/3: KDF with S-MAC) from this
    /// session's S-MAC; `mode.size()` bytes are meaningful.
    pub(crate) fn cryptogram(
        &mut self,
        constant: u8,
        hc: &[u8],
        cc: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        let m = self.mode.session_size();
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        let mut out = [0u8; 16];
        kdf_with(
            k.cmac,
            constant,
            &[hc, cc],
            out.get_mut(..m).ok_or(Scp03Error::InvalidKey)?,
        )?;
        Ok(out)
    }

    /// Begin a session with its first chaining value (16 x 00) and the EA MAC.
    pub(crate) fn external_authenticate_mac(
        &mut self,
        header: &[u8],
        host_cryptogram: &[u8],
    ) -> Result<[u8; 16], Scp03Error> {
        self.chain = [0; 16];
        self.mac_command(header, host_cryptogram)
    }

    // ------------------------------------------------------------ host side

    /// Protect a plain command APDU; writes the wire APDU into `out`.
    pub(crate) fn wrap_command(
        &mut self,
        plain: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        let plan = self.plan_wrap(plain)?;
        let too_small = Scp03Error::BufferTooSmall { needed: plan.total };
        let dst = out.get_mut(..plan.total).ok_or(too_small)?;
        if !plan.sm {
            dst.get_mut(..plain.len())
                .ok_or(too_small)?
                .copy_from_slice(plain);
            return self.wrap_planned(&plan, dst);
        }
        // The data goes straight where the wire form has it (nothing to
        // move after); the header is written over what is before it.
        let data = plain
            .get(plan.data_at..plan.data_at + plan.n)
            .unwrap_or(&[]);
        dst.get_mut(plan.hdr_len..plan.hdr_len + plan.n)
            .ok_or(too_small)?
            .copy_from_slice(data);
        let plan = WrapPlan {
            data_at: plan.hdr_len,
            ..plan
        };
        self.wrap_planned(&plan, dst)
    }

    /// Protect the plain command APDU in `buf[..len]` where it lies: the
    /// wire APDU replaces it (its length is returned); `buf` must have room
    /// for it. The plain command is gone afterwards.
    pub(crate) fn wrap_command_in_place(
        &mut self,
        buf: &mut [u8],
        len: usize,
    ) -> Result<usize, Scp03Error> {
        let plain = buf
            .get(..len)
            .ok_or(Scp03Error::MalformedCommand("not a command APDU"))?;
        let plan = self.plan_wrap(plain)?;
        let dst = buf
            .get_mut(..plan.total)
            .ok_or(Scp03Error::BufferTooSmall { needed: plan.total })?;
        self.wrap_planned(&plan, dst)
    }

    /// Parse a plain command and lay out its wire form. (Inlined into
    /// both callers: out of line, handing the plan over cost a tenth of a
    /// short command's wrap.)
    #[inline(always)]
    fn plan_wrap(&self, plain: &[u8]) -> Result<WrapPlan, Scp03Error> {
        self.check_open()?;
        let cmd = Command::parse(plain)
            .map_err(|_| Scp03Error::MalformedCommand("not a command APDU"))?;
        let sm = self.level.c_mac();
        let wire_cla = class_on_channel(cmd.cla, self.channel, sm)
            .ok_or(Scp03Error::InvalidChannel(self.channel))?;
        let n = cmd.data.len();
        // Where the data starts in the plain command: behind Lc, 1 or 3 bytes.
        let data_at = match (n, cmd.extended) {
            (0, _) => 0,
            (_, false) => 5,
            (_, true) => 7,
        };
        if !sm {
            // The class byte alone changes (a parsed command re-encodes to
            // the same bytes).
            return Ok(WrapPlan {
                sm,
                wire_cla,
                encrypt: false,
                data_at,
                n,
                data_len: n,
                header: [0; 7],
                hdr_len: 0,
                le: [0; 3],
                total: plain.len(),
            });
        }
        let m = self.mode.session_size();
        let encrypt = self.level.c_dec() && n > 0;
        let data_len = if encrypt { pad_len(n) } else { n };
        let lc = data_len + m;
        if lc > crate::apdu::MAX_EXTENDED_DATA {
            return Err(Scp03Error::MalformedCommand(
                "command data too long for an APDU",
            ));
        }
        let framing = Framing::for_lengths(cmd.extended, lc, cmd.le);
        // The header as the MAC sees it: channel zeroed, GP secure messaging set.
        let mac_cla = class_on_channel(cmd.cla, 0, true).unwrap_or(0x84);
        let (header, hdr_len) = framing.header(mac_cla, cmd.ins, cmd.p1, cmd.p2, lc);
        let (le, le_len) = framing.le(cmd.le, lc);
        Ok(WrapPlan {
            sm,
            wire_cla,
            encrypt,
            data_at,
            n,
            data_len,
            header,
            hdr_len,
            le,
            total: hdr_len + lc + le_len,
        })
    }

    /// Write the wire form `plan` describes over the plain command at the
    /// start of `out` (exactly `plan.total` bytes).
    #[inline(always)]
    fn wrap_planned(&mut self, plan: &WrapPlan, out: &mut [u8]) -> Result<usize, Scp03Error> {
        if !plan.sm {
            if let Some(c) = out.first_mut() {
                *c = plan.wire_cla;
            }
            return Ok(plan.total);
        }
        let m = self.mode.session_size();
        let hdr_len = plan.hdr_len;
        self.next_counter()?;
        let counter = self.counter;
        // The data moves to where the wire header ends (never to the left:
        // the wire header is at least as long as the plain one).
        if plan.n > 0 && plan.data_at != hdr_len {
            // Only a short command whose wire form needs extended lengths
            // moves: its data goes 2 bytes right (Lc grows from 1 to 3).
            // One pass with a 2-byte carry (no `memmove` linked on a
            // microcontroller for it); the two bytes it leaves behind are
            // the wire header's, written below.
            let region = out.get_mut(plan.data_at..hdr_len + plan.n);
            let Some(region) = region.filter(|_| hdr_len == plan.data_at + 2) else {
                return Err(Scp03Error::MalformedCommand("not a command APDU"));
            };
            let (mut a, mut b) = (0u8, 0u8);
            for slot in region.iter_mut() {
                let here = *slot;
                *slot = a;
                a = b;
                b = here;
            }
        }
        let (head, rest) = out.split_at_mut(hdr_len);
        let (data, _) = rest.split_at_mut(plan.data_len);
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        if plan.encrypt {
            if let Some((first, zeros)) = data.get_mut(plan.n..).and_then(|p| p.split_first_mut()) {
                *first = 0x80;
                zeros.fill(0);
            }
            k.enc.cbc_encrypt(&icv(k.enc, counter, false), data);
        }
        // The header as the MAC sees it goes where the wire header goes, so
        // that header and data reach the MAC as one run of bytes; then the
        // wire's class byte replaces the MAC's.
        // (Byte by byte: 4 to 7 bytes, no `memcpy` call.)
        for (d, s) in head.iter_mut().zip(plan.header) {
            *d = s;
        }
        let signed = out.get(..hdr_len + plan.data_len).unwrap_or(&[]);
        let mac = k.cmac.mac(&[&self.chain, signed]);
        self.chain = mac;
        if let Some(c) = out.first_mut() {
            *c = plan.wire_cla;
        }
        let tail = out.get_mut(hdr_len + plan.data_len..).unwrap_or(&mut []);
        let (mac_out, le_out) = tail.split_at_mut(m);
        // The MAC is 8 or 16 bytes: fixed-size moves, no `memcpy` call.
        match (
            <&mut [u8; 8]>::try_from(&mut *mac_out),
            mac.first_chunk::<8>(),
        ) {
            (Ok(d), Some(s)) => *d = *s,
            _ => mac_out.copy_from_slice(mac.get(..m).unwrap_or(&[])),
        }
        // Le: at most 3 bytes, moved one by one.
        for (d, s) in le_out.iter_mut().zip(plan.le) {
            *d = s;
        }
        Ok(plan.total)
    }

    /// Verify and decrypt a response; data goes to `out`.
    pub(crate) fn unwrap_response(
        &mut self,
        resp: &[u8],
        out: &mut [u8],
    ) -> Result<Response, Scp03Error> {
        let (data_len, sw) = self.check_response(resp)?;
        let dst = out
            .get_mut(..data_len)
            .ok_or(Scp03Error::BufferTooSmall { needed: data_len })?;
        self.open_response(resp.get(..data_len), dst, sw)
    }

    /// [`Session::unwrap_response`] in place: `buf` holds the whole wire
    /// response (data, R-MAC, SW); on success the plain data is at its start.
    pub(crate) fn unwrap_response_in_place(
        &mut self,
        buf: &mut [u8],
    ) -> Result<Response, Scp03Error> {
        let (data_len, sw) = self.check_response(buf)?;
        let data = buf.get_mut(..data_len).unwrap_or(&mut []);
        self.open_response(None, data, sw)
    }

    /// Check a wire response's form and R-MAC (constant time); the length
    /// of its (still encrypted) data and its status word.
    fn check_response(&mut self, resp: &[u8]) -> Result<(usize, StatusWord), Scp03Error> {
        self.check_open()?;
        let (body, sw) = split_response(resp)
            .ok_or(Scp03Error::MalformedResponse("shorter than a status word"))?;
        if !self.level.r_mac() {
            return Ok((body.len(), sw));
        }
        if !sw.completes() {
            // Error status words come bare (Amendment D 6.2.5).
            if !body.is_empty() {
                return self.fail(Scp03Error::MalformedResponse(
                    "data with an error status word",
                ));
            }
            return Ok((0, sw));
        }
        let m = self.mode.session_size();
        let Some(split) = body.len().checked_sub(m) else {
            return self.fail(Scp03Error::MalformedResponse(
                "response shorter than its R-MAC",
            ));
        };
        let (data, mac) = body.split_at(split);
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        let mut expected = k.rmac.mac(&[&self.chain, data, &sw.to_bytes()]);
        let ok = ct_equal(expected.get(..m).unwrap_or(&[]), mac);
        expected.zeroize();
        if !ok {
            return self.fail(Scp03Error::RMacMismatch);
        }
        Ok((data.len(), sw))
    }

    /// Decrypt (R-ENC) verified response data into `data` and remove its
    /// padding: from `from` (the wire's data, as long as `data`), or in
    /// place when there is none. Without R-ENC the data is only copied.
    fn open_response(
        &mut self,
        from: Option<&[u8]>,
        data: &mut [u8],
        sw: StatusWord,
    ) -> Result<Response, Scp03Error> {
        if !self.level.r_enc() || data.is_empty() {
            if let Some(from) = from {
                for (d, s) in data.iter_mut().zip(from) {
                    *d = *s;
                }
            }
            return Ok(Response {
                len: data.len(),
                sw,
            });
        }
        if data.len() % 16 != 0 {
            return self.fail(Scp03Error::BadPadding);
        }
        let counter = self.counter;
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        let iv = icv(k.enc, counter, true);
        match from {
            Some(from) => k.enc.cbc_decrypt_into(&iv, from, data),
            None => k.enc.cbc_decrypt_in_place(&iv, data),
        }
        let Some(len) = unpadded_len(data) else {
            data.zeroize();
            return self.fail(Scp03Error::BadPadding);
        };
        // Clear the padding bytes left behind the data.
        data.get_mut(len..).unwrap_or(&mut []).fill(0);
        Ok(Response { len, sw })
    }

    // ------------------------------------------------------------ card side

    /// Verify and decrypt a wire command; the plain command APDU goes to `out`.
    pub(crate) fn unwrap_command(
        &mut self,
        wire: &[u8],
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.check_open()?;
        let cmd = match Command::parse(wire) {
            Ok(c) => c,
            Err(_) => return self.fail(Scp03Error::MalformedCommand("not a command APDU")),
        };
        let plain_cla = class_on_channel(cmd.cla, channel_of(cmd.cla), false).unwrap_or(cmd.cla);
        if !self.level.c_mac() {
            let c = Command {
                cla: plain_cla,
                ..cmd
            };
            return c
                .encode(out)
                .map_err(|_| Scp03Error::BufferTooSmall { needed: wire.len() });
        }
        // The class byte must be exactly the secure-messaging class on this
        // session's channel: the MAC covers b8 and b5 only (GP 6.2.4), and a
        // command below the current level is a security error (GP 5.6).
        if class_on_channel(cmd.cla, self.channel, true) != Some(cmd.cla) {
            return self.fail(Scp03Error::MalformedCommand(
                "class byte: wrong channel or no secure messaging indication",
            ));
        }
        let m = self.mode.session_size();
        let Some(split) = cmd.data.len().checked_sub(m) else {
            return self.fail(Scp03Error::CMacMismatch);
        };
        let (data, mac) = cmd.data.split_at(split);
        let decrypt = self.level.c_dec() && !data.is_empty();
        // Room for the largest plain form: 7-byte header, data, 2-byte Le.
        let needed = 7 + data.len() + 3;
        if out.len() < needed {
            return Err(Scp03Error::BufferTooSmall { needed });
        }
        let framing = Framing {
            extended: cmd.extended,
        };
        // The header as the MAC sees it is the wire's (Lc counts the MAC,
        // so there is one), with the channel taken out of the class byte;
        // it goes to the MAC with the chain as one run of bytes: one part
        // fewer for the MAC's buffer to gather.
        let hdr_len = if cmd.extended { 7 } else { 5 };
        let mut lead = [0u8; 23];
        lead[..16].copy_from_slice(&self.chain);
        if let Some(h) = wire.first_chunk::<7>() {
            lead[16..].copy_from_slice(h);
        }
        lead[16] = class_on_channel(cmd.cla, 0, true).unwrap_or(0x84);
        let lead = lead.get(..16 + hdr_len).unwrap_or(&[]);
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        let mut expected = k.cmac.mac(&[lead, data]);
        let ok = ct_equal(expected.get(..m).unwrap_or(&[]), mac);
        if !ok {
            expected.zeroize();
            return self.fail(Scp03Error::CMacMismatch);
        }
        self.chain = expected;
        self.next_counter()?;
        let counter = self.counter;
        // The plain data goes where the plain command has it: behind a
        // 5-byte header (7 with extended lengths); with no data the header
        // is 4 bytes and nothing is there to move.
        let at = if cmd.extended { 7 } else { 5 };
        let Some(dst) = out.get_mut(at..at + data.len()) else {
            return Err(Scp03Error::BufferTooSmall { needed });
        };
        let plain_len = if decrypt {
            if data.len() % 16 != 0 {
                return self.fail(Scp03Error::BadPadding);
            }
            let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
            k.enc
                .cbc_decrypt_into(&icv(k.enc, counter, false), data, dst);
            let Some(len) = unpadded_len(dst) else {
                out.zeroize();
                return self.fail(Scp03Error::BadPadding);
            };
            // Nothing of the padding may remain past the command.
            dst.get_mut(len..).unwrap_or(&mut []).fill(0);
            len
        } else {
            dst.copy_from_slice(data);
            data.len()
        };
        // The plain command keeps the wire's form. (A short wire cannot carry
        // more than 255 - m plain bytes, since the MAC adds m to Lc.)
        let (h, hn) = framing.header(plain_cla, cmd.ins, cmd.p1, cmd.p2, plain_len);
        let (le, ln) = framing.le(cmd.le, plain_len);
        if let Some(dst) = out.get_mut(..hn) {
            dst.copy_from_slice(h.get(..hn).unwrap_or(&[]));
        }
        let n = hn + plain_len + ln;
        if let Some(dst) = out.get_mut(hn + plain_len..n) {
            dst.copy_from_slice(le.get(..ln).unwrap_or(&[]));
        }
        Ok(n)
    }

    /// Test and audit hook: encrypt whole blocks as given (no padding
    /// added), then R-MAC: a response whose padding may be wrong under a
    /// good R-MAC.
    #[cfg(any(test, scboot_ct_audit))]
    pub(crate) fn wrap_response_unpadded(
        &mut self,
        blocks: &[u8],
        sw: StatusWord,
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.check_open()?;
        let m = self.mode.session_size();
        let n = blocks.len();
        if n % 16 != 0 {
            return Err(Scp03Error::MalformedResponse("not whole blocks"));
        }
        let out = out
            .get_mut(..n + m + 2)
            .ok_or(Scp03Error::BufferTooSmall { needed: n + m + 2 })?;
        let (body, rest) = out.split_at_mut(n);
        body.copy_from_slice(blocks);
        let counter = self.counter;
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        k.enc.cbc_encrypt(&icv(k.enc, counter, true), body);
        let mac = k.rmac.mac(&[&self.chain, body, &sw.to_bytes()]);
        let (tag, swb) = rest.split_at_mut(m);
        tag.copy_from_slice(mac.get(..m).unwrap_or(&[]));
        swb.copy_from_slice(&sw.to_bytes());
        Ok(n + m + 2)
    }

    /// Protect a response: `data`, then R-MAC, then SW, into `out`.
    pub(crate) fn wrap_response(
        &mut self,
        data: &[u8],
        sw: StatusWord,
        out: &mut [u8],
    ) -> Result<usize, Scp03Error> {
        self.check_open()?;
        let swb = sw.to_bytes();
        if !self.level.r_mac() || !sw.completes() {
            // With R-MAC on, an error status word goes bare (Amendment D 6.2.5).
            let data = if self.level.r_mac() { &[][..] } else { data };
            let total = data.len() + 2;
            let dst = out
                .get_mut(..total)
                .ok_or(Scp03Error::BufferTooSmall { needed: total })?;
            let (d, s) = dst.split_at_mut(data.len());
            d.copy_from_slice(data);
            s.copy_from_slice(&swb);
            return Ok(total);
        }
        let m = self.mode.session_size();
        let encrypt = self.level.r_enc() && !data.is_empty();
        let data_len = if encrypt {
            pad_len(data.len())
        } else {
            data.len()
        };
        let total = data_len + m + 2;
        let dst = out
            .get_mut(..total)
            .ok_or(Scp03Error::BufferTooSmall { needed: total })?;
        let (d, rest) = dst.split_at_mut(data_len);
        d.get_mut(..data.len())
            .unwrap_or(&mut [])
            .copy_from_slice(data);
        let counter = self.counter;
        let k = self.keys.keyed().ok_or(Scp03Error::SessionTerminated)?;
        if encrypt {
            if let Some((first, zeros)) = d.get_mut(data.len()..).and_then(|p| p.split_first_mut())
            {
                *first = 0x80;
                zeros.fill(0);
            }
            k.enc.cbc_encrypt(&icv(k.enc, counter, true), d);
        }
        let mac = k.rmac.mac(&[&self.chain, d, &swb]);
        let (mac_out, sw_out) = rest.split_at_mut(m);
        mac_out.copy_from_slice(mac.get(..m).unwrap_or(&[]));
        sw_out.copy_from_slice(&swb);
        Ok(total)
    }
}
