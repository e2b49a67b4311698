//! The hostile card: the fuzz input is a script of what the card does at
//! each exchange (answer honestly, answer raw bytes, flip or cut its honest
//! answer, lie under its own secure channel, fail the transport), driving a
//! first bootstrap, an honest bootstrap that the client applies, and a check
//! through the monitor; the first bootstrap is driven step by step
//! ([`crate::run_by_hand`], whose invariants hold too). Invariants:
//!
//! * no panic, and every run ends within a bounded number of exchanges;
//! * `Removed` only when the transport reported an absent card, or the card
//!   answered something other than its honest answer in that run (a card
//!   may say its data is gone; an honest card with its data never does);
//! * `Changed` only when the card lied in that run;
//! * under R-MAC, a bootstrap from a card that did not lie under its own
//!   secure channel is the card's real data: nothing unauthenticated gets
//!   through;
//! * an error leaves the monitor holding the card's data.
//!
//! Input: two configuration bytes, then actions (see [`Action::decode`]);
//! past the end of the input the card is honest.

use scboot::at_csim;
use scboot::monitor::{Capabilities, Mode, Monitor, Sequencer, Verdict};
use scboot::procedure::TransportError;
use scboot::procedure::{run, run_operation, Card, Config, Fault, KeyOperation, SecurePolicy};
use scboot::scp03::{SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::{CardImage, VirtualCard};
use std::sync::OnceLock;

/// What the card does at one exchange.
#[derive(Debug, Clone)]
enum Action<'a> {
    /// Answer honestly.
    Honest,
    /// Answer these bytes without executing the command.
    Raw(&'a [u8]),
    /// Execute the command, then flip bits of one byte of the answer.
    Flip { at: usize, xor: u8 },
    /// Execute the command, answer only the first `n` bytes.
    Truncate(usize),
    /// Execute the command (secure messaging included), answer this data
    /// and status word instead, protected under the card's own session.
    Lie { data: &'a [u8], sw: u16 },
    /// The transport fails: 0 transient (not delivered), 1 timeout
    /// (delivered, answer lost), 2 card reset, 3 card absent, 4 protocol.
    Fault(u8),
}

struct Script<'a> {
    data: &'a [u8],
    honest_left: usize,
}

impl<'a> Script<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.data.split_at_checked(n)?;
        self.data = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// The next action: tags `00`-`3F` are that many plus one honest
    /// answers; `40` raw (length, bytes); `41` status word only (2 bytes);
    /// `42` flip (offset, xor); `43` truncate (length); `44` lie (length,
    /// data, status word); `45` lie with a 2-byte length; `46` fault
    /// (kind); anything else, honest.
    fn next(&mut self) -> Action<'a> {
        if self.honest_left > 0 {
            self.honest_left -= 1;
            return Action::Honest;
        }
        let Some(tag) = self.byte() else {
            return Action::Honest;
        };
        let action = match tag {
            0x00..=0x3F => {
                self.honest_left = usize::from(tag);
                Some(Action::Honest)
            }
            0x40 => self
                .byte()
                .and_then(|n| self.take(usize::from(n)))
                .map(Action::Raw),
            0x41 => self.take(2).map(Action::Raw),
            0x42 => self.take(2).map(|b| Action::Flip {
                at: usize::from(b[0]),
                xor: b[1] | 1,
            }),
            0x43 => self.byte().map(|n| Action::Truncate(usize::from(n))),
            0x44 | 0x45 => {
                let n = if tag == 0x44 {
                    self.byte().map(usize::from)
                } else {
                    self.take(2)
                        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])) % 1024)
                };
                n.and_then(|n| self.take(n)).and_then(|data| {
                    self.take(2).map(|sw| Action::Lie {
                        data,
                        sw: u16::from_be_bytes([sw[0], sw[1]]),
                    })
                })
            }
            0x46 => self.byte().map(|k| Action::Fault(k % 5)),
            _ => Some(Action::Honest),
        };
        action.unwrap_or(Action::Honest)
    }
}

