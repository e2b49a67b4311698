//! Shared pieces of scboot's constant-time audit.
//!
//! - [`Secrets`]: static keys drawn at run time from the OS (so the compiler
//!   cannot fold them), with the kernel's copies poisoned for valgrind and
//!   public copies for the reference model, which is not under audit.
//! - [`Case`]: every security level, S8 and S16, AES-128/192/256, random and
//!   pseudo-random card challenges.
//! - [`Pair`]: a kernel host and a kernel card through INITIALIZE UPDATE and
//!   EXTERNAL AUTHENTICATE, every wire message declassified as it crosses.
//! - [`RefCardSession`]: a kernel host against the reference card, to craft
//!   what the kernel card never sends (a response with a good R-MAC over a
//!   bad padding).
#![deny(missing_docs)]

use scboot::scp03::{
    CardChannel, CardConfig, HostConfig, HostHandshake, HostSession, Mode, Scp03Error,
    SecurityLevel, StaticKeys,
};
use scboot_ct_hook as vg;
use scboot_reference::scp03 as reference;
use std::io::Read;

/// The AID of the Security Domain in every case.
pub const AID: [u8; 8] = [0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00];
/// The key version in every case.
pub const KVN: u8 = 0x30;

/// Give the kernel the hook's declassifier (kernel/src/ct.rs): before any
/// kernel call, once. Without it the kernel's verdicts stay poisoned and the
/// gate fails, so the gate cannot pass by forgetting this.
pub fn install_declassifier() {
    static DECLASSIFY: fn(&mut [u8]) = vg::declassify;
    scboot::ct_audit::set_declassifier(&DECLASSIFY);
}

/// `n` bytes from the OS random source.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    let mut f = std::fs::File::open("/dev/urandom").expect("/dev/urandom");
    f.read_exact(&mut v).expect("read /dev/urandom");
    v
}

/// Mark a buffer secret for memcheck (no-op natively).
pub fn poison(b: &mut [u8]) {
    vg::poison(b);
}

/// Mark a buffer public: it is on the wire, or the harness is about to
/// compare it.
pub fn public(b: &mut [u8]) {
    vg::unpoison(b);
}

/// One configuration of the channel.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// 16, 24 or 32.
    pub key_len: usize,
    /// S8 or S16.
    pub mode: Mode,
    /// The security level asked in EXTERNAL AUTHENTICATE.
    pub level: SecurityLevel,
    /// Card challenge derived from the sequence counter and AID (and checked
    /// by the host) instead of random.
    pub pseudo_random: bool,
}

impl Case {
    /// The host's configuration for this case: its level and mode, on the
    /// basic channel, with the Security Domain's AID.
    pub fn host_config(&self) -> HostConfig<'static> {
        HostConfig::default()
            .level(self.level)
            .mode(self.mode)
            .channel(0)
            .card_aid(Some(&AID))
    }

    /// All combinations: 3 key sizes x 2 modes x 6 levels x 2 challenge kinds.
    pub fn all() -> Vec<Case> {
        let mut v = Vec::new();
        for key_len in [16, 24, 32] {
            for mode in [Mode::S8, Mode::S16] {
                for level in SecurityLevel::VALID {
                    for pseudo_random in [false, true] {
                        v.push(Case {
                            key_len,
                            mode,
                            level,
                            pseudo_random,
                        });
                    }
                }
            }
        }
        v
    }

    /// The card's `i` parameter: the mode, R-MAC and R-ENC offered, the
    /// challenge kind.
    pub fn i(&self) -> u8 {
        let mut i = 0x60;
        if self.mode == Mode::S16 {
            i |= 0x01;
        }
        if self.pseudo_random {
            i |= 0x10;
        }
        i
    }

    /// 8 or 16.
    pub fn m(&self) -> usize {
        self.mode.size()
    }

    /// Short label for reports.
    pub fn label(&self) -> String {
        format!(
            "AES-{} {:?} level {:02X} {}",
            self.key_len * 8,
            self.mode,
            self.level.bits(),
            if self.pseudo_random {
                "pseudo-random"
            } else {
                "random"
            }
        )
    }
}

/// A static key set, as the kernel sees it (poisoned) and as the reference
/// model sees it (public copies of the same bytes).
pub struct Secrets {
    /// Key-ENC, Key-MAC, Key-DEK, poisoned.
    pub enc: Vec<u8>,
    /// Key-MAC, poisoned.
    pub mac: Vec<u8>,
    /// Key-DEK, poisoned.
    pub dek: Vec<u8>,
    /// Public copy of Key-ENC, for the reference model.
    pub enc_public: Vec<u8>,
    /// Public copy of Key-MAC, for the reference model.
    pub mac_public: Vec<u8>,
}

