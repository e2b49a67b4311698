//! SCP03 (GlobalPlatform Amendment D), slowly and plainly: CMAC per NIST
//! SP 800-38B, CBC per SP 800-38A, the KDF per SP 800-108 as Amendment D
//! 4.1.5 lays it out, over the bare AES block function.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};

/// AES forward cipher on one block (FIPS 197), key of 16, 24 or 32 bytes.
pub fn aes_encrypt(key: &[u8], block: [u8; 16]) -> [u8; 16] {
    aes_block(key, block, false)
}

/// AES inverse cipher on one block.
pub fn aes_decrypt(key: &[u8], block: [u8; 16]) -> [u8; 16] {
    aes_block(key, block, true)
}

fn aes_block(key: &[u8], block: [u8; 16], inverse: bool) -> [u8; 16] {
    fn run<
        C: KeyInit
            + BlockEncrypt
            + BlockDecrypt
            + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>,
    >(
        key: &[u8],
        b: &mut aes::Block,
        inverse: bool,
    ) {
        let c = C::new_from_slice(key).expect("key");
        if inverse {
            c.decrypt_block(b)
        } else {
            c.encrypt_block(b)
        }
    }
    let mut b = aes::Block::from(block);
    match key.len() {
        16 => run::<aes::Aes128>(key, &mut b, inverse),
        24 => run::<aes::Aes192>(key, &mut b, inverse),
        _ => run::<aes::Aes256>(key, &mut b, inverse),
    }
    b.into()
}

fn xor(a: [u8; 16], b: [u8; 16]) -> [u8; 16] {
    let mut o = [0u8; 16];
    for i in 0..16 {
        o[i] = a[i] ^ b[i];
    }
    o
}

/// SP 800-38B 6.1: K1, K2 from L = CIPH_K(0^128), shifting left and
/// conditionally adding R_128 = 0^120 10000111.
fn subkeys(key: &[u8]) -> ([u8; 16], [u8; 16]) {
    fn dbl(x: [u8; 16]) -> [u8; 16] {
        let mut o = [0u8; 16];
        for i in 0..16 {
            let carry = if i < 15 { x[i + 1] >> 7 } else { 0 };
            o[i] = (x[i] << 1) | carry;
        }
        if x[0] & 0x80 != 0 {
            o[15] ^= 0x87;
        }
        o
    }
    let l = aes_encrypt(key, [0u8; 16]);
    let k1 = dbl(l);
    let k2 = dbl(k1);
    (k1, k2)
}

/// SP 800-38B 6.2: CMAC generation, full 128-bit tag.
pub fn cmac(key: &[u8], msg: &[u8]) -> [u8; 16] {
    let (k1, k2) = subkeys(key);
    // Step 3: n = ceil(Mlen / 128), n = 1 for the empty message.
    let n = if msg.is_empty() {
        1
    } else {
        msg.len().div_ceil(16)
    };
    let complete = !msg.is_empty() && msg.len() % 16 == 0;
    let mut c = [0u8; 16];
    for i in 0..n {
        let mut block = [0u8; 16];
        let chunk = &msg[i * 16..msg.len().min(i * 16 + 16)];
        block[..chunk.len()].copy_from_slice(chunk);
        if i == n - 1 {
            // Step 4: the last block, xored with K1 if complete, else padded 10* and xored with K2.
            if complete {
                block = xor(block, k1);
            } else {
                block[chunk.len()] = 0x80;
                block = xor(block, k2);
            }
        }
        // Step 6: C_i = CIPH_K(C_{i-1} xor M_i).
        c = aes_encrypt(key, xor(c, block));
    }
    c
}

/// Amendment D 4.1.5 with SP 800-108 counter mode: PRF(key, 11 x 00 ||
/// constant || 00 || L || i || context) for i = 1, 2, ..., truncated to L bits.
pub fn kdf(key: &[u8], constant: u8, context: &[u8], out_len: usize) -> Vec<u8> {
    let l_bits = (out_len * 8) as u16;
    let mut out = Vec::new();
    let mut i = 1u8;
    while out.len() < out_len {
        let mut input = vec![0u8; 11];
        input.push(constant);
        input.push(0x00);
        input.extend_from_slice(&l_bits.to_be_bytes());
        input.push(i);
        input.extend_from_slice(context);
        out.extend_from_slice(&cmac(key, &input));
        i += 1;
    }
    out.truncate(out_len);
    out
}

