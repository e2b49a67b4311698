//! `scboot bootstrap`: run the procedure against the built-in demo card, a
//! card image, or a PC/SC reader, and print the bootstrap information: the
//! accounts (Security instances paired with their Server instances) and every
//! object of the file, typed where the object is known. Secret keys are never
//! printed, only their length.

use std::io::Write;

use serde_json::{json, Map, Value};

use scboot::apdu::StatusWord;
use scboot::bootstrap::BootstrapFile;
use scboot::lwm2m::accounts;
use scboot::procedure::{run, Bootstrap, Config, ProcedureError, RunError, SecurePolicy, StepName};
use scboot::scp03::{Mode, Scp03Error, SecurityLevel, StaticKeys};
use scboot::tlv::{TlvRecord, TlvType};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

use crate::hexio::{from_hex, to_hex};
use crate::jsonw::JsonWriter;
use crate::registry::{self, Kind};
use crate::Failure;

/// The arguments of `scboot bootstrap`.
#[derive(Debug, clap::Args)]
pub struct BootstrapArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Use this PC/SC reader (a substring of its name) instead of the built-in demo card.
    #[arg(long)]
    reader: Option<String>,
    /// Use this card image (from `scboot card build`) in-process.
    #[arg(long, conflicts_with = "reader")]
    image: Option<std::path::PathBuf>,
    /// The static keys: a keys file (kvn, enc, mac, dek in hex) or a card
    /// configuration (its [keys] table). Default: the demo card's.
    #[arg(long)]
    keys: Option<std::path::PathBuf>,
    /// SCP03 security level (hex): 00, 01, 03, 11, 13, 33.
    #[arg(long, default_value = "33")]
    level: String,
    /// Secure channel policy.
    #[arg(long, value_enum, default_value = "required")]
    policy: Policy,
    /// S16 mode.
    #[arg(long)]
    s16: bool,
    /// Use the basic channel instead of opening a logical channel.
    #[arg(long)]
    basic_channel: bool,
    /// PIN for a private entry (hex VERIFY data).
    #[arg(long)]
    pin: Option<String>,
    /// PIN reference (VERIFY P2, hex).
    #[arg(long, default_value = "81")]
    pin_ref: String,
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