impl Secrets {
    /// Fresh random keys of `len` bytes; the kernel's copies poisoned.
    pub fn random(len: usize) -> Secrets {
        let enc_public = random_bytes(len);
        let mac_public = random_bytes(len);
        let (mut enc, mut mac, mut dek) =
            (enc_public.clone(), mac_public.clone(), random_bytes(len));
        poison(&mut enc);
        poison(&mut mac);
        poison(&mut dek);
        Secrets {
            enc,
            mac,
            dek,
            enc_public,
            mac_public,
        }
    }

    /// The kernel's key set (built from the poisoned copies).
    pub fn static_keys(&self) -> StaticKeys {
        StaticKeys::new(KVN, &self.enc, &self.mac, &self.dek).expect("key lengths")
    }
}

/// A kernel host and a kernel card with an open channel.
pub struct Pair {
    /// The host side.
    pub host: HostSession,
    /// The card side.
    pub card: CardChannel,
}

/// Which handshake message to corrupt (one bit) on its way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrupt {
    /// Nothing: the handshake must succeed.
    Nothing,
    /// The card cryptogram in the INITIALIZE UPDATE response.
    CardCryptogram,
    /// The pseudo-random card challenge (checked by the host).
    CardChallenge,
    /// The host cryptogram in EXTERNAL AUTHENTICATE.
    HostCryptogram,
}

/// Run the handshake between a kernel host and a kernel card; wire messages
/// are declassified as they cross, one of them corrupted on request.
pub fn handshake(keys: &Secrets, case: Case, corrupt: Corrupt) -> Result<Pair, Scp03Error> {
    let m = case.m();
    let card_keys = keys.static_keys();
    let host_keys = keys.static_keys();
    let mut card = CardChannel::new(card_keys, CardConfig::new(case.i(), &AID)?);
    let cfg = case.host_config();
    let (host_challenge, card_challenge) = (random_bytes(m), random_bytes(m));
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    let (hs, n) = HostHandshake::start(&host_keys, &cfg, &host_challenge, &mut a)?;
    let r = card.initialize_update(&a[..n], &card_challenge, &mut b)?;
    public(&mut b[..r]);
    match corrupt {
        Corrupt::CardCryptogram => b[13 + m] ^= 0x01,
        Corrupt::CardChallenge => b[13] ^= 0x01,
        _ => {}
    }
    let (pending, n) = hs.authenticate(&host_keys, &b[..r], &mut a)?;
    public(&mut a[..n]);
    if corrupt == Corrupt::HostCryptogram {
        a[5] ^= 0x01;
    }
    card.external_authenticate(&a[..n])?;
    let host = pending.confirm(0x9000)?;
    Ok(Pair { host, card })
}

/// A plain command APDU `80 E2 00 00` carrying `data` (short or extended
/// form) and Le; its data bytes poisoned. Returns the APDU and a public
/// copy of it.
pub fn secret_command(data_len: usize, extended: bool) -> (Vec<u8>, Vec<u8>) {
    let data = random_bytes(data_len);
    let mut cmd = vec![0x80, 0xE2, 0x00, 0x00];
    let start;
    if data_len == 0 {
        cmd.push(0x00); // case 2, Le
        start = cmd.len();
    } else if extended {
        cmd.extend_from_slice(&[0x00, (data_len >> 8) as u8, data_len as u8]);
        start = cmd.len();
        cmd.extend_from_slice(&data);
        cmd.extend_from_slice(&[0x00, 0x00]);
    } else {
        cmd.push(data_len as u8);
        start = cmd.len();
        cmd.extend_from_slice(&data);
        cmd.push(0x00);
    }
    let copy = cmd.clone();
    poison(&mut cmd[start..start + data_len]);
    (cmd, copy)
}

/// A kernel host whose card is the reference model (public key copies), so
/// that responses the kernel card would never produce can be crafted.
pub struct RefCardSession {
    /// The kernel host.
    pub host: HostSession,
    /// The reference card's session state (keys, chain, counter).
    pub card: reference::RefSession,
}