/// The card with its script, and what it did in the current run.
struct Hostile<'s, 'a> {
    card: VirtualCard,
    script: &'s mut Script<'a>,
    exchanges: usize,
    /// The card answered something other than its honest answer.
    lied: bool,
    /// The card lied under its own secure channel (a valid R-MAC).
    lied_authentic: bool,
    absent: bool,
    /// The card is reached through a modem's AT+CSIM (raw answers are then
    /// the modem's reply text).
    at_csim: bool,
}

impl<'s, 'a> Hostile<'s, 'a> {
    /// A card driven by `script`, reached directly or through AT+CSIM.
    fn new(card: VirtualCard, script: &'s mut Script<'a>, at_csim: bool) -> Self {
        Hostile {
            card,
            script,
            exchanges: 0,
            lied: false,
            lied_authentic: false,
            absent: false,
            at_csim,
        }
    }

    fn start_run(&mut self) {
        self.exchanges = 0;
        self.lied = false;
        self.lied_authentic = false;
        self.absent = false;
    }
}

impl Card for Hostile<'_, '_> {
    type Error = Fault;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Fault> {
        if !self.at_csim {
            return self.exchange(command, response);
        }
        // The command line the device writes; the modem reads it back.
        let mut line = [0u8; 2 * 1100 + 24];
        // The modem's errors have texts (a client logs them).
        let fault = |e: at_csim::AtError| {
            assert!(!e.to_string().is_empty());
            e.fault()
        };
        let n = at_csim::command(command, &mut line).map_err(fault)?;
        assert!(line[..n].starts_with(b"AT+CSIM="));
        // The card's answer (or, for a raw action, the modem's whole reply).
        let mut apdu = [0u8; 1100];
        let raw = matches!(self.peek(), Action::Raw(_));
        let m = self.exchange(command, &mut apdu)?;
        let reply = if raw {
            apdu[..m].to_vec()
        } else {
            let hex: String = apdu[..m].iter().map(|b| format!("{b:02X}")).collect();
            format!("\r\n+CSIM: {},\"{hex}\"\r\n\r\nOK\r\n", hex.len()).into_bytes()
        };
        at_csim::response(&reply, response).map_err(fault)
    }
}

impl Hostile<'_, '_> {
    /// The next action, without taking it.
    fn peek(&self) -> Action<'_> {
        let mut s = Script {
            data: self.script.data,
            honest_left: self.script.honest_left,
        };
        s.next()
    }

    fn exchange(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Fault> {
        self.exchanges += 1;
        if self.absent {
            return Err(Fault::CardAbsent);
        }
        let answer = |card: &mut VirtualCard, response: &mut [u8]| {
            let r = card.process(command);
            let n = r.len().min(response.len());
            response[..n].copy_from_slice(&r[..n]);
            n
        };
        match self.script.next() {
            Action::Honest => Ok(answer(&mut self.card, response)),
            Action::Raw(bytes) => {
                self.lied = true;
                let n = bytes.len().min(response.len());
                response[..n].copy_from_slice(&bytes[..n]);
                Ok(n)
            }
            Action::Flip { at, xor } => {
                let n = answer(&mut self.card, response);
                if n > 0 {
                    response[at % n] ^= xor;
                    self.lied = true;
                }
                Ok(n)
            }
            Action::Truncate(k) => {
                let n = answer(&mut self.card, response);
                if k < n {
                    self.lied = true;
                }
                Ok(k.min(n))
            }
            Action::Lie { data, sw } => {
                self.lied = true;
                self.lied_authentic = true;
                self.card.substitute_next(data.to_vec(), sw);
                Ok(answer(&mut self.card, response))
            }
            Action::Fault(kind) => match kind {
                0 => Err(Fault::Transient),
                1 => {
                    answer(&mut self.card, response);
                    Err(Fault::Transient)
                }
                2 => {
                    self.card.reset();
                    Err(Fault::CardReset)
                }
                3 => {
                    self.absent = true;
                    self.card.reset();
                    Err(Fault::CardAbsent)
                }
                _ => Err(Fault::Protocol),
            },
        }
    }
}

const WORKSPACE: usize = 2048;

