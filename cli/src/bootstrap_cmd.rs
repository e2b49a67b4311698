//! `scboot bootstrap`: run the procedure against the built-in demo card, a
//! card image, or a PC/SC reader, and print the bootstrap accounts.

use std::fmt::Write;

use serde_json::{json, Value};

use scboot::lwm2m::accounts;
use scboot::procedure::{run, Bootstrap, Card, Config, SecurePolicy};
use scboot::scp03::{Mode, SecurityLevel, StaticKeys};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

use crate::hexio::{from_hex, to_hex};

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
    /// The static keys: a TOML file with kvn, enc, mac, dek (hex). Default: the demo card's.
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

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    kvn: u8,
    enc: String,
    mac: String,
    dek: String,
}

fn load_keys(path: Option<&std::path::Path>) -> Result<StaticKeys, String> {
    let (kvn, enc, mac, dek) = match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let k: KeyFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
            (k.kvn, k.enc, k.mac, k.dek)
        }
        None => {
            let demo = CardConfig::parse(DEMO_CONFIG)?;
            (demo.keys.kvn, demo.keys.enc, demo.keys.mac, demo.keys.dek)
        }
    };
    StaticKeys::new(kvn, &from_hex(&enc)?, &from_hex(&mac)?, &from_hex(&dek)?)
        .map_err(|e| format!("keys: {e}"))
}

fn byte_arg(name: &str, s: &str) -> Result<u8, String> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("--{name}: not a hex byte: {s}"))
}

/// Run `scboot bootstrap`.
pub fn bootstrap(a: &BootstrapArgs) -> Result<String, String> {
    let keys = load_keys(a.keys.as_deref())?;
    let level =
        SecurityLevel::new(byte_arg("level", &a.level)?).map_err(|e| format!("--level: {e}"))?;
    let mut challenge = [0u8; 16];
    getrandom::getrandom(&mut challenge).map_err(|e| e.to_string())?;
    let cfg = Config {
        policy: match a.policy {
            Policy::Required => SecurePolicy::Required,
            Policy::IfOffered => SecurePolicy::IfOffered,
            Policy::Off => SecurePolicy::Off,
        },
        level,
        mode: if a.s16 { Mode::S16 } else { Mode::S8 },
        logical_channel: !a.basic_channel,
        ..Config::new(challenge)
    };
    let pin = a.pin.as_deref().map(from_hex).transpose()?;
    let pin_ref = byte_arg("pin-ref", &a.pin_ref)?;
    let mut ws = vec![0u8; 40 * 1024];
    if let Some(reader) = &a.reader {
        let mut card = crate::pcsc_card::connect(reader)?;
        return report(
            &mut card,
            &keys,
            cfg,
            &mut ws,
            pin.as_deref().map(|p| (pin_ref, p)),
            a.json,
            &format!("PC/SC reader {reader}"),
        );
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
    report(
        &mut card,
        &keys,
        cfg,
        &mut ws,
        pin.as_deref().map(|p| (pin_ref, p)),
        a.json,
        &source,
    )
}

fn report<C: Card>(
    card: &mut C,
    keys: &StaticKeys,
    cfg: Config,
    ws: &mut [u8],
    pin: Option<(u8, &[u8])>,
    as_json: bool,
    source: &str,
) -> Result<String, String>
where
    C::Error: std::fmt::Debug,
{
    let b = run(card, keys, cfg, ws, pin).map_err(|e| e.to_string())?;
    if as_json {
        serde_json::to_string_pretty(&to_json(&b, source)?).map_err(|e| e.to_string())
    } else {
        table(&b, source)
    }
}

fn mode_name(m: Option<scboot::lwm2m::SecurityMode>) -> &'static str {
    m.map_or("-", |m| m.name())
}

fn to_json(b: &Bootstrap<'_>, source: &str) -> Result<Value, String> {
    let p = &b.provenance;
    let mut accts = Vec::new();
    for a in accounts(&b.file) {
        let a = a.map_err(|e| e.to_string())?;
        let s = &a.security;
        accts.push(json!({
            "instance": s.instance_id(),
            "uri": s.server_uri,
            "bootstrap_server": s.bootstrap_server.unwrap_or(false),
            "security_mode": s.security_mode.map(|m| m.name()),
            "identity": s.public_key_or_identity.map(|i| String::from_utf8(i.to_vec()).unwrap_or_else(|_| to_hex(i))),
            "secret_key_len": s.secret_key.map(<[u8]>::len),
            "short_server_id": s.short_server_id,
            "lifetime": a.server.and_then(|v| v.lifetime),
            "binding": a.server.and_then(|v| v.binding),
        }));
    }
    Ok(json!({
        "source": source,
        "provenance": {
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
        },
        "accounts": accts,
    }))
}

fn table(b: &Bootstrap<'_>, source: &str) -> Result<String, String> {
    let p = &b.provenance;
    let mut out = String::new();
    let _ = writeln!(out, "Bootstrap from smartcard: {source}");
    let _ = writeln!(
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
    );
    let _ = writeln!(out, "  sha256 {}", to_hex(&p.digest));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<3} {:<42} {:<9} {:<6} {:<22} {:>5} {:>8} {:<7}",
        "#", "server URI", "bootstrap", "mode", "identity", "ssid", "lifetime", "binding"
    );
    for a in accounts(&b.file) {
        let a = a.map_err(|e| e.to_string())?;
        let s = &a.security;
        let ident = s.public_key_or_identity.map_or("-".to_string(), |i| {
            String::from_utf8(i.to_vec()).unwrap_or_else(|_| to_hex(i))
        });
        let _ = writeln!(
            out,
            "{:<3} {:<42} {:<9} {:<6} {:<22} {:>5} {:>8} {:<7}",
            s.instance_id(),
            s.server_uri.unwrap_or("-"),
            if s.bootstrap_server.unwrap_or(false) {
                "yes"
            } else {
                "no"
            },
            mode_name(s.security_mode),
            ident,
            s.short_server_id.map_or("-".into(), |x| x.to_string()),
            a.server
                .and_then(|v| v.lifetime)
                .map_or("-".into(), |x| x.to_string()),
            a.server.and_then(|v| v.binding).unwrap_or("-"),
        );
    }
    Ok(out)
}
