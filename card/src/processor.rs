//! The card's APDU processor.

use scboot::apdu::{channel_of, class_on_channel, Command};
use scboot::ber::Encode;
use scboot::fcp::FileControl;
use scboot::scp03::{CardChannel, CardConfig, StaticKeys};

use crate::from_hex;
use crate::image::{Access, CardImage, Quirks, Structure};

mod keyops;

/// A channel's security environment (MANAGE SECURITY ENVIRONMENT SET).
#[derive(Debug, Clone, Copy)]
struct SecurityEnvironment {
    /// The control reference template: B6 signature, B4 checksum.
    template: u8,
    /// Set for verification (P1 81).
    verify: bool,
    /// The key reference.
    reference: u8,
}

/// The FID of the MF.
const MF: [u8; 2] = [0x3F, 0x00];

#[derive(Debug, Clone)]
enum Body {
    Df { aid: Option<Vec<u8>> },
    Transparent(Vec<u8>),
    Records { len: usize, records: Vec<Vec<u8>> },
}

#[derive(Debug, Clone)]
struct Node {
    path: Vec<u8>,
    body: Body,
    read: Access,
    update: Access,
}

impl Node {
    fn fid(&self) -> [u8; 2] {
        let n = self.path.len();
        [self.path[n - 2], self.path[n - 1]]
    }

    fn fcp(&self, quirks: &Quirks) -> Vec<u8> {
        let fid = self.fid();
        let fcp = match &self.body {
            Body::Df { aid } => FileControl::df(fid, aid.as_deref()),
            Body::Transparent(d) => FileControl::transparent(fid, d.len()),
            Body::Records { len, records } => FileControl::records_of(
                fid,
                if quirks.variable_records { 0x04 } else { 0x02 },
                *len as u16,
                (!quirks.omit_record_count).then_some(records.len() as u8),
                len * records.len(),
            ),
        };
        let mut out = vec![0u8; fcp.encoded_len()];
        let n = fcp.encode(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    }
}

struct Chan {
    df: Vec<u8>,
    ef: Option<usize>,
    app_aid: Option<Vec<u8>>,
    scp: Option<CardChannel>,
    pin_ok: bool,
    pending: Option<Vec<u8>>,
    se: Option<SecurityEnvironment>,
    /// A PSO chain in progress: its P1 P2 and the data so far.
    chain: Option<((u8, u8), Vec<u8>)>,
}

impl Chan {
    fn new() -> Chan {
        Chan {
            df: MF.to_vec(),
            ef: None,
            app_aid: None,
            scp: None,
            pin_ok: false,
            pending: None,
            se: None,
            chain: None,
        }
    }

    fn secure(&self) -> bool {
        self.scp.as_ref().is_some_and(|s| s.is_open())
    }
}

/// A virtual card: feed it command APDUs, it answers response APDUs.
pub struct VirtualCard {
    image: CardImage,
    nodes: Vec<Node>,
    keys: StaticKeys,
    channels: Vec<Option<Chan>>,
    pin_tries: u8,
    /// Bytes the card may still write before it loses power (tearing).
    write_budget: Option<usize>,
    /// Power was lost mid-write: the card answers nothing until reset.
    torn: bool,
    /// The answer to give to the next command instead of the card's own.
    substitute: Option<(Vec<u8>, u16)>,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualCard")
            .field("files", &self.nodes.len())
            .finish_non_exhaustive()
    }
}

fn sw(s: u16) -> (Vec<u8>, u16) {
    (Vec::new(), s)
}

impl VirtualCard {
    /// A card holding `image`, powered on.
    pub fn new(image: CardImage) -> Result<VirtualCard, String> {
        let keys = image.keys.static_keys()?;
        let mut nodes = Vec::new();
        for f in &image.files {
            let path = from_hex(&f.path)?;
            if path.len() < 2 || path.len() % 2 != 0 || path[..2] != MF {
                return Err(format!("file path {} must start at the MF (3f00)", f.path));
            }
            let body = match &f.structure {
                Structure::Df { aid } => Body::Df {
                    aid: aid.as_deref().map(from_hex).transpose()?,
                },
                Structure::Transparent { data } => Body::Transparent(from_hex(data)?),
                Structure::LinearFixed {
                    record_len,
                    records,
                } => Body::Records {
                    len: *record_len,
                    records: records
                        .iter()
                        .map(|r| {
                            let mut v = from_hex(r)?;
                            v.resize(*record_len, 0xFF);
                            Ok(v)
                        })
                        .collect::<Result<_, String>>()?,
                },
            };
            nodes.push(Node {
                path,
                body,
                read: f.read,
                update: f.update,
            });
        }
        let mut card = VirtualCard {
            image,
            nodes,
            keys,
            channels: Vec::new(),
            pin_tries: 3,
            write_budget: None,
            torn: false,
            substitute: None,
        };
        card.reset();
        Ok(card)
    }