/// GP B.2.3 / ISO 9797-1 method 2: append 80, then 00 to a block multiple.
pub fn pad80(data: &[u8]) -> Vec<u8> {
    pad80_extra(data, 0)
}

/// [`pad80`], then `extra` more blocks of `00`: the padding some cards in
/// the field send, which a receiver must accept.
pub fn pad80_extra(data: &[u8], extra: usize) -> Vec<u8> {
    let mut v = data.to_vec();
    v.push(0x80);
    while v.len() % 16 != 0 {
        v.push(0);
    }
    v.resize(v.len() + 16 * extra, 0);
    v
}

/// Remove method-2 padding: `80` then any number of `00` to the end of the
/// data (one block or several, as cards in the field send it).
pub fn unpad80(data: &[u8]) -> Option<Vec<u8>> {
    if data.is_empty() || data.len() % 16 != 0 {
        return None;
    }
    let mut i = data.len();
    while i > 0 {
        i -= 1;
        match data[i] {
            0x00 => continue,
            0x80 => return Some(data[..i].to_vec()),
            _ => return None,
        }
    }
    None
}

/// The 16-byte blocks of `data` (whose length is a multiple of 16).
fn blocks(data: &[u8]) -> impl Iterator<Item = [u8; 16]> + '_ {
    data.chunks(16).map(|chunk| {
        let mut b = [0u8; 16];
        b.copy_from_slice(chunk);
        b
    })
}

/// SP 800-38A 6.2 CBC encryption: C_i = E(P_i xor C_{i-1}), C_0 = IV.
pub fn cbc_encrypt(key: &[u8], iv: [u8; 16], data: &[u8]) -> Vec<u8> {
    let mut prev = iv;
    blocks(data)
        .flat_map(|p| {
            prev = aes_encrypt(key, xor(p, prev));
            prev
        })
        .collect()
}

/// SP 800-38A 6.2 CBC decryption: P_i = D(C_i) xor C_{i-1}, C_0 = IV.
pub fn cbc_decrypt(key: &[u8], iv: [u8; 16], data: &[u8]) -> Vec<u8> {
    let mut prev = iv;
    blocks(data)
        .flat_map(|c| {
            let p = xor(aes_decrypt(key, c), prev);
            prev = c;
            p
        })
        .collect()
}

/// The three session keys: S-ENC (04 from Key-ENC), S-MAC (06), S-RMAC (07 from Key-MAC).
pub fn session_keys(enc: &[u8], mac: &[u8], hc: &[u8], cc: &[u8]) -> [Vec<u8>; 3] {
    let ctx = [hc, cc].concat();
    [
        kdf(enc, 0x04, &ctx, enc.len()),
        kdf(mac, 0x06, &ctx, mac.len()),
        kdf(mac, 0x07, &ctx, mac.len()),
    ]
}

/// A command APDU (ISO 7816-3 12.1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefCommand {
    /// CLA INS P1 P2.
    pub header: [u8; 4],
    /// Data.
    pub data: Vec<u8>,
    /// Le (256 / 65536 for zero).
    pub le: Option<u32>,
    /// Extended length fields.
    pub extended: bool,
}

