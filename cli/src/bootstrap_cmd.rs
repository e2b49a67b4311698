//! `scboot bootstrap`: run the procedure against the built-in demo card, a
//! card image, or a PC/SC reader, and print the bootstrap information: the
//! accounts (Security instances paired with their Server instances) and every
//! object of the file, typed where the object is known. Secret keys are never
//! printed, only their length.

use std::io::Write;

use serde_json::{json, Map, Value};

use scboot::bootstrap::BootstrapFile;
use scboot::lwm2m::accounts;
use scboot::procedure::Bootstrap;
use scboot::tlv::{TlvRecord, TlvType};

use crate::hexio::to_hex;
use crate::jsonw::JsonWriter;
use crate::registry::{self, Kind};
use crate::session::{with_card, CardArgs};
use crate::Failure;

/// The arguments of `scboot bootstrap`.
#[derive(Debug, clap::Args)]
pub struct BootstrapArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    card: CardArgs,
}

/// Run `scboot bootstrap`.
pub fn bootstrap(a: &BootstrapArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    with_card(&a.card, false, &mut |_| Ok(()), |b, source| {
        report(b, a.json, source, out)
    })
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
