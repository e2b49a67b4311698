//! Talking to a card: the options every card command shares (which card,
//! which keys, which secure channel), and the driver that runs the kernel's
//! procedure over it with an optional APDU log.

use std::io::Write;

use scboot::apdu::StatusWord;
use scboot::procedure::{
    Bootstrap, Card, CardFile, Config, KeyOperation, KeyResult, Procedure, ProcedureError,
    RunError, SecurePolicy, Step, StepName,
};
use scboot::scp03::{Mode, Scp03Error, SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

use crate::hexio::{from_hex, to_hex};
use crate::Failure;

/// Which card, and how to open it.
#[derive(Debug, clap::Args)]
pub struct CardArgs {
    /// Use this PC/SC reader (a substring of its name) instead of the built-in demo card.
    #[arg(long)]
    pub reader: Option<String>,
    /// Use this card image (from `scboot card build`) in-process.
    #[arg(long, conflicts_with = "reader")]
    pub image: Option<std::path::PathBuf>,
    /// The static keys: a keys file (kvn, enc, mac, dek in hex) or a card
    /// configuration (its [keys] table). Default: the demo card's.
    #[arg(long)]
    pub keys: Option<std::path::PathBuf>,
    /// SCP03 security level (hex): 00, 01, 03, 11, 13, 33.
    #[arg(long, default_value = "33")]
    pub level: String,
    /// Secure channel policy.
    #[arg(long, value_enum, default_value = "required")]
    pub policy: Policy,
    /// S16 mode.
    #[arg(long)]
    pub s16: bool,
    /// Use the basic channel instead of opening a logical channel.
    #[arg(long)]
    pub basic_channel: bool,
    /// PIN for a private entry (hex VERIFY data).
    #[arg(long)]
    pub pin: Option<String>,
    /// PIN reference (VERIFY P2, hex).
    #[arg(long, default_value = "81")]
    pub pin_ref: String,
    /// Log every APDU on stderr: each command and response plain and as
    /// sent (PINs and the bootstrap data's keys are not shown).
    #[arg(short, long)]
    pub verbose: bool,
}

/// What a run on the card gave: the bootstrap information, or a key
/// operation's result.
pub enum Outcome<'w> {
    /// [`with_card`].
    Bootstrap(Bootstrap<'w>),
    /// [`with_card_operation`].
    Key(KeyResult<'w>),
}

/// Run the procedure on the card the options name; `on_file` sees each
/// file as the walk completes it. The bootstrap information, with where it
/// came from.
pub fn with_card<T>(
    a: &CardArgs,
    everything: bool,
    on_file: &mut dyn FnMut(CardFile<'_>) -> Result<(), Failure>,
    then: impl FnOnce(&Bootstrap<'_>, &str) -> Result<T, Failure>,
) -> Result<T, Failure> {
    on_card(a, everything, on_file, None, |o, source| match o {
        Outcome::Bootstrap(b) => then(&b, source),
        Outcome::Key(_) => Err("a key result where the bootstrap was expected".into()),
    })
}

/// Run a key operation on the card the options name.
pub fn with_card_operation<T>(
    a: &CardArgs,
    op: KeyOperation<'_>,
    then: impl FnOnce(&KeyResult<'_>, &str) -> Result<T, Failure>,
) -> Result<T, Failure> {
    on_card(a, false, &mut |_| Ok(()), Some(op), |o, source| match o {
        Outcome::Key(k) => then(&k, source),
        Outcome::Bootstrap(_) => Err("the bootstrap where a key result was expected".into()),
    })
}

fn on_card<T>(
    a: &CardArgs,
    everything: bool,
    on_file: &mut dyn FnMut(CardFile<'_>) -> Result<(), Failure>,
    op: Option<KeyOperation<'_>>,
    then: impl FnOnce(Outcome<'_>, &str) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let keys = load_keys(a.keys.as_deref())?;
    let cfg = config(&a.level, a.policy, a.s16, a.basic_channel)?.read_everything(everything);
    let pin = a
        .pin
        .as_deref()
        .map(|p| from_hex(p).map_err(|e| format!("--pin: {e}")))
        .transpose()?;
    let pin_ref = byte_arg("pin-ref", &a.pin_ref)?;
    let pin = pin.as_deref().map(|p| (pin_ref, p));
    let mut ws = vec![0u8; 40 * 1024];
    if let Some(reader) = &a.reader {
        let mut card = crate::pcsc_card::connect(reader)?;
        let source = format!("PC/SC reader {}", card.name());
        let o =
            card.transaction(|tx| drive(tx, &keys, cfg, &mut ws, pin, a.verbose, on_file, op))??;
        return then(o, &source);
    }
    let (image, source) = match &a.image {
        Some(p) => (
            scboot_card::CardImage::load(p)?,
            format!("card image {}", p.display()),
        ),
        None => (
            build(&CardConfig::parse(DEMO_CONFIG)?)?,
            "built-in demo card (in-process)".to_string(),
        ),
    };
    let mut card = VirtualCard::new(image)?;
    let o = drive(&mut card, &keys, cfg, &mut ws, pin, a.verbose, on_file, op)?;
    then(o, &source)
}

/// The procedure over `card`, logging when `verbose`.
#[allow(clippy::too_many_arguments)]
fn drive<'k, 'w, C: Card>(
    card: &mut C,
    keys: &'k StaticKeys,
    cfg: Config,
    ws: &'w mut [u8],
    pin: Option<(u8, &[u8])>,
    verbose: bool,
    on_file: &mut dyn FnMut(CardFile<'_>) -> Result<(), Failure>,
    op: Option<KeyOperation<'k>>,
) -> Result<Outcome<'w>, Failure>
where
    C::Error: std::fmt::Display,
{
    let fail = |e: RunError<C::Error>| explain(&e, keys);
    let mut p = match op {
        Some(op) => Procedure::with_operation(keys, cfg, ws, op),
        None => Procedure::new(keys, cfg, ws),
    };
    let mut cmd = vec![0u8; 1100];
    let mut resp = vec![0u8; 1100];
    let mut log = std::io::stderr().lock();
    loop {
        match p.next(&mut cmd).map_err(|e| fail(RunError::Procedure(e)))? {
            Step::Transmit(n) => {
                let wire = &cmd[..n];
                if verbose {
                    log_command(&mut log, &p, wire);
                }
                let m = card
                    .transmit(wire, &mut resp)
                    .map_err(|e| fail(RunError::Card(e)))?;
                let r = p.on_response(&resp[..m]);
                if verbose {
                    log_response(&mut log, &p, &resp[..m]);
                }
                r.map_err(|e| fail(RunError::Procedure(e)))?;
                if let Some(f) = p.file() {
                    on_file(f)?;
                }
            }
            Step::NeedPin(request) => match pin {
                Some((reference, value)) => request
                    .supply(reference, value)
                    .map_err(|e| fail(RunError::Procedure(e)))?,
                None => return Err(fail(RunError::Procedure(request.decline()))),
            },
            Step::Done => {
                let o = match op {
                    Some(_) => p.finish_operation().map(Outcome::Key),
                    None => p.finish().map(Outcome::Bootstrap),
                };
                return o.map_err(|e| fail(RunError::Procedure(e)));
            }
            _ => return Err("the procedure asked for a step this scboot does not know".into()),
        }
    }
}

/// The APDU's header and, unless `hide`, its body.
fn shown(apdu: &[u8], hide: Option<&str>) -> String {
    match (hide, apdu.len() > 5) {
        (Some(what), true) => format!("{} <{what}, not shown>", to_hex(&apdu[..5])),
        _ => to_hex(apdu),
    }
}

fn log_command(log: &mut dyn Write, p: &Procedure<'_, '_>, wire: &[u8]) {
    let c = p.last_command();
    let pin = (c.step == StepName::Verify).then_some("PIN");
    if c.protected && !c.plain.is_empty() {
        let _ = writeln!(log, "> {:<28} {} (plain)", c.step, shown(c.plain, pin));
        let wire_hide = if c.encrypted { None } else { pin };
        let _ = writeln!(log, "> {:<28} {} (as sent)", "", shown(wire, wire_hide));
    } else {
        let _ = writeln!(log, "> {:<28} {}", c.step, shown(wire, pin));
    }
}

fn log_response(log: &mut dyn Write, p: &Procedure<'_, '_>, wire: &[u8]) {
    let c = p.last_command();
    // The bootstrap data carries the servers' secret keys.
    let secret = c.step == StepName::ReadBootstrap;
    let body = |data: &[u8], sw: &[u8], hide: bool| {
        if hide && !data.is_empty() {
            format!(
                "<{} bytes of bootstrap data: they hold secret keys, not shown> {}",
                data.len(),
                to_hex(sw)
            )
        } else {
            format!("{}{}", to_hex(data), to_hex(sw))
        }
    };
    let (data, sw) = wire.split_at(wire.len().saturating_sub(2));
    match p.last_response() {
        Some(r) if c.protected => {
            let _ = writeln!(
                log,
                "< {:<28} {} (as received)",
                "",
                body(data, sw, secret && !r.encrypted)
            );
            let _ = writeln!(
                log,
                "< {:<28} {} (plain)",
                "",
                body(r.data, &r.sw.to_bytes(), secret)
            );
        }
        _ => {
            let _ = writeln!(log, "< {:<28} {}", "", body(data, sw, secret));
        }
    }
}

/// The secure channel policy.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Policy {
    /// SCP03 at the level or fail.
    Required,
    /// SCP03 when offered.
    IfOffered,
    /// No secure channel.
    Off,
}

impl Policy {
    /// The kernel's policy.
    pub fn kernel(self) -> SecurePolicy {
        match self {
            Policy::Required => SecurePolicy::Required,
            Policy::IfOffered => SecurePolicy::IfOffered,
            Policy::Off => SecurePolicy::Off,
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kvn: u8,
    enc: String,
    mac: String,
    dek: String,
}

/// The static keys from `--keys` (a keys file, or a card configuration's
/// `[keys]` table), or the demo card's.
pub fn load_keys(path: Option<&std::path::Path>) -> Result<StaticKeys, Failure> {
    let (kvn, enc, mac, dek) = match path {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).map_err(|e| format!("--keys {}: {e}", p.display()))?;
            match toml::from_str::<KeyFile>(&text) {
                Ok(k) => (k.kvn, k.enc, k.mac, k.dek),
                Err(bare) => match CardConfig::parse_named(&text, &p.display().to_string()) {
                    Ok(c) => (c.keys.kvn, c.keys.enc, c.keys.mac, c.keys.dek),
                    Err(_) => {
                        return Err(format!(
                            "--keys {}: neither a keys file (kvn, enc, mac, dek) nor a card configuration with a [keys] table: {}",
                            p.display(),
                            bare.message()
                        )
                        .into())
                    }
                },
            }
        }
        None => {
            let demo = CardConfig::parse(DEMO_CONFIG)?;
            (demo.keys.kvn, demo.keys.enc, demo.keys.mac, demo.keys.dek)
        }
    };
    let hex = |field: &str, v: &str| from_hex(v).map_err(|e| format!("--keys: {field}: {e}"));
    StaticKeys::new(
        kvn,
        &hex("enc", &enc)?,
        &hex("mac", &mac)?,
        &hex("dek", &dek)?,
    )
    .map_err(|e| format!("--keys: {e}").into())
}

/// A hex byte argument.
pub fn byte_arg(name: &str, s: &str) -> Result<u8, Failure> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("--{name}: not a hex byte: {s}").into())
}

/// The procedure's configuration from the common flags.
pub fn config(level: &str, policy: Policy, s16: bool, basic: bool) -> Result<Config, Failure> {
    let level = SecurityLevel::new(byte_arg("level", level)?)
        .map_err(|e| Failure::from(format!("--level: {e}")))?;
    let mut challenge = [0u8; 16];
    getrandom::getrandom(&mut challenge).map_err(|e| e.to_string())?;
    Ok(Config::new(challenge)
        .policy(policy.kernel())
        .level(level)
        .mode(if s16 { Mode::S16 } else { Mode::S8 })
        .logical_channel(!basic))
}

/// A procedure failure as a message the user can act on.
pub fn explain<E: std::fmt::Display + std::fmt::Debug>(
    e: &RunError<E>,
    keys: &StaticKeys,
) -> Failure {
    let p = match e {
        RunError::Card(c) => return Failure::from(c.to_string()),
        RunError::Procedure(p) => p,
    };
    let kvn = keys.kvn();
    let text = match *p {
        ProcedureError::Status {
            step: StepName::InitializeUpdate,
            sw: sw @ StatusWord(0x6D00 | 0x6A86 | 0x6A88 | 0x6E00),
        } => format!(
            "INITIALIZE UPDATE answered {sw:04x}: the PKCS#15 application offers no SCP03 \
             secure channel (key version {kvn:02x}) there. To read the card without it, use \
             --policy if-offered (SCP03 when the card has it) or --policy off"
        ),
        ProcedureError::SecureChannel {
            error: Scp03Error::CardCryptogramMismatch | Scp03Error::CardChallengeMismatch,
            ..
        } => format!(
            "the card's SCP03 cryptogram does not verify: the static keys (key version \
             {kvn:02x}) are not the card's. Check --keys. Do not repeat with wrong keys: \
             some cards count failed authentications and lock the key set"
        ),
        ProcedureError::SecureChannel {
            error: Scp03Error::KvnMismatch { expected, found },
            ..
        } => format!(
            "the card answered with key version {found:02x}, the keys given are version \
             {expected:02x}: use the card's key set (--keys)"
        ),
        ProcedureError::SecureChannel {
            error: Scp03Error::LevelNotOffered { level, i },
            ..
        } => format!(
            "the card does not offer security level {level:02x} (its SCP03 i is {i:02x}): \
             choose a lower --level, or --policy if-offered to take the best it offers"
        ),
        ProcedureError::Status {
            step: StepName::OpenChannel,
            sw,
        } => format!(
            "MANAGE CHANNEL answered {sw:04x}: the card cannot open a logical channel; \
             use --basic-channel"
        ),
        ProcedureError::MalformedResponse {
            step: StepName::OpenChannel,
            ..
        } => "MANAGE CHANNEL gave no channel number: use --basic-channel".to_string(),
        ProcedureError::PinRequired => {
            "the bootstrap entry or key is private: give the card's PIN \
             with --pin HEX (and --pin-ref if its reference is not 81)"
                .to_string()
        }
        ProcedureError::Status {
            step: StepName::Verify,
            sw,
        } if sw.sw1() == 0x63 && sw.sw2() & 0xF0 == 0xC0 => format!(
            "wrong PIN (--pin): {} tries left before the card blocks it",
            sw.sw2() & 0x0F
        ),
        ProcedureError::Status {
            step: StepName::Verify,
            sw: StatusWord(0x6983),
        } => "the PIN is blocked (6983): it must be unblocked before the entry can be read"
            .to_string(),
        _ => e.to_string(),
    };
    Failure::from(text)
}
