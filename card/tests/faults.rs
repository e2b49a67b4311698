//! Fault injection, exhaustively: for every APDU position of a full
//! bootstrap and of a check, at every SCP03 level (and with no secure
//! channel), each transport fault; the outcome must be the right bootstrap,
//! an error that changes nothing, or (for an absent card only) `Removed`.
//! After each fault the card stays as the fault left it (a half-open
//! channel, a session the host abandoned) and the next run must succeed
//! from a new session.

use std::collections::BTreeMap;

use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Bootstrap, Card, Config, Fault, RunError, SecurePolicy};
use scboot::scp03::{SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

/// The faults a transport can inject at one exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Inject {
    /// The command never reached the card; the transport says "transient".
    Transient,
    /// The card executed the command; its response was lost (timeout).
    Timeout,
    /// The card executed the command; the response arrived cut in half.
    Truncated,
    /// The card executed the command; its status word arrived corrupted.
    GarbledSw,
    /// The card was reset instead of executing the command.
    Reset,
    /// The card was taken out before the command (and stays out this run).
    Absent,
}

const FAULTS: [Inject; 6] = [
    Inject::Transient,
    Inject::Timeout,
    Inject::Truncated,
    Inject::GarbledSw,
    Inject::Reset,
    Inject::Absent,
];

/// A transport around the virtual card that injects `fault` at exchange
/// number `at` (0-based), and counts exchanges.
struct Faulty<'c> {
    card: &'c mut VirtualCard,
    at: Option<usize>,
    fault: Inject,
    sent: usize,
    absent: bool,
}

impl<'c> Faulty<'c> {
    fn new(card: &'c mut VirtualCard, at: Option<usize>, fault: Inject) -> Faulty<'c> {
        Faulty {
            card,
            at,
            fault,
            sent: 0,
            absent: false,
        }
    }
}

impl Card for Faulty<'_> {
    type Error = Fault;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Fault> {
        let here = self.at == Some(self.sent);
        self.sent += 1;
        if self.absent {
            return Err(Fault::CardAbsent);
        }
        let mut deliver = |card: &mut VirtualCard| {
            let r = card.process(command);
            response[..r.len()].copy_from_slice(&r);
            r.len()
        };
        if !here {
            return Ok(deliver(self.card));
        }
        match self.fault {
            Inject::Transient => Err(Fault::Transient),
            Inject::Timeout => {
                deliver(self.card);
                Err(Fault::Transient)
            }
            Inject::Truncated => Ok(deliver(self.card) / 2),
            Inject::GarbledSw => {
                let n = deliver(self.card);
                // SW1 moved out of the 6X/9X classes, SW2 inverted.
                response[n - 2] ^= 0x30;
                response[n - 1] ^= 0xFF;
                Ok(n)
            }
            Inject::Reset => {
                self.card.reset();
                Err(Fault::CardReset)
            }
            Inject::Absent => {
                self.absent = true;
                // Taken out and put back: powered up again next time.
                self.card.reset();
                Err(Fault::CardAbsent)
            }
        }
    }
}

/// What one faulty run came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The right bootstrap (the fault hit nothing that mattered).
    Right,
    /// An error; nothing changed.
    Error,
    /// The monitor said `Removed`.
    Removed,
}

struct Setup {
    name: &'static str,
    cfg: CardConfig,
    keys: StaticKeys,
    pin: Option<(u8, Vec<u8>)>,
}

fn setup(name: &'static str, text: &str) -> Setup {
    let cfg = CardConfig::parse(text).unwrap();
    let keys = cfg.static_keys().unwrap();
    let pin = cfg.private.then(|| {
        (
            cfg.pin_reference,
            scboot_card::from_hex(cfg.pin.as_deref().unwrap()).unwrap(),
        )
    });
    Setup {
        name,
        cfg,
        keys,
        pin,
    }
}

const PRIVATE: &str = include_str!("../../examples/cards/private-pin.toml");

/// The configurations: no secure channel, then every valid level.
fn configs() -> Vec<(String, Config)> {
    let mut v = vec![(
        "no SCP03".to_string(),
        Config::new([1; 16]).policy(SecurePolicy::Off),
    )];
    for level in SecurityLevel::VALID {
        v.push((
            format!("level {:02x}", level.bits()),
            Config::new([1; 16]).level(level),
        ));
    }
    v
}

fn go<'w>(
    card: &mut impl Card<Error = Fault>,
    s: &Setup,
    cfg: Config,
    ws: &'w mut [u8],
) -> Result<Bootstrap<'w>, RunError<Fault>> {
    let pin = s.pin.as_ref().map(|(r, p)| (*r, p.as_slice()));
    run(card, &s.keys, cfg, ws, pin)
}