    /// Power cycle: close every channel, end every session, forget PINs;
    /// a torn card is powered again (and no tear is pending).
    pub fn reset(&mut self) {
        self.channels = (0..20).map(|_| None).collect();
        self.channels[0] = Some(Chan::new());
        self.write_budget = None;
        self.torn = false;
    }

    /// Simulate tearing (the card pulled out, power lost): after `bytes`
    /// more bytes written by UPDATE BINARY the card loses power, in the
    /// middle of the command if it comes to that, writing byte by byte
    /// (the worst case: no card OS atomicity assumed). A torn card answers
    /// nothing until [`VirtualCard::reset`]. `None`: never.
    pub fn tear_after(&mut self, bytes: Option<usize>) {
        self.write_budget = bytes;
    }

    /// A card that turns hostile for one command: it executes the next
    /// command (secure messaging included) but answers `data` and `sw`
    /// instead, protected under its secure channel as its own answer would
    /// be. This is a card that holds the keys and lies, which no MAC can
    /// catch; the fuzzers use it to reach every parser behind the channel.
    /// (Not applied to SCP03's own INITIALIZE UPDATE and EXTERNAL
    /// AUTHENTICATE, nor to GET RESPONSE.)
    pub fn substitute_next(&mut self, data: Vec<u8>, sw: u16) {
        self.substitute = Some((data, sw));
    }

    /// Whether the card lost power mid-write.
    pub fn is_torn(&self) -> bool {
        self.torn
    }

    /// The answer to reset.
    pub fn atr(&self) -> Vec<u8> {
        from_hex(&self.image.atr).unwrap_or_else(|_| vec![0x3B, 0x00])
    }

    /// The card's state as an image (files as they are now, sequence counter).
    pub fn image(&self) -> CardImage {
        let mut img = self.image.clone();
        for (f, n) in img.files.iter_mut().zip(&self.nodes) {
            match (&mut f.structure, &n.body) {
                (Structure::Transparent { data }, Body::Transparent(d)) => *data = crate::to_hex(d),
                (Structure::LinearFixed { records, .. }, Body::Records { records: r, .. }) => {
                    *records = r.iter().map(|x| crate::to_hex(x)).collect()
                }
                _ => {}
            }
        }
        img
    }

    fn find(&self, path: &[u8]) -> Option<usize> {
        self.nodes.iter().position(|n| n.path == path)
    }