/// The honest run's digest for a configuration, computed once.
fn honest_digest(
    variant: usize,
    config: Config,
    pin: Option<(u8, &[u8])>,
    image: &CardImage,
    keys: &StaticKeys,
) -> Result<[u8; 32], ()> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    type Cache = Mutex<HashMap<(usize, String, bool), Result<[u8; 32], ()>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let key = (variant, format!("{config:?}"), pin.is_some());
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(r) = cache.lock().expect("cache").get(&key) {
        return *r;
    }
    let mut card = VirtualCard::new(image.clone()).expect("demo card");
    let mut ws = [0u8; WORKSPACE];
    let r = run(&mut card, keys, config, &mut ws, pin)
        .map(|b| b.provenance.digest)
        .map_err(|_| ());
    cache.lock().expect("cache").insert(key, r);
    r
}

/// The demo card in its eight variants (bit 0: 61xx GET RESPONSE, bit 1:
/// strict Le, bit 2: a private entry behind PIN 1234), built once.
fn cards() -> &'static [(CardImage, StaticKeys)] {
    static CARDS: OnceLock<Vec<(CardImage, StaticKeys)>> = OnceLock::new();
    CARDS.get_or_init(|| {
        (0u8..8)
            .map(|v| {
                let mut cfg = CardConfig::parse(DEMO_CONFIG).expect("demo config");
                if v & 4 != 0 {
                    cfg.private = true;
                    cfg.pin = Some("31323334".into());
                    cfg.pin_reference = 0x81;
                }
                let mut image = build(&cfg).expect("demo card");
                image.quirks.get_response = v & 1 != 0;
                image.quirks.strict_le = v & 2 != 0;
                (image, cfg.static_keys().expect("keys"))
            })
            .collect()
    })
}

/// The trust-anchor card (an EC P-256 signing key, an AES checksum key, a
/// key behind the PIN), built once.
fn signing_card() -> &'static (CardImage, StaticKeys) {
    static CARD: OnceLock<(CardImage, StaticKeys)> = OnceLock::new();
    CARD.get_or_init(|| {
        let cfg = CardConfig::parse(include_str!("../../examples/cards/signing.toml"))
            .expect("signing config");
        (
            build(&cfg).expect("signing card"),
            cfg.static_keys().expect("keys"),
        )
    })
}

/// At most this many exchanges per run: every command may take a 6Cxx
/// retry and a bounded chain of GET RESPONSE, and every READ must bring at
/// least one byte into the workspace (or end the file).
const MAX_EXCHANGES: usize = 8 * (64 + WORKSPACE);