/// Decode the body by its length (cases 1, 2S, 3S, 4S, 2E, 3E, 4E).
pub fn parse_command(b: &[u8]) -> Option<RefCommand> {
    if b.len() < 4 {
        return None;
    }
    let header = [b[0], b[1], b[2], b[3]];
    let body = &b[4..];
    let mk = |data: &[u8], le: Option<u32>, extended| {
        Some(RefCommand {
            header,
            data: data.to_vec(),
            le,
            extended,
        })
    };
    match body.len() {
        0 => mk(&[], None, false),
        1 => mk(
            &[],
            Some(if body[0] == 0 {
                256
            } else {
                u32::from(body[0])
            }),
            false,
        ),
        _ if body[0] != 0 => {
            let lc = usize::from(body[0]);
            if body.len() == 1 + lc {
                mk(&body[1..], None, false)
            } else if body.len() == 2 + lc {
                let le = body[1 + lc];
                mk(
                    &body[1..1 + lc],
                    Some(if le == 0 { 256 } else { u32::from(le) }),
                    false,
                )
            } else {
                None
            }
        }
        3 => {
            let le = u32::from(body[1]) << 8 | u32::from(body[2]);
            mk(&[], Some(if le == 0 { 65536 } else { le }), true)
        }
        n if n > 3 => {
            let lc = usize::from(body[1]) << 8 | usize::from(body[2]);
            if lc == 0 {
                None
            } else if n == 3 + lc {
                mk(&body[3..], None, true)
            } else if n == 5 + lc {
                let le = u32::from(body[3 + lc]) << 8 | u32::from(body[4 + lc]);
                mk(
                    &body[3..3 + lc],
                    Some(if le == 0 { 65536 } else { le }),
                    true,
                )
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Encode a command with explicit length form.
pub fn encode_command(c: &RefCommand) -> Vec<u8> {
    let mut v = c.header.to_vec();
    if !c.data.is_empty() {
        if c.extended {
            v.extend_from_slice(&[0, (c.data.len() >> 8) as u8, c.data.len() as u8]);
        } else {
            v.push(c.data.len() as u8);
        }
        v.extend_from_slice(&c.data);
    }
    if let Some(le) = c.le {
        if c.extended {
            if c.data.is_empty() {
                v.push(0);
            }
            let x = if le == 65536 { 0 } else { le };
            v.extend_from_slice(&[(x >> 8) as u8, x as u8]);
        } else {
            v.push(if le == 256 { 0 } else { le as u8 });
        }
    }
    v
}

/// ISO 7816-4 5.4.1 with GP secure messaging: the class for a channel.
pub fn class_for(cla: u8, channel: u8, sm: bool) -> u8 {
    let proprietary = cla & 0x80;
    let chaining = cla & 0x10;
    if channel <= 3 {
        proprietary | chaining | if sm { 0x04 } else { 0 } | channel
    } else {
        proprietary | 0x40 | chaining | if sm { 0x20 } else { 0 } | (channel - 4)
    }
}

/// The channel a class byte names.
pub fn channel_of(cla: u8) -> u8 {
    if cla & 0x40 == 0 {
        cla & 0x03
    } else {
        (cla & 0x0F) + 4
    }
}

/// 9000, 62xx, 63xx carry an R-MAC; everything else goes bare.
pub fn protected(sw: u16) -> bool {
    sw == 0x9000 || sw >> 8 == 0x62 || sw >> 8 == 0x63
}

/// An open session (either side).
#[derive(Debug, Clone)]
pub struct RefSession {
    /// S-ENC, S-MAC, S-RMAC.
    pub keys: [Vec<u8>; 3],
    /// MAC chaining value.
    pub chain: [u8; 16],
    /// Encryption counter.
    pub counter: u64,
    /// Security level.
    pub level: u8,
    /// 8 or 16.
    pub m: usize,
    /// Logical channel.
    pub channel: u8,
    /// Still open.
    pub open: bool,
}

type R<T> = Result<T, &'static str>;

impl RefSession {
    /// A session just opened by EXTERNAL AUTHENTICATE, whose C-MAC is the
    /// first chaining value.
    fn opened(keys: [Vec<u8>; 3], chain: [u8; 16], level: u8, m: usize, channel: u8) -> Self {
        RefSession {
            keys,
            chain,
            counter: 0,
            level,
            m,
            channel,
            open: true,
        }
    }

    /// What the C-MAC covers before the data (GPC 2.3 Amd D 6.2.4): the
    /// chaining value, the header with the secure-messaging bit set in the
    /// class (channel number cleared, as the MAC is computed), and Lc
    /// (which counts the MAC), short or extended.
    fn mac_prefix(&self, header: [u8; 4], lc: usize, extended: bool) -> Vec<u8> {
        let mut mac_in = self.chain.to_vec();
        mac_in.extend_from_slice(&[
            class_for(header[0], 0, true),
            header[1],
            header[2],
            header[3],
        ]);
        if extended {
            mac_in.extend_from_slice(&[0, (lc >> 8) as u8, lc as u8]);
        } else {
            mac_in.push(lc as u8);
        }
        mac_in
    }

    fn fail<T>(&mut self, e: &'static str) -> R<T> {
        self.open = false;
        Err(e)
    }

    fn icv(&self, response: bool) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[12..].copy_from_slice(&(self.counter as u32).to_be_bytes());
        if response {
            b[0] = 0x80;
        }
        aes_encrypt(&self.keys[0], b)
    }

    fn bump(&mut self) -> R<()> {
        if self.counter >= u64::from(u32::MAX) {
            return self.fail("CounterExhausted");
        }
        self.counter += 1;
        Ok(())
    }

    /// Host: protect a plain command.
    pub fn wrap(&mut self, plain: &[u8]) -> R<Vec<u8>> {
        self.wrap_padded(plain, 0)
    }

    /// Host: protect a plain command, encrypting it with `extra` blocks of
    /// padding beyond the minimum.
    pub fn wrap_padded(&mut self, plain: &[u8], extra: usize) -> R<Vec<u8>> {
        if !self.open {
            return Err("SessionTerminated");
        }
        let c = parse_command(plain).ok_or("MalformedCommand")?;
        let sm = self.level & 0x01 != 0;
        let mut header = c.header;
        header[0] = class_for(c.header[0], self.channel, sm);
        if !sm {
            return Ok(encode_command(&RefCommand { header, ..c }));
        }
        let enc = self.level & 0x02 != 0 && !c.data.is_empty();
        let lc = if enc {
            pad80_extra(&c.data, extra).len()
        } else {
            c.data.len()
        } + self.m;
        if lc > 65535 {
            return Err("MalformedCommand");
        }
        let extended = c.extended || lc > 255 || c.le.is_some_and(|l| l > 256);
        self.bump()?;
        let data = if enc {
            cbc_encrypt(&self.keys[0], self.icv(false), &pad80_extra(&c.data, extra))
        } else {
            c.data.clone()
        };
        let mut mac_in = self.mac_prefix(c.header, lc, extended);
        mac_in.extend_from_slice(&data);
        self.chain = cmac(&self.keys[1], &mac_in);
        let mut wire_data = data;
        wire_data.extend_from_slice(&self.chain[..self.m]);
        Ok(encode_command(&RefCommand {
            header,
            data: wire_data,
            le: c.le,
            extended,
        }))
    }

    /// Host: verify and decrypt a response.
    pub fn unwrap_response(&mut self, resp: &[u8]) -> R<(Vec<u8>, u16)> {
        if !self.open {
            return Err("SessionTerminated");
        }
        if resp.len() < 2 {
            return Err("MalformedResponse");
        }
        let sw = u16::from(resp[resp.len() - 2]) << 8 | u16::from(resp[resp.len() - 1]);
        let body = &resp[..resp.len() - 2];
        if self.level & 0x10 == 0 {
            return Ok((body.to_vec(), sw));
        }
        if !protected(sw) {
            if !body.is_empty() {
                return self.fail("MalformedResponse");
            }
            return Ok((vec![], sw));
        }
        if body.len() < self.m {
            return self.fail("MalformedResponse");
        }
        let (data, mac) = body.split_at(body.len() - self.m);
        let mut mac_in = self.chain.to_vec();
        mac_in.extend_from_slice(data);
        mac_in.extend_from_slice(&sw.to_be_bytes());
        if cmac(&self.keys[2], &mac_in)[..self.m] != *mac {
            return self.fail("RMacMismatch");
        }
        if self.level & 0x20 == 0 || data.is_empty() {
            return Ok((data.to_vec(), sw));
        }
        if data.len() % 16 != 0 {
            return self.fail("BadPadding");
        }
        match unpad80(&cbc_decrypt(&self.keys[0], self.icv(true), data)) {
            Some(p) => Ok((p, sw)),
            None => self.fail("BadPadding"),
        }
    }

    /// Card: verify and decrypt a wire command.
    pub fn unwrap_command(&mut self, wire: &[u8]) -> R<Vec<u8>> {
        if !self.open {
            return Err("SessionTerminated");
        }
        let Some(c) = parse_command(wire) else {
            return self.fail("MalformedCommand");
        };
        let mut header = c.header;
        header[0] = class_for(c.header[0], channel_of(c.header[0]), false);
        if self.level & 0x01 == 0 {
            return Ok(encode_command(&RefCommand { header, ..c }));
        }
        if c.header[0] != class_for(c.header[0], self.channel, true) {
            return self.fail("MalformedCommand");
        }
        if c.data.len() < self.m {
            return self.fail("CMacMismatch");
        }
        let (data, mac) = c.data.split_at(c.data.len() - self.m);
        let lc = c.data.len();
        let mut mac_in = self.mac_prefix(c.header, lc, c.extended);
        mac_in.extend_from_slice(data);
        let full = cmac(&self.keys[1], &mac_in);
        if full[..self.m] != *mac {
            return self.fail("CMacMismatch");
        }
        self.chain = full;
        self.bump()?;
        let plain = if self.level & 0x02 != 0 && !data.is_empty() {
            if data.len() % 16 != 0 {
                return self.fail("BadPadding");
            }
            match unpad80(&cbc_decrypt(&self.keys[0], self.icv(false), data)) {
                Some(p) => p,
                None => return self.fail("BadPadding"),
            }
        } else {
            data.to_vec()
        };
        let extended = c.extended || plain.len() > 255;
        Ok(encode_command(&RefCommand {
            header,
            data: plain,
            le: c.le,
            extended,
        }))
    }

    /// Card: protect a response.
    pub fn wrap_response(&mut self, data: &[u8], sw: u16) -> R<Vec<u8>> {
        self.wrap_response_padded(data, sw, 0)
    }

    /// Card: protect a response, encrypting it with `extra` blocks of
    /// padding beyond the minimum (as some cards in the field do).
    /// [`RefSession::wrap_response`] with `extra % 8` blocks of padding
    /// beyond the minimum; from 8 up, the padding is wrong (a card that
    /// lies, or a bug), under a valid R-MAC.
    pub fn wrap_response_padded(&mut self, data: &[u8], sw: u16, extra: usize) -> R<Vec<u8>> {
        if !self.open {
            return Err("SessionTerminated");
        }
        let r_mac = self.level & 0x10 != 0;
        if !r_mac || !protected(sw) {
            let mut v = if r_mac { vec![] } else { data.to_vec() };
            v.extend_from_slice(&sw.to_be_bytes());
            return Ok(v);
        }
        let mut body = if self.level & 0x20 != 0 && !data.is_empty() {
            let mut padded = pad80_extra(data, extra % 8);
            if extra >= 8 {
                // Wrong padding under a valid R-MAC: the last byte flipped
                // (a `00` after the marker becomes `01`, or the marker
                // itself goes).
                if let Some(last) = padded.last_mut() {
                    *last ^= 0x01;
                }
            }
            cbc_encrypt(&self.keys[0], self.icv(true), &padded)
        } else {
            data.to_vec()
        };
        let mut mac_in = self.chain.to_vec();
        mac_in.extend_from_slice(&body);
        mac_in.extend_from_slice(&sw.to_be_bytes());
        body.extend_from_slice(&cmac(&self.keys[2], &mac_in)[..self.m]);
        body.extend_from_slice(&sw.to_be_bytes());
        Ok(body)
    }
}

/// Whether a card with parameter `i` offers security level `level`.
pub fn level_offered(level: u8, i: u8) -> bool {
    let valid = [0x00, 0x01, 0x03, 0x11, 0x13, 0x33].contains(&level);
    valid && (level & 0x10 == 0 || i & 0x20 != 0) && (level & 0x20 == 0 || i & 0x60 == 0x60)
}

/// Host: build INITIALIZE UPDATE.
pub fn initialize_update(kvn: u8, channel: u8, host_challenge: &[u8]) -> Vec<u8> {
    let mut v = vec![
        class_for(0x80, channel, false),
        0x50,
        kvn,
        0x00,
        host_challenge.len() as u8,
    ];
    v.extend_from_slice(host_challenge);
    v.push(0x00);
    v
}

/// A pseudo-random card challenge: KDF(Key-ENC, 02, seq || AID), `m` bytes
/// (`seq`: the card's 3-byte sequence counter).
fn pseudo_random_challenge(enc: &[u8], seq: &[u8], aid: &[u8], m: usize) -> Vec<u8> {
    kdf(enc, 0x02, &[seq, aid].concat(), m)
}

/// Host: check the IU response and build EXTERNAL AUTHENTICATE. `aid`:
/// the Security Domain's AID when the host knows it (empty otherwise), to
/// check a pseudo-random card challenge.
#[allow(clippy::too_many_arguments)]
pub fn host_authenticate(
    aid: &[u8],
    enc: &[u8],
    mac: &[u8],
    kvn: u8,
    level: u8,
    m: usize,
    channel: u8,
    hc: &[u8],
    resp: &[u8],
) -> R<(RefSession, Vec<u8>)> {
    if resp.len() != 13 + 2 * m && resp.len() != 16 + 2 * m {
        return Err("MalformedInitializeUpdateResponse");
    }
    let (rkvn, scp, i) = (resp[10], resp[11], resp[12]);
    if scp != 3 {
        return Err("UnsupportedProtocol");
    }
    if (i & 1 == 1) != (m == 16) {
        return Err("ModeMismatch");
    }
    if (resp.len() == 16 + 2 * m) != (i & 0x10 != 0) {
        return Err("MalformedInitializeUpdateResponse");
    }
    if kvn != 0 && rkvn != kvn {
        return Err("KvnMismatch");
    }
    if !level_offered(level, i) {
        return Err("LevelNotOffered");
    }
    let cc = &resp[13..13 + m];
    // A host that knows the AID checks a pseudo-random card challenge
    // (GPC 2.3 Amd D 6.2.2.3).
    if resp.len() == 16 + 2 * m
        && !aid.is_empty()
        && pseudo_random_challenge(enc, &resp[13 + 2 * m..], aid, m) != cc
    {
        return Err("CardChallengeMismatch");
    }
    let keys = session_keys(enc, mac, hc, cc);
    let ctx = [hc, cc].concat();
    if kdf(&keys[1], 0x00, &ctx, m) != resp[13 + m..13 + 2 * m] {
        return Err("CardCryptogramMismatch");
    }
    let host_cg = kdf(&keys[1], 0x01, &ctx, m);
    let mut mac_in = vec![0u8; 16];
    mac_in.extend_from_slice(&[0x84, 0x82, level, 0x00, (2 * m) as u8]);
    mac_in.extend_from_slice(&host_cg);
    let chain = cmac(&keys[1], &mac_in);
    let mut ea = vec![
        class_for(0x80, channel, true),
        0x82,
        level,
        0x00,
        (2 * m) as u8,
    ];
    ea.extend_from_slice(&host_cg);
    ea.extend_from_slice(&chain[..m]);
    Ok((RefSession::opened(keys, chain, level, m, channel), ea))
}

/// The card side: answers IU, checks EA, then runs a session.
#[derive(Debug, Clone)]
pub struct RefCard {
    /// Key-ENC, Key-MAC.
    pub enc: Vec<u8>,
    /// Key-MAC.
    pub mac: Vec<u8>,
    /// Key version.
    pub kvn: u8,
    /// i parameter.
    pub i: u8,
    /// Key diversification data.
    pub kdd: [u8; 10],
    /// The application AID.
    pub aid: Vec<u8>,
    /// Sequence counter.
    pub seq: u32,
    pending: Option<(Vec<u8>, Vec<u8>, u8)>,
    /// The open session.
    pub session: Option<RefSession>,
}

impl RefCard {
    /// A card.
    pub fn new(enc: &[u8], mac: &[u8], kvn: u8, i: u8, aid: &[u8], seq: u32) -> Self {
        RefCard {
            enc: enc.to_vec(),
            mac: mac.to_vec(),
            kvn,
            i,
            kdd: [0; 10],
            aid: aid.to_vec(),
            seq,
            pending: None,
            session: None,
        }
    }

    fn m(&self) -> usize {
        if self.i & 1 == 1 {
            16
        } else {
            8
        }
    }

    /// Answer INITIALIZE UPDATE (data without SW).
    pub fn initialize_update(&mut self, cmd: &[u8], random: &[u8]) -> R<Vec<u8>> {
        self.session = None;
        self.pending = None;
        let c = parse_command(cmd).ok_or("MalformedCommand")?;
        if c.header[1] != 0x50 || c.header[0] & 0x80 == 0 {
            return Err("UnexpectedCommand");
        }
        let m = self.m();
        if c.data.len() != m {
            return Err("WrongChallengeLength");
        }
        if c.header[2] != 0 && c.header[2] != self.kvn {
            return Err("KvnMismatch");
        }
        let pseudo = self.i & 0x10 != 0;
        let cc = if pseudo {
            if self.seq >= 0xFF_FFFF {
                return Err("SequenceCounterExhausted");
            }
            self.seq += 1;
            pseudo_random_challenge(&self.enc, &self.seq.to_be_bytes()[1..], &self.aid, m)
        } else {
            if random.len() != m {
                return Err("WrongChallengeLength");
            }
            random.to_vec()
        };
        let keys = session_keys(&self.enc, &self.mac, &c.data, &cc);
        let card_cg = kdf(&keys[1], 0x00, &[&c.data[..], &cc[..]].concat(), m);
        let mut out = self.kdd.to_vec();
        out.extend_from_slice(&[self.kvn, 0x03, self.i]);
        out.extend_from_slice(&cc);
        out.extend_from_slice(&card_cg);
        if pseudo {
            out.extend_from_slice(&self.seq.to_be_bytes()[1..]);
        }
        self.pending = Some((c.data, cc, channel_of(c.header[0])));
        Ok(out)
    }

    /// Check EXTERNAL AUTHENTICATE.
    pub fn external_authenticate(&mut self, cmd: &[u8]) -> R<u8> {
        let Some((hc, cc, channel)) = self.pending.take() else {
            return Err("UnexpectedCommand");
        };
        let c = parse_command(cmd).ok_or("MalformedCommand")?;
        if c.header[1] != 0x82 {
            return Err("UnexpectedCommand");
        }
        let level = c.header[2];
        if ![0x00, 0x01, 0x03, 0x11, 0x13, 0x33].contains(&level) {
            return Err("InvalidLevel");
        }
        if !level_offered(level, self.i) {
            return Err("LevelNotOffered");
        }
        let m = self.m();
        if c.data.len() != 2 * m || c.header[3] != 0 || c.le.is_some() || c.extended {
            return Err("MalformedCommand");
        }
        let keys = session_keys(&self.enc, &self.mac, &hc, &cc);
        let ctx = [&hc[..], &cc[..]].concat();
        let cg_ok = kdf(&keys[1], 0x01, &ctx, m) == c.data[..m];
        let mut mac_in = vec![0u8; 16];
        mac_in.extend_from_slice(&[
            class_for(c.header[0], 0, true),
            0x82,
            level,
            c.header[3],
            (2 * m) as u8,
        ]);
        mac_in.extend_from_slice(&c.data[..m]);
        let chain = cmac(&keys[1], &mac_in);
        if !cg_ok {
            return Err("HostCryptogramMismatch");
        }
        if chain[..m] != c.data[m..] {
            return Err("CMacMismatch");
        }
        self.session = Some(RefSession::opened(keys, chain, level, m, channel));
        Ok(level)
    }
}