    /// Process one command APDU; the response APDU (data and SW).
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        if self.torn {
            return Vec::new();
        }
        let (data, status) = self.dispatch(apdu);
        self.substitute = None;
        if self.torn {
            return Vec::new();
        }
        let mut out = data;
        out.extend(status.to_be_bytes());
        out
    }

    fn dispatch(&mut self, apdu: &[u8]) -> (Vec<u8>, u16) {
        let Ok(cmd) = Command::parse(apdu) else {
            return sw(0x6700);
        };
        let ch = usize::from(channel_of(cmd.cla));
        if self.channels.get(ch).is_none_or(|c| c.is_none()) {
            return sw(0x6881);
        }
        // GET RESPONSE: what a 61xx announced.
        if cmd.ins == 0xC0 && cmd.cla & 0x0C == 0 {
            let chan = self.channels[ch].as_mut().expect("open channel");
            let strict = self.image.quirks.strict_le;
            return match chan.pending.take() {
                // A strict card wants the Le its 61xx announced (00: 256).
                Some(whole)
                    if strict && cmd.le.unwrap_or(0) as usize != (whole.len() - 2).min(256) =>
                {
                    let announced = (whole.len() - 2).min(256) as u8;
                    chan.pending = Some(whole);
                    sw(0x6C00 | u16::from(announced))
                }
                Some(mut whole) => {
                    let status =
                        u16::from_be_bytes([whole[whole.len() - 2], whole[whole.len() - 1]]);
                    whole.truncate(whole.len() - 2);
                    (whole, status)
                }
                None => sw(0x6985),
            };
        }
        let (data, status) = self.secure_dispatch(ch, &cmd, apdu);
        let quirky = self.image.quirks.get_response && !data.is_empty();
        let chan = self.channels[ch].as_mut().expect("open channel");
        if quirky {
            let mut whole = data;
            whole.extend(status.to_be_bytes());
            let announce = (whole.len() - 2).min(256) as u8;
            chan.pending = Some(whole);
            return (Vec::new(), 0x6100 | u16::from(announce));
        }
        (data, status)
    }

    /// Secure messaging around the command (IU and EA are the channel's own).
    fn secure_dispatch(&mut self, ch: usize, cmd: &Command<'_>, apdu: &[u8]) -> (Vec<u8>, u16) {
        if cmd.cla & 0x80 != 0 && cmd.ins == 0x50 {
            if self.image.quirks.no_scp03 {
                return sw(0x6D00);
            }
            return self.initialize_update(ch, apdu);
        }
        if cmd.cla & 0x80 != 0 && cmd.ins == 0x82 {
            let chan = self.channels[ch].as_mut().expect("open channel");
            return match chan.scp.as_mut().map(|s| s.external_authenticate(apdu)) {
                Some(Ok(_)) => sw(0x9000),
                Some(Err(e)) => sw(e.status_word().0),
                None => sw(0x6985),
            };
        }
        let chan = self.channels[ch].as_mut().expect("open channel");
        if !chan.secure() {
            return self.execute(ch, cmd, false);
        }
        let scp = chan.scp.as_mut().expect("secure channel");
        let mut plain = vec![0u8; apdu.len() + 16];
        let n = match scp.unwrap_command(apdu, &mut plain) {
            Ok(n) => n,
            // The session is over (the kernel ended it); answer a bare security error.
            Err(e) => return sw(e.status_word().0),
        };
        plain.truncate(n);
        let (data, status) = match Command::parse(&plain) {
            Ok(c) => self.execute(ch, &c, true),
            Err(_) => sw(0x6700),
        };
        let chan = self.channels[ch].as_mut().expect("open channel");
        let Some(scp) = chan.scp.as_mut().filter(|s| s.is_open()) else {
            // SELECT of an application ended the session: plain answer.
            return (data, status);
        };
        let mut out = vec![0u8; data.len() + 48];
        match scp.wrap_response(&data, status, &mut out) {
            Ok(m) => {
                let s = u16::from_be_bytes([out[m - 2], out[m - 1]]);
                out.truncate(m - 2);
                (out, s)
            }
            Err(e) => sw(e.status_word().0),
        }
    }

    fn initialize_update(&mut self, ch: usize, apdu: &[u8]) -> (Vec<u8>, u16) {
        let i = self.image.scp03_i;
        let seq = self.image.sequence_counter;
        let keys = self.keys.clone();
        let chan = self.channels[ch].as_mut().expect("open channel");
        let Some(aid) = chan.app_aid.clone() else {
            return sw(0x6985);
        };
        let Ok(mut cfg) = CardConfig::new(i, &aid) else {
            return sw(0x6985);
        };
        cfg.sequence_counter = seq;
        let mut scp = CardChannel::new(keys, cfg);
        let mut random = [0u8; 16];
        let m = if i & 1 == 1 { 16 } else { 8 };
        if getrandom::getrandom(&mut random).is_err() {
            return sw(0x6F00);
        }
        let mut out = [0u8; 64];
        let r = scp.initialize_update(apdu, &random[..m], &mut out);
        self.image.sequence_counter = scp.sequence_counter();
        let chan = self.channels[ch].as_mut().expect("open channel");
        match r {
            Ok(n) => {
                chan.scp = Some(scp);
                (out[..n].to_vec(), 0x9000)
            }
            Err(e) => {
                chan.scp = None;
                sw(e.status_word().0)
            }
        }
    }

    fn allowed(&self, ch: usize, access: Access, secure: bool) -> bool {
        let chan = self.channels[ch].as_ref().expect("open channel");
        match access {
            Access::Always => true,
            Access::SecureChannel => secure,
            Access::Pin => chan.pin_ok,
            Access::Never => false,
        }
    }

    /// The command's answer, or the one [`VirtualCard::substitute_next`] set.
    fn execute(&mut self, ch: usize, cmd: &Command<'_>, secure: bool) -> (Vec<u8>, u16) {
        let answer = self.execute_command(ch, cmd, secure);
        self.substitute.take().unwrap_or(answer)
    }

    fn execute_command(&mut self, ch: usize, cmd: &Command<'_>, secure: bool) -> (Vec<u8>, u16) {
        if cmd.ins != 0x2A {
            // A chain is broken by any other command.
            self.channels[ch].as_mut().expect("open channel").chain = None;
        }
        match cmd.ins {
            0xA4 => self.select(ch, cmd),
            0xB0 => self.read_binary(ch, cmd, secure),
            0xB2 => self.read_record(ch, cmd, secure),
            0xD6 => self.update_binary(ch, cmd, secure),
            0x70 => self.manage_channel(ch, cmd),
            0x20 => self.verify(ch, cmd),
            0x22 => self.manage_security_environment(ch, cmd),
            0x2A => self.perform_security_operation(ch, cmd, secure),
            _ => sw(0x6D00),
        }
    }

    fn select(&mut self, ch: usize, cmd: &Command<'_>) -> (Vec<u8>, u16) {
        let cur_df = self.channels[ch].as_ref().expect("open channel").df.clone();
        let target = match cmd.p1 {
            0x04 => self
                .nodes
                .iter()
                .position(|n| matches!(&n.body, Body::Df { aid: Some(a) } if a == cmd.data)),
            0x00 if cmd.data.is_empty() || cmd.data == MF => self.find(&MF),
            0x00 if cmd.data.len() == 2 => {
                let mut p = cur_df.clone();
                p.extend(cmd.data);
                self.find(&p)
            }
            0x08 if cmd.data.len() % 2 == 0 => {
                let mut p = MF.to_vec();
                p.extend(cmd.data);
                self.find(&p)
            }
            0x09 if cmd.data.len() % 2 == 0 => {
                let mut p = cur_df.clone();
                p.extend(cmd.data);
                self.find(&p)
            }
            _ => return sw(0x6A86),
        };
        let Some(idx) = target else {
            return sw(0x6A82);
        };
        let node = self.nodes[idx].clone();
        let chan = self.channels[ch].as_mut().expect("open channel");
        match &node.body {
            Body::Df { aid } => {
                chan.df = node.path.clone();
                chan.ef = None;
                if cmd.p1 == 0x04 || node.path == MF {
                    // A new application, or none (the MF): the session and
                    // the PIN state start over.
                    chan.app_aid = aid.clone();
                    chan.scp = None;
                    chan.pin_ok = false;
                }
            }
            _ => {
                chan.df = node.path[..node.path.len() - 2].to_vec();
                chan.ef = Some(idx);
            }
        }
        match cmd.p2 & 0x0C {
            0x0C => sw(0x9000),
            _ => (node.fcp(&self.image.quirks), 0x9000),
        }
    }

    fn current_ef(&self, ch: usize) -> Option<usize> {
        self.channels[ch].as_ref().and_then(|c| c.ef)
    }

    fn read_binary(&mut self, ch: usize, cmd: &Command<'_>, secure: bool) -> (Vec<u8>, u16) {
        let Some(idx) = self.current_ef(ch) else {
            return sw(0x6986);
        };
        let node = &self.nodes[idx];
        if !self.allowed(ch, node.read, secure) {
            return sw(0x6982);
        }
        let Body::Transparent(d) = &node.body else {
            return sw(0x6981);
        };
        if cmd.p1 & 0x80 != 0 {
            return sw(0x6A86);
        }
        let off = usize::from(cmd.p1) << 8 | usize::from(cmd.p2);
        if off > d.len() {
            return sw(0x6B00);
        }
        let le = cmd.le.unwrap_or(256) as usize;
        let n = le.min(d.len() - off);
        let status = if n < le { 0x6282 } else { 0x9000 };
        (d[off..off + n].to_vec(), status)
    }

    fn read_record(&mut self, ch: usize, cmd: &Command<'_>, secure: bool) -> (Vec<u8>, u16) {
        let Some(idx) = self.current_ef(ch) else {
            return sw(0x6986);
        };
        let node = &self.nodes[idx];
        if !self.allowed(ch, node.read, secure) {
            return sw(0x6982);
        }
        let Body::Records { len, records } = &node.body else {
            return sw(0x6981);
        };
        if cmd.p2 != 0x04 {
            return sw(0x6A86);
        }
        let Some(rec) = usize::from(cmd.p1)
            .checked_sub(1)
            .and_then(|i| records.get(i))
        else {
            return sw(0x6A83);
        };
        let len = if self.image.quirks.variable_records {
            rec.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1)
        } else {
            *len
        };
        let le = cmd.le.unwrap_or(256) as usize;
        if self.image.quirks.strict_le && !secure && le != len {
            return sw(0x6C00 | (len as u16 & 0xFF));
        }
        (rec[..len.min(le)].to_vec(), 0x9000)
    }

    fn update_binary(&mut self, ch: usize, cmd: &Command<'_>, secure: bool) -> (Vec<u8>, u16) {
        let Some(idx) = self.current_ef(ch) else {
            return sw(0x6986);
        };
        if !self.allowed(ch, self.nodes[idx].update, secure) {
            return sw(0x6982);
        }
        let off = usize::from(cmd.p1 & 0x7F) << 8 | usize::from(cmd.p2);
        let Body::Transparent(d) = &mut self.nodes[idx].body else {
            return sw(0x6981);
        };
        if off + cmd.data.len() > d.len() {
            return sw(0x6A84);
        }
        let n = match self.write_budget {
            Some(budget) if budget < cmd.data.len() => {
                self.torn = true;
                budget
            }
            Some(budget) => {
                self.write_budget = Some(budget - cmd.data.len());
                cmd.data.len()
            }
            None => cmd.data.len(),
        };
        d[off..off + n].copy_from_slice(&cmd.data[..n]);
        sw(0x9000)
    }

    fn manage_channel(&mut self, ch: usize, cmd: &Command<'_>) -> (Vec<u8>, u16) {
        if self.image.quirks.no_logical_channels {
            return sw(0x6881);
        }
        match cmd.p1 {
            0x00 => {
                let Some(free) = (1..20).find(|&c| self.channels[c].is_none()) else {
                    return sw(0x6A81);
                };
                self.channels[free] = Some(Chan::new());
                (vec![free as u8], 0x9000)
            }
            0x80 => {
                let target = usize::from(if cmd.p2 == 0 { ch as u8 } else { cmd.p2 });
                if target == 0 || target >= 20 || self.channels[target].is_none() {
                    return sw(0x6881);
                }
                self.channels[target] = None;
                sw(0x9000)
            }
            _ => sw(0x6A86),
        }
    }

    fn verify(&mut self, ch: usize, cmd: &Command<'_>) -> (Vec<u8>, u16) {
        let Some((reference, pin)) = self.image.pin.clone() else {
            return sw(0x6A88);
        };
        if cmd.p2 != reference {
            return sw(0x6A88);
        }
        if self.pin_tries == 0 {
            return sw(0x6983);
        }
        let chan = self.channels[ch].as_mut().expect("open channel");
        if cmd.data.is_empty() {
            return sw(if chan.pin_ok {
                0x9000
            } else {
                0x63C0 | u16::from(self.pin_tries)
            });
        }
        if from_hex(&pin).is_ok_and(|p| p == cmd.data) {
            chan.pin_ok = true;
            self.pin_tries = 3;
            sw(0x9000)
        } else {
            self.pin_tries -= 1;
            sw(0x63C0 | u16::from(self.pin_tries))
        }
    }

    /// Whether a secure channel is open on `channel`.
    pub fn secure_channel_open(&self, channel: u8) -> bool {
        self.channels
            .get(usize::from(channel))
            .and_then(|c| c.as_ref())
            .is_some_and(Chan::secure)
    }

    /// The class byte a host uses on `channel` (for tests).
    pub fn class_for(channel: u8) -> u8 {
        class_on_channel(0x00, channel, false).unwrap_or(0)
    }
}

impl scboot::procedure::Card for VirtualCard {
    type Error = std::convert::Infallible;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error> {
        let r = self.process(command);
        let n = r.len().min(response.len());
        response[..n].copy_from_slice(&r[..n]);
        Ok(n)
    }
}
