//! `scboot inspect`: decode a card file and print it as a tree with offsets or as JSON.

use std::fmt::Write;

use serde_json::{json, Map, Value};

use scboot::ber::{Element, Tag, TagClass, MAX_DEPTH};
use scboot::bootstrap::BootstrapFile;
use scboot::dir::EfDir;
use scboot::dodf::{DataObject, DataObjectKind, Dodf, ObjectValue};
use scboot::odf::{Odf, OdfLocation};
use scboot::path::Path;
use scboot::tlv::{Records, Tlv, TlvRecord};
use scboot::tokeninfo::{LastUpdate, TokenInfo};

use crate::hexio::to_hex;

/// The file formats `inspect` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// EF.DIR application templates.
    Dir,
    /// PKCS#15 EF.ODF.
    Odf,
    /// PKCS#15 DODF.
    Dodf,
    /// PKCS#15 EF.TokenInfo.
    Tokeninfo,
    /// EF LwM2M_Bootstrap (LwM2M G.3).
    Bootstrap,
    /// Bare LwM2M TLV.
    Tlv,
    /// Pick the format from the structure.
    Auto,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Dir => "dir",
            Format::Odf => "odf",
            Format::Dodf => "dodf",
            Format::Tokeninfo => "tokeninfo",
            Format::Bootstrap => "bootstrap",
            Format::Tlv => "tlv",
            Format::Auto => "auto",
        }
    }
}

/// Pick the format: the first that parses, strictest first.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    if BootstrapFile::parse(bytes).is_ok() {
        return Some(Format::Bootstrap);
    }
    if EfDir::parse(bytes).is_ok_and(|d| !d.is_empty()) {
        return Some(Format::Dir);
    }
    if TokenInfo::parse(bytes).is_ok() {
        return Some(Format::Tokeninfo);
    }
    if Odf::parse(bytes).is_ok_and(|o| !o.is_empty()) {
        return Some(Format::Odf);
    }
    if Dodf::parse(bytes).is_ok_and(|d| !d.is_empty()) {
        return Some(Format::Dodf);
    }
    if !bytes.is_empty() && Tlv::parse(bytes).is_ok() {
        return Some(Format::Tlv);
    }
    None
}

/// Decode `bytes` as `format`; the text to print, or the error message.
pub fn inspect(bytes: &[u8], format: Format, as_json: bool) -> Result<String, String> {
    let format = match format {
        Format::Auto => detect(bytes).ok_or_else(|| {
            "cannot tell the format: the input parses as none of dir, odf, dodf, tokeninfo, bootstrap, tlv".to_string()
        })?,
        f => f,
    };
    let e = |e: scboot::Error| e.to_string();
    if as_json {
        let v = match format {
            Format::Dir => dir_json(&EfDir::parse(bytes).map_err(e)?),
            Format::Odf => odf_json(&Odf::parse(bytes).map_err(e)?),
            Format::Dodf => dodf_json(&Dodf::parse(bytes).map_err(e)?),
            Format::Tokeninfo => tokeninfo_json(&TokenInfo::parse(bytes).map_err(e)?),
            Format::Bootstrap => bootstrap_json(&BootstrapFile::parse(bytes).map_err(e)?),
            Format::Tlv => Value::Array(tlv_json(Tlv::parse(bytes).map_err(e)?.records())),
            Format::Auto => unreachable!("resolved above"),
        };
        return serde_json::to_string_pretty(&v).map_err(|e| e.to_string());
    }
    let mut out = format!("format: {}\n", format.name());
    match format {
        Format::Bootstrap => bootstrap_tree(&BootstrapFile::parse(bytes).map_err(e)?, &mut out),
        Format::Tlv => tlv_tree(Tlv::parse(bytes).map_err(e)?.records(), 0, &mut out),
        _ => {
            let summary = match format {
                Format::Dir => dir_summary(&EfDir::parse(bytes).map_err(e)?),
                Format::Odf => odf_summary(&Odf::parse(bytes).map_err(e)?),
                Format::Dodf => dodf_summary(&Dodf::parse(bytes).map_err(e)?),
                _ => tokeninfo_summary(&TokenInfo::parse(bytes).map_err(e)?),
            };
            ber_tree(bytes, &mut out).map_err(e)?;
            out.push_str(&summary);
        }
    }
    Ok(out)
}