/// Open a channel between a kernel host and the reference card.
pub fn handshake_with_reference_card(keys: &Secrets, case: Case) -> Result<RefCardSession, String> {
    let m = case.m();
    let host_keys = keys.static_keys();
    let mut card =
        reference::RefCard::new(&keys.enc_public, &keys.mac_public, KVN, case.i(), &AID, 0);
    let cfg = case.host_config();
    let (host_challenge, card_challenge) = (random_bytes(m), random_bytes(m));
    let mut a = [0u8; 64];
    let (hs, n) = HostHandshake::start(&host_keys, &cfg, &host_challenge, &mut a)
        .map_err(|e| e.to_string())?;
    let iu = card.initialize_update(&a[..n], &card_challenge)?;
    let (pending, n) = hs
        .authenticate(&host_keys, &iu, &mut a)
        .map_err(|e| e.to_string())?;
    public(&mut a[..n]);
    card.external_authenticate(&a[..n])?;
    let host = pending.confirm(0x9000).map_err(|e| e.to_string())?;
    let card = card.session.ok_or("reference card opened no session")?;
    Ok(RefCardSession { host, card })
}

impl RefCardSession {
    /// The host wraps a `data_len`-byte command (secret data) and the
    /// reference card takes it, so both sides agree on chain and counter.
    pub fn exchange_command(&mut self, data_len: usize) -> Result<(), String> {
        let (cmd, _) = secret_command(data_len, false);
        let mut w = vec![0u8; cmd.len() + 64];
        let n = self.host.wrap(&cmd, &mut w).map_err(|e| e.to_string())?;
        public(&mut w[..n]);
        self.card.unwrap_command(&w[..n])?;
        Ok(())
    }

    /// A response with R-ENC over `block` (whole blocks, one or more) taken
    /// as already padded (so the
    /// padding may be bad), then a correct R-MAC, then `90 00`: what a card
    /// that pads wrongly, or an attacker who knows S-ENC but not S-RMAC,
    /// cannot make the host accept.
    pub fn craft_response(&self, block: &[u8]) -> Vec<u8> {
        let s = &self.card;
        let mut icv_in = [0u8; 16];
        icv_in[0] = 0x80;
        icv_in[12..].copy_from_slice(&(s.counter as u32).to_be_bytes());
        let icv = reference::aes_encrypt(&s.keys[0], icv_in);
        let mut body = reference::cbc_encrypt(&s.keys[0], icv, block);
        let mut mac_in = s.chain.to_vec();
        mac_in.extend_from_slice(&body);
        mac_in.extend_from_slice(&[0x90, 0x00]);
        body.extend_from_slice(&reference::cmac(&s.keys[2], &mac_in)[..s.m]);
        body.extend_from_slice(&[0x90, 0x00]);
        body
    }
}

/// The reference host (public key copies) against a kernel card, so that
/// commands the kernel host never sends can be crafted: C-DECRYPTION with
/// more than one block of padding.
pub struct RefHostSession {
    /// The reference host's session state.
    pub host: reference::RefSession,
    /// The kernel card.
    pub card: CardChannel,
}

/// Open a channel between the reference host and a kernel card.
pub fn handshake_with_reference_host(keys: &Secrets, case: Case) -> Result<RefHostSession, String> {
    let m = case.m();
    let mut card = CardChannel::new(
        keys.static_keys(),
        CardConfig::new(case.i(), &AID).map_err(|e| e.to_string())?,
    );
    let host_challenge = random_bytes(m);
    let card_challenge = random_bytes(m);
    let iu = reference::initialize_update(KVN, 0, &host_challenge);
    let mut b = [0u8; 64];
    let r = card
        .initialize_update(&iu, &card_challenge, &mut b)
        .map_err(|e| e.to_string())?;
    public(&mut b[..r]);
    let (host, ea) = reference::host_authenticate(
        &AID,
        &keys.enc_public,
        &keys.mac_public,
        KVN,
        case.level.bits(),
        m,
        0,
        &host_challenge,
        &b[..r],
    )?;
    card.external_authenticate(&ea).map_err(|e| e.to_string())?;
    Ok(RefHostSession { host, card })
}

impl RefHostSession {
    /// The reference host wraps `plain` with `extra` blocks of padding
    /// beyond the minimum; the kernel card unwraps it. The plain command
    /// (declassified), or the card's error.
    pub fn padded_command(&mut self, plain: &[u8], extra: usize) -> Result<Vec<u8>, Scp03Error> {
        let wire = self
            .host
            .wrap_padded(plain, extra)
            .map_err(Scp03Error::MalformedCommand)?;
        let mut out = vec![0u8; wire.len() + 16];
        let n = self.card.unwrap_command(&wire, &mut out)?;
        public(&mut out[..n]);
        out.truncate(n);
        Ok(out)
    }
}