/// Run `scboot bootstrap`.
pub fn bootstrap(a: &BootstrapArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let keys = load_keys(a.keys.as_deref())?;
    let cfg = config(&a.level, a.policy, a.s16, a.basic_channel)?;
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
        let r = card.transaction(|tx| run(tx, &keys, cfg, &mut ws, pin))?;
        let b = r.map_err(|e| explain(&e, &keys))?;
        return report(&b, a.json, &source, out);
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
    let b = run(&mut card, &keys, cfg, &mut ws, pin).map_err(|e| explain(&e, &keys))?;
    report(&b, a.json, &source, out)
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
        ProcedureError::PinRequired => "the bootstrap entry is private: give the card's PIN \
             with --pin HEX (and --pin-ref if its reference is not 81)"
            .to_string(),
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

/// Print the bootstrap information.
fn report(
    b: &Bootstrap<'_>,
    as_json: bool,
    source: &str,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    // Validate the typed views first: an error must print nothing.
    for a in accounts(&b.file) {
        a.map_err(|e| e.to_string())?;
    }
    if as_json {
        json_report(b, source, out)?;
    } else {
        table(b, source, out)?;
    }
    Ok(0)
}

fn identity_text(i: &[u8]) -> String {
    match std::str::from_utf8(i) {
        Ok(s) if !s.chars().any(char::is_control) => s.to_string(),
        _ => to_hex(i),
    }
}

/// The provenance as JSON.
pub fn provenance_json(b: &Bootstrap<'_>) -> Value {
    let p = &b.provenance;
    json!({
        "aid": to_hex(p.aid.as_bytes()),
        "application_path": to_hex(p.application_path.as_bytes()),
        "channel": p.channel,
        "scp03_level": p.level.map(|l| format!("{:02x}", l.bits())),
        "dodf_path": to_hex(p.dodf_path.as_bytes()),
        "dodf_entry": p.entry,
        "rule": p.rule.name(),
        "file_path": to_hex(p.file_path.as_bytes()),
        "private": p.private,
        "sha256": to_hex(&p.digest),
        "apdus": p.apdus,
    })
}

fn json_report(b: &Bootstrap<'_>, source: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let mut j = JsonWriter::new(out);
    j.begin_object()?;
    j.field("source", source)?;
    j.field("provenance", &provenance_json(b))?;
    j.key("accounts")?;
    j.begin_array()?;
    for a in accounts(&b.file) {
        let a = a.map_err(|e| e.to_string())?;
        let s = &a.security;
        j.value(&json!({
            "instance": s.instance_id(),
            "uri": s.server_uri,
            "bootstrap_server": s.bootstrap_server.unwrap_or(false),
            "security_mode": s.security_mode.map(|m| m.name()),
            "identity": s.public_key_or_identity.map(identity_text),
            "secret_key_len": s.secret_key.map(<[u8]>::len),
            "short_server_id": s.short_server_id,
            "lifetime": a.server.and_then(|v| v.lifetime),
            "binding": a.server.and_then(|v| v.binding),
        }))?;
    }
    j.end_array()?;
    j.key("objects")?;
    objects_json(&b.file, &mut j)?;
    j.end_object()?;
    Ok(())
}

/// A resource (or resource instance) value for display: typed when the
/// resource is known, its length when it is secret, hex otherwise.
fn value_json(kind: Option<Kind>, rec: &TlvRecord<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    match kind {
        Some(Kind::Secret) => {
            m.insert("secret_len".into(), json!(rec.value().len()));
        }
        Some(k) => match registry::typed_value(k, rec) {
            Some(v) => {
                m.insert("value".into(), v);
            }
            None => {
                m.insert("hex".into(), json!(to_hex(rec.value())));
                if let Some(t) = printable(rec.value()) {
                    m.insert("text".into(), json!(t));
                }
            }
        },
        None => {
            m.insert("hex".into(), json!(to_hex(rec.value())));
        }
    }
    m
}

/// Every object of the file, streamed: instances, resources, values.
pub fn objects_json(file: &BootstrapFile<'_>, j: &mut JsonWriter<'_>) -> std::io::Result<()> {
    j.begin_array()?;
    for o in file.objects() {
        j.begin_object()?;
        j.field("object_id", &o.object_id)?;
        j.field("name", &registry::object_name(o.object_id))?;
        j.field("version", &o.version.to_string())?;
        j.key("instances")?;
        j.begin_array()?;
        for inst in o.instances() {
            j.begin_object()?;
            if inst.kind() != TlvType::ObjectInstance {
                // A record outside any instance: shown as found.
                j.field("record", &resource_json(o.object_id, &inst))?;
                j.end_object()?;
                continue;
            }
            j.field("instance", &inst.id())?;
            j.key("resources")?;
            j.begin_array()?;
            for r in inst.children() {
                j.value(&resource_json(o.object_id, &r))?;
            }
            j.end_array()?;
            j.end_object()?;
        }
        j.end_array()?;
        j.end_object()?;
    }
    j.end_array()
}

/// One resource (single or multiple) of `object`, typed when known.
fn resource_json(object: u16, r: &TlvRecord<'_>) -> Value {
    let known = registry::resource(object, r.id());
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id()));
    m.insert("name".into(), json!(known.map(|k| k.name)));
    let kind = known.map(|k| k.kind);
    if r.kind().is_container() {
        let items: Vec<Value> = r
            .children()
            .map(|ri| {
                let mut v = value_json(kind, &ri);
                v.insert("instance".into(), json!(ri.id()));
                Value::Object(v)
            })
            .collect();
        m.insert("instances".into(), Value::Array(items));
    } else {
        m.extend(value_json(kind, r));
    }
    Value::Object(m)
}