/// The fuzz target's body.
pub fn hostile_card(data: &[u8]) {
    let &[c0, c1, ref rest @ ..] = data else {
        return;
    };
    let (image, keys) = &cards()[usize::from(c1 & 7)];
    let fresh_card = || VirtualCard::new(image.clone()).expect("demo card");
    let card = fresh_card();
    let policy = [
        SecurePolicy::Required,
        SecurePolicy::IfOffered,
        SecurePolicy::Off,
        SecurePolicy::Required,
    ][usize::from(c0 & 3)];
    let level = SecurityLevel::VALID[usize::from(c0 >> 2 & 7) % SecurityLevel::VALID.len()];
    let config = Config::new([c0; 16])
        .policy(policy)
        .level(level)
        .logical_channel(c0 & 0x20 == 0)
        .read_everything(c0 & 0x40 != 0);
    let pin: Option<(u8, &[u8])> = (c0 & 0x80 != 0).then_some((0x81, b"1234".as_slice()));

    // The card's real data, for the authenticity invariant.
    // The card's real data: the honest run's digest, once per configuration.
    let honest = honest_digest(usize::from(c1 & 7), config, pin, image, keys);

    let mut script = Script {
        data: rest,
        honest_left: 0,
    };
    let mut h = Hostile::new(card, &mut script, c1 & 8 != 0);

    // 1. A first bootstrap from the hostile card, driven step by step as a
    // logging client does (with `run_by_hand`'s invariants).
    let mut ws = [0u8; WORKSPACE];
    h.start_run();
    let first = crate::run_by_hand(&mut h, keys, config, &mut ws, pin);
    assert!(h.exchanges <= MAX_EXCHANGES, "{} exchanges", h.exchanges);
    authentic(
        &first.as_ref().map(|b| b.provenance.digest),
        &honest,
        &h,
        policy,
        level,
    );

    if let Err(e) = &first {
        // Error texts are built from hostile values: they must not panic.
        let _ = (e.to_string(), format!("{e:?}"), e.card_removed());
        if let scboot::procedure::RunError::Card(fault) = e {
            assert_eq!(fault.to_string(), fault.name());
        }
        assert_eq!(
            e.fault(),
            match e {
                scboot::procedure::RunError::Card(f) => Some(*f),
                _ => None,
            }
        );
    }
    sequence(c1 >> 4, first.is_ok());

    // A card-key operation (DM-SC-GEN-9) against the hostile trust-anchor
    // card, the script going on: no panic, bounded, and nothing is called
    // verified that the card did not verify.
    key_operation(c0, c1, config, pin, &mut *h.script);

    // 2. The card behaves; the client applies what it gives (restored from
    // its digest, as a device does after a restart).
    let Ok(applied) = honest else {
        return;
    };
    // A device that applied the first run's bootstrap (when it was the
    // card's real data) records it; one that restarted restores the digest.
    let mut monitor = match &first {
        Ok(b) if honest == Ok(b.provenance.digest) => {
            let mut m = Monitor::new();
            m.applied(b);
            m
        }
        _ => Monitor::restore(Some(applied)),
    };
    assert_eq!(monitor.applied_digest(), Some(applied));

    // 3. A check against the hostile card (as the first run left it).
    let mut ws = [0u8; WORKSPACE];
    h.start_run();
    let fresh = run(&mut h, keys, config, &mut ws, pin);
    assert!(h.exchanges <= MAX_EXCHANGES, "{} exchanges", h.exchanges);
    authentic(
        &fresh.as_ref().map(|b| b.provenance.digest),
        &honest,
        &h,
        policy,
        level,
    );
    match monitor.check(fresh) {
        Ok(Verdict::Unchanged) => assert!(monitor.holds_card_data()),
        Ok(Verdict::Changed(b)) => {
            assert!(h.lied, "changed without a lie");
            assert_ne!(b.provenance.digest, applied);
        }
        Ok(Verdict::Removed) => {
            assert!(h.absent || h.lied, "removed with the card there, honest");
            assert!(!monitor.holds_card_data());
        }
        Err(e) => {
            assert!(monitor.holds_card_data(), "{e}");
            let _ = e.to_string();
        }
    }
}