// --------------------------------------------------------------------- JSON

fn opt_str(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_string()))
}

fn opt_hex(b: Option<&[u8]>) -> Value {
    b.map_or(Value::Null, |b| Value::String(to_hex(b)))
}

fn path_fields(m: &mut Map<String, Value>, p: Option<Path<'_>>) {
    m.insert("path".into(), opt_hex(p.map(|p| p.path)));
    if let Some(il) = p.and_then(|p| p.index_length) {
        m.insert("index".into(), json!(il.index));
        m.insert("length".into(), json!(il.length));
    }
}

fn dir_json(dir: &EfDir<'_>) -> Value {
    let apps: Vec<Value> = dir
        .templates()
        .map(|t| {
            json!({
                "aid": to_hex(t.aid),
                "label": opt_str(t.label),
                "path": opt_hex(t.path),
            })
        })
        .collect();
    json!({ "applications": apps })
}

fn odf_json(odf: &Odf<'_>) -> Value {
    let entries: Vec<Value> = odf
        .entries()
        .map(|e| {
            let mut m = Map::new();
            m.insert("class".into(), json!(e.class.name()));
            match e.location {
                OdfLocation::Path(p) => path_fields(&mut m, Some(p)),
                OdfLocation::Direct(d) => {
                    m.insert("path".into(), Value::Null);
                    m.insert("direct".into(), json!(to_hex(d)));
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({ "entries": entries })
}

fn dodf_entry_json(o: &DataObject<'_>) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), json!(o.kind.name()));
    m.insert("label".into(), opt_str(o.common.label));
    m.insert("application_name".into(), opt_str(o.data.application_name));
    let oid = match o.kind {
        DataObjectKind::Oid(id) => Some(id),
        _ => o.data.application_oid,
    };
    m.insert(
        "oid".into(),
        oid.map_or(Value::Null, |o| json!(o.to_string())),
    );
    m.insert(
        "oid_hex".into(),
        oid.map_or(Value::Null, |o| json!(to_hex(o.as_bytes()))),
    );
    path_fields(&mut m, o.value.path());
    match o.value {
        ObjectValue::Url(u) => {
            m.insert("url".into(), json!(u));
        }
        ObjectValue::Direct(d) => {
            m.insert("direct".into(), json!(to_hex(d)));
        }
        _ => {}
    }
    let flags = o.common.flags.unwrap_or_default();
    m.insert("private".into(), json!(flags.private()));
    m.insert("modifiable".into(), json!(flags.modifiable()));
    m.insert("auth_id".into(), opt_hex(o.common.auth_id));
    Value::Object(m)
}

fn dodf_json(dodf: &Dodf<'_>) -> Value {
    let entries: Vec<Value> = dodf.entries().map(|o| dodf_entry_json(&o)).collect();
    let found = dodf.find_lwm2m_bootstrap().map_or(
        Value::Null,
        |m| json!({ "entry": m.entry, "rule": m.rule.name() }),
    );
    json!({ "entries": entries, "lwm2m_bootstrap": found })
}

fn tokeninfo_json(t: &TokenInfo<'_>) -> Value {
    json!({
        "version": t.version,
        "serial_number": to_hex(t.serial_number),
        "manufacturer_id": opt_str(t.manufacturer_id),
        "label": opt_str(t.label),
        "token_flags": {
            "readonly": t.token_flags.readonly(),
            "login_required": t.token_flags.login_required(),
            "prn_generation": t.token_flags.prn_generation(),
            "eid_compliant": t.token_flags.eid_compliant(),
        },
        "se_info": opt_hex(t.se_info),
        "record_info": opt_hex(t.record_info),
        "supported_algorithms": opt_hex(t.supported_algorithms),
        "issuer_id": opt_str(t.issuer_id),
        "holder_id": opt_str(t.holder_id),
        "last_update": match t.last_update {
            Some(LastUpdate::Time(s)) => json!(s),
            Some(LastUpdate::Referenced(r)) => json!({ "referenced": to_hex(r) }),
            None => Value::Null,
        },
        "preferred_language": opt_str(t.preferred_language),
    })
}

fn tlv_node(r: &TlvRecord<'_>) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(r.kind().snake_name()));
    m.insert("id".into(), json!(r.id()));
    m.insert("offset".into(), json!(r.offset()));
    if r.kind().is_container() {
        m.insert("children".into(), Value::Array(tlv_json(r.children())));
    } else {
        m.insert("value".into(), json!(to_hex(r.value())));
        if let Some(t) = printable(r.value()) {
            m.insert("text".into(), json!(t));
        }
    }
    Value::Object(m)
}

/// TLV records as JSON nodes.
pub fn tlv_json(records: Records<'_>) -> Vec<Value> {
    records.map(|r| tlv_node(&r)).collect()
}

fn bootstrap_json(bf: &BootstrapFile<'_>) -> Value {
    let objects: Vec<Value> = bf
        .objects()
        .map(|o| {
            json!({
                "object_id": o.object_id,
                "version": o.version.to_string(),
                "instances": tlv_json(o.instances()),
            })
        })
        .collect();
    json!({ "objects": objects })
}

// --------------------------------------------------------------------- tree

fn printable(b: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(b).ok()?;
    (!s.is_empty() && s.chars().all(|c| !c.is_control())).then_some(s)
}

fn tlv_tree(records: Records<'_>, depth: usize, out: &mut String) {
    for r in records {
        let pad = "  ".repeat(depth);
        let _ = write!(
            out,
            "{pad}@{:04} {} {} ({} bytes)",
            r.offset(),
            r.kind(),
            r.id(),
            r.value().len()
        );
        if r.kind().is_container() {
            out.push('\n');
            tlv_tree(r.children(), depth + 1, out);
        } else {
            let _ = write!(out, ": {}", to_hex(r.value()));
            if let Some(s) = printable(r.value()) {
                let _ = write!(out, " {s:?}");
            }
            out.push('\n');
        }
    }
}

fn bootstrap_tree(bf: &BootstrapFile<'_>, out: &mut String) {
    let _ = writeln!(
        out,
        "@0000 bootstrap data: {} object(s), size {}",
        bf.object_count(),
        bf.size()
    );
    for o in bf.objects() {
        let _ = writeln!(
            out,
            "@{:04} object {} version {}",
            o.offset(),
            o.object_id,
            o.version
        );
        tlv_tree(o.instances(), 1, out);
    }
}

fn tag_name(t: Tag) -> String {
    let n = match (t.class(), t.number()) {
        (TagClass::Universal, 1) => "BOOLEAN",
        (TagClass::Universal, 2) => "INTEGER",
        (TagClass::Universal, 3) => "BIT STRING",
        (TagClass::Universal, 4) => "OCTET STRING",
        (TagClass::Universal, 5) => "NULL",
        (TagClass::Universal, 6) => "OBJECT IDENTIFIER",
        (TagClass::Universal, 12) => "UTF8String",
        (TagClass::Universal, 16) => "SEQUENCE",
        (TagClass::Universal, 17) => "SET",
        (TagClass::Universal, 19) => "PrintableString",
        (TagClass::Universal, 22) => "IA5String",
        (TagClass::Universal, 24) => "GeneralizedTime",
        (TagClass::ContextSpecific, n) => return format!("[{n}]"),
        (TagClass::Application, n) => return format!("[APPLICATION {n}]"),
        (TagClass::Private, n) => return format!("[PRIVATE {n}]"),
        (TagClass::Universal, n) => return format!("[UNIVERSAL {n}]"),
    };
    n.to_string()
}

/// Print elements; `base` is the absolute offset of the slice they were parsed from.
fn ber_elements(
    elems: scboot::ber::Elements<'_>,
    base: usize,
    depth: usize,
    out: &mut String,
) -> scboot::Result<()> {
    for e in elems {
        let e: Element<'_> = e?;
        let pad = "  ".repeat(depth + 1);
        let _ = write!(
            out,
            "{pad}@{:04} {} {} ({} bytes)",
            base + e.offset(),
            e.tag(),
            tag_name(e.tag()),
            e.value().len()
        );
        if e.tag().is_constructed() && depth + 1 < usize::from(MAX_DEPTH) {
            out.push('\n');
            ber_elements(e.children(), base, depth + 1, out)?;
        } else {
            if e.tag() == Tag::OID {
                if let Ok(o) = e.oid() {
                    let _ = write!(out, ": {o}");
                }
            } else if e.tag() == Tag::INTEGER {
                if let Ok(i) = e.integer() {
                    let _ = write!(out, ": {i}");
                }
            } else {
                let _ = write!(out, ": {}", to_hex(e.value()));
                if let Some(s) = printable(e.value()) {
                    let _ = write!(out, " {s:?}");
                }
            }
            out.push('\n');
        }
    }
    Ok(())
}

/// Print the BER structure of a directory file, skipping `00`/`FF` padding.
fn ber_tree(bytes: &[u8], out: &mut String) -> scboot::Result<()> {
    let mut i = 0;
    while i < bytes.len() {
        let pad = bytes[i..]
            .iter()
            .take_while(|&&b| b == 0 || b == 0xFF)
            .count();
        if pad > 0 {
            let _ = writeln!(out, "  @{i:04} padding ({pad} bytes)");
            i += pad;
            continue;
        }
        let (e, _) = Element::parse(&bytes[i..])?;
        let len = e.encoded_len();
        ber_elements(scboot::ber::Elements::new(&bytes[i..i + len]), i, 0, out)?;
        i += len;
    }
    Ok(())
}

fn path_text(p: Option<Path<'_>>) -> String {
    match p {
        Some(p) => match p.index_length {
            Some(il) => format!(
                "path {} [index {} length {}]",
                to_hex(p.path),
                il.index,
                il.length
            ),
            None => format!("path {}", to_hex(p.path)),
        },
        None => "no path".into(),
    }
}

fn dir_summary(dir: &EfDir<'_>) -> String {
    let mut s = format!("EF.DIR: {} application(s)\n", dir.len());
    for (i, t) in dir.templates().enumerate() {
        let _ = writeln!(
            s,
            "  application {i}: AID {}{} {}{}",
            to_hex(t.aid),
            if t.is_pkcs15() { " (PKCS#15)" } else { "" },
            t.path
                .map_or("no path".to_string(), |p| format!("path {}", to_hex(p))),
            t.label.map_or(String::new(), |l| format!(" label {l:?}")),
        );
    }
    s
}

fn odf_summary(odf: &Odf<'_>) -> String {
    let mut s = format!(
        "ODF: {} entr{}\n",
        odf.len(),
        if odf.len() == 1 { "y" } else { "ies" }
    );
    for e in odf.entries() {
        let loc = match e.location {
            OdfLocation::Path(p) => path_text(Some(p)),
            OdfLocation::Direct(d) => format!("direct objects ({} bytes)", d.len()),
        };
        let _ = writeln!(s, "  {}: {loc}", e.class.name());
    }
    s
}

fn dodf_summary(dodf: &Dodf<'_>) -> String {
    let mut s = format!(
        "DODF: {} entr{}\n",
        dodf.len(),
        if dodf.len() == 1 { "y" } else { "ies" }
    );
    for (i, o) in dodf.entries().enumerate() {
        let id = match o.kind {
            DataObjectKind::Oid(id) => format!(" id {id}"),
            _ => o
                .data
                .application_oid
                .map_or(String::new(), |o| format!(" applicationOID {o}")),
        };
        let flags = o.common.flags.unwrap_or_default();
        let _ = writeln!(
            s,
            "  entry {i}: {}DO{id} {}{}{}",
            o.kind.name(),
            path_text(o.value.path()),
            o.common
                .label
                .or(o.data.application_name)
                .map_or(String::new(), |l| format!(" label {l:?}")),
            if flags.private() { " private" } else { "" },
        );
    }
    match dodf.find_lwm2m_bootstrap() {
        Some(m) => {
            let _ = writeln!(
                s,
                "LwM2M bootstrap data: entry {} (rule {})",
                m.entry,
                m.rule.name()
            );
        }
        None => s.push_str("LwM2M bootstrap data: not found\n"),
    }
    s
}

fn tokeninfo_summary(t: &TokenInfo<'_>) -> String {
    format!(
        "TokenInfo: version {} serial {}{}{}\n",
        t.version,
        to_hex(t.serial_number),
        t.manufacturer_id
            .map_or(String::new(), |m| format!(" manufacturer {m:?}")),
        t.label.map_or(String::new(), |l| format!(" label {l:?}")),
    )
}