/// The clean run: its digest and how many exchanges it takes.
fn clean(s: &Setup, cfg: Config) -> ([u8; 32], usize) {
    let mut card = VirtualCard::new(build(&s.cfg).unwrap()).unwrap();
    let mut t = Faulty::new(&mut card, None, Inject::Transient);
    let mut ws = [0u8; 4096];
    let b = go(&mut t, s, cfg, &mut ws).unwrap();
    (b.provenance.digest, t.sent)
}

type Matrix = BTreeMap<(&'static str, Inject, Outcome), usize>;

/// One fault at one position, for a first bootstrap and for a check.
fn one(s: &Setup, cfg: Config, digest: [u8; 32], at: usize, fault: Inject, m: &mut Matrix) {
    let what = || format!("{} {:?} at exchange {at}, {fault:?}", s.name, cfg);

    // A first bootstrap (nothing applied yet): the right file or an error.
    let mut card = VirtualCard::new(build(&s.cfg).unwrap()).unwrap();
    let mut ws = [0u8; 4096];
    let outcome = match go(
        &mut Faulty::new(&mut card, Some(at), fault),
        s,
        cfg,
        &mut ws,
    ) {
        Ok(b) => {
            assert_eq!(b.provenance.digest, digest, "{}", what());
            Outcome::Right
        }
        Err(e) => {
            assert_eq!(e.card_removed(), fault == Inject::Absent, "{}: {e}", what());
            Outcome::Error
        }
    };
    *m.entry(("bootstrap", fault, outcome)).or_default() += 1;
    // The next run, on the card as the fault left it, succeeds.
    let mut ws = [0u8; 4096];
    let b = go(&mut Faulty::new(&mut card, None, fault), s, cfg, &mut ws)
        .unwrap_or_else(|e| panic!("{}: the run after it failed: {e}", what()));
    assert_eq!(b.provenance.digest, digest, "{}", what());

    // A check (the client holds the card's data).
    let mut monitor = Monitor::new();
    monitor.applied(&b);
    let mut ws = [0u8; 4096];
    let fresh = go(
        &mut Faulty::new(&mut card, Some(at), fault),
        s,
        cfg,
        &mut ws,
    );
    let outcome = match monitor.check(fresh) {
        Ok(Verdict::Unchanged) => Outcome::Right,
        Ok(Verdict::Removed) => {
            assert_eq!(fault, Inject::Absent, "{}: removed", what());
            assert!(!monitor.holds_card_data());
            Outcome::Removed
        }
        Ok(Verdict::Changed(_)) => panic!("{}: the data did not change", what()),
        Err(e) => {
            assert!(monitor.holds_card_data(), "{}: {e}", what());
            Outcome::Error
        }
    };
    if fault == Inject::Absent {
        assert_eq!(outcome, Outcome::Removed, "{}", what());
    }
    *m.entry(("check", fault, outcome)).or_default() += 1;
    // The next check: unchanged, or (after a removal) the card's data again.
    let mut ws = [0u8; 4096];
    let fresh = go(&mut Faulty::new(&mut card, None, fault), s, cfg, &mut ws);
    match monitor.check(fresh) {
        Ok(Verdict::Unchanged) => assert_ne!(outcome, Outcome::Removed),
        Ok(Verdict::Changed(b)) => {
            assert_eq!(outcome, Outcome::Removed, "{}", what());
            assert_eq!(b.provenance.digest, digest);
        }
        r => panic!("{}: the check after it: {r:?}", what()),
    }
}

#[test]
fn every_fault_at_every_exchange_changes_nothing_or_is_absence() {
    let setups = [setup("demo", DEMO_CONFIG), setup("private", PRIVATE)];
    let mut matrix = Matrix::new();
    let mut runs = 0;
    let mut positions = BTreeMap::new();
    for s in &setups {
        for (name, cfg) in configs() {
            let (digest, n) = clean(s, cfg);
            positions.insert(format!("{} {name}", s.name), n);
            for at in 0..n {
                for fault in FAULTS {
                    one(s, cfg, digest, at, fault, &mut matrix);
                    runs += 1;
                }
            }
        }
    }
    println!("exchanges per clean run: {positions:?}");
    println!("{runs} (position, fault) pairs, each as a bootstrap and as a check:");
    for ((scenario, fault, outcome), n) in &matrix {
        println!("  {scenario:9} {fault:10?} {outcome:8?} {n}");
    }
    // Every fault was injected at every position, in both scenarios.
    for scenario in ["bootstrap", "check"] {
        for fault in FAULTS {
            let total: usize = matrix
                .iter()
                .filter(|((sc, f, _), _)| *sc == scenario && *f == fault)
                .map(|(_, n)| n)
                .sum();
            assert_eq!(total, runs / FAULTS.len(), "{scenario} {fault:?}");
        }
    }
    // A fault before the last exchange never goes unnoticed in the check
    // except where the exchange did not matter.
    assert!(matrix.contains_key(&("check", Inject::Absent, Outcome::Removed)));
    assert!(!matrix.contains_key(&("check", Inject::Transient, Outcome::Removed)));
}