fn key_operation(
    c0: u8,
    c1: u8,
    config: Config,
    pin: Option<(u8, &[u8])>,
    script: &mut Script<'_>,
) {
    let (image, keys) = signing_card();
    let data = script.data.get(..script.data.len().min(300)).unwrap_or(&[]);
    let op = match (c0 ^ c1) & 3 {
        0 => KeyOperation::Sign {
            label: if c1 & 0x40 != 0 {
                "pin-signing"
            } else {
                "bootstrap-signing"
            },
            digest: [c0; 32],
        },
        1 => KeyOperation::Checksum {
            label: "operator-mac",
            data,
        },
        2 => KeyOperation::VerifyChecksum {
            label: "operator-mac",
            data,
            checksum: data.get(..16).unwrap_or(&[]),
        },
        _ => KeyOperation::ReadPublicKey {
            label: "bootstrap-signing",
        },
    };
    let card = || VirtualCard::new(image.clone()).expect("signing card");
    let mut h = Hostile::new(card(), script, c1 & 8 != 0);
    let mut ws = [0u8; WORKSPACE];
    h.start_run();
    match run_operation(&mut h, keys, config, &mut ws, op, pin) {
        Ok(r) => {
            assert!(h.exchanges <= MAX_EXCHANGES, "{} exchanges", h.exchanges);
            if let (KeyOperation::VerifyChecksum { data, checksum, .. }, Some(true)) =
                (op, r.verified)
            {
                // Only a lying card can call a wrong checksum right.
                let mut real = VirtualCard::new(image.clone()).expect("signing card");
                let mut ws = [0u8; WORKSPACE];
                let computed = run_operation(
                    &mut real,
                    keys,
                    config,
                    &mut ws,
                    KeyOperation::Checksum {
                        label: "operator-mac",
                        data,
                    },
                    pin,
                );
                if let Ok(c) = computed {
                    assert!(h.lied || c.output == checksum, "a wrong checksum verified");
                }
            }
            if let KeyOperation::ReadPublicKey { .. } = op {
                let _ = scboot::anchor::verify_p256(r.output, &[c1; 32], data);
            }
        }
        Err(e) => {
            assert!(h.exchanges <= MAX_EXCHANGES, "{} exchanges", h.exchanges);
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }

    // A bootstrap package delivered over the air (the script's bytes), with
    // a signature or checksum that came with it, checked against the
    // hostile card's key before anything is applied.
    let tag = data.get(..64).unwrap_or(data);
    let mut h = Hostile::new(card(), &mut *h.script, c1 & 8 != 0);
    let mut ws = [0u8; WORKSPACE];
    h.start_run();
    let checked = if c0 & 0x10 != 0 {
        scboot::anchor::verify_package_with_card(
            &mut h,
            keys,
            config,
            &mut ws,
            "bootstrap-signing",
            data,
            tag,
        )
    } else {
        scboot::anchor::check_package_with_card(
            &mut h,
            keys,
            config,
            &mut ws,
            "operator-mac",
            data,
            tag.get(..16).unwrap_or(tag),
        )
    };
    assert!(h.exchanges <= MAX_EXCHANGES, "{} exchanges", h.exchanges);
    match checked {
        // Whatever is handed out is a bootstrap file over the package's bytes.
        Ok(file) => assert_eq!(file.as_bytes().as_ptr(), data.as_ptr()),
        Err(e) => {
            let _ = format!("{e:?}");
            if let scboot::anchor::PackageError::Rejected(why) = e {
                let _ = why.to_string();
            }
        }
    }
}

/// Under R-MAC, a bootstrap from a card that told no lie under its own
/// channel is its real data.
fn authentic<E>(
    got: &Result<[u8; 32], E>,
    honest: &Result<[u8; 32], impl core::fmt::Debug>,
    h: &Hostile<'_, '_>,
    policy: SecurePolicy,
    level: SecurityLevel,
) {
    if let (Ok(d), Ok(real)) = (got, honest) {
        if policy == SecurePolicy::Required && level.r_mac() && !h.lied_authentic {
            assert_eq!(d, real, "unauthenticated data accepted under R-MAC");
        }
    }
}

/// The bootstrap modes around the smartcard attempt (LwM2M 5.2.4): with
/// capabilities from `bits`, the smartcard first when allowed, each mode at
/// most once, server-initiated bootstrap accepted only after the smartcard
/// and factory attempts that apply.
fn sequence(bits: u8, smartcard_ok: bool) {
    let caps = Capabilities::NONE
        .smartcard(bits & 1 != 0, bits & 2 != 0)
        .factory(bits & 4 != 0)
        .client_initiated(bits & 8 != 0);
    let mut seq = Sequencer::new(caps);
    let mut seen = Vec::new();
    let mut bootstrapped = false;
    while let Some(mode) = seq.next_mode() {
        assert!(!seen.contains(&mode), "{mode:?} twice");
        assert!(seen.len() < 3);
        if seen.is_empty() && seq.smartcard_allowed() {
            assert_eq!(mode, Mode::Smartcard);
            assert!(!seq.accepts_server_initiated());
        }
        seen.push(mode);
        let ok = mode == Mode::Smartcard && smartcard_ok;
        seq.report(mode, ok);
        if ok {
            assert_eq!(seq.next_mode(), None);
            bootstrapped = true;
        }
    }
    // Out of modes without a bootstrap: every attempt that applies was made.
    if !bootstrapped {
        assert!(seq.accepts_server_initiated());
    }
}