fn resource_lines(object: u16, r: &TlvRecord<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let known = registry::resource(object, r.id());
    let label = known.map_or(String::new(), |k| format!(" {}", k.name));
    let kind = known.map(|k| k.kind);
    if r.kind().is_container() {
        writeln!(out, "      {}{label}:", r.id())?;
        for ri in r.children() {
            writeln!(out, "        [{}] {}", ri.id(), value_text(kind, &ri))?;
        }
        Ok(())
    } else {
        writeln!(out, "      {}{label} = {}", r.id(), value_text(kind, r))
    }
}

/// Bytes that read as text (no control characters).
fn printable(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b)
        .ok()
        .filter(|s| !s.is_empty() && !s.chars().any(char::is_control))
}

fn value_text(kind: Option<Kind>, rec: &TlvRecord<'_>) -> String {
    match kind {
        Some(Kind::Secret) => format!("<secret, {} bytes>", rec.value().len()),
        Some(k) => match registry::typed_value(k, rec) {
            Some(v) => v.to_string(),
            None => match printable(rec.value()) {
                Some(t) => format!("{} ({t:?})", to_hex(rec.value())),
                None => to_hex(rec.value()),
            },
        },
        None => to_hex(rec.value()),
    }
}

fn table(b: &Bootstrap<'_>, source: &str, out: &mut dyn Write) -> Result<(), Failure> {
    let p = &b.provenance;
    writeln!(out, "Bootstrap from smartcard: {source}")?;
    writeln!(
        out,
        "  PKCS#15 {} (path {}) on channel {}, SCP03 {}, DODF {} entry {} ({}), file {}, {} APDUs",
        to_hex(p.aid.as_bytes()),
        to_hex(p.application_path.as_bytes()),
        p.channel,
        p.level
            .map_or("off".to_string(), |l| format!("level {:02x}", l.bits())),
        to_hex(p.dodf_path.as_bytes()),
        p.entry,
        p.rule.name(),
        to_hex(p.file_path.as_bytes()),
        p.apdus,
    )?;
    writeln!(out, "  sha256 {}", to_hex(&p.digest))?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<3} {:<42} {:<9} {:<6} {:<22} {:>5} {:>8} {:<7}",
        "#", "server URI", "bootstrap", "mode", "identity", "ssid", "lifetime", "binding"
    )?;
    for a in accounts(&b.file) {
        let a = a.map_err(|e| e.to_string())?;
        let s = &a.security;
        writeln!(
            out,
            "{:<3} {:<42} {:<9} {:<6} {:<22} {:>5} {:>8} {:<7}",
            s.instance_id(),
            s.server_uri.unwrap_or("-"),
            if s.bootstrap_server.unwrap_or(false) {
                "yes"
            } else {
                "no"
            },
            s.security_mode.map_or("-", |m| m.name()),
            s.public_key_or_identity
                .map_or("-".to_string(), identity_text),
            s.short_server_id.map_or("-".into(), |x| x.to_string()),
            a.server
                .and_then(|v| v.lifetime)
                .map_or("-".into(), |x| x.to_string()),
            a.server.and_then(|v| v.binding).unwrap_or("-"),
        )?;
    }
    writeln!(out)?;
    writeln!(out, "Objects ({} in the file):", b.file.object_count())?;
    for o in b.file.objects() {
        let name = registry::object_name(o.object_id).unwrap_or("unknown object");
        writeln!(out, "  /{} {name} (version {})", o.object_id, o.version)?;
        for inst in o.instances() {
            if inst.kind() != TlvType::ObjectInstance {
                writeln!(out, "    (a record outside any instance)")?;
                resource_lines(o.object_id, &inst, out)?;
                continue;
            }
            writeln!(out, "    /{}/{}", o.object_id, inst.id())?;
            for r in inst.children() {
                resource_lines(o.object_id, &r, out)?;
            }
        }
    }
    Ok(())
}
