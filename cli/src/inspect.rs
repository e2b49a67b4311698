//! `scboot inspect`: decode a card file and print it as a tree with offsets
//! or as JSON.
//!
//! The input is validated in full first (the kernel's parsers validate once),
//! so malformed input prints nothing on stdout. Output is then streamed: no
//! text proportional to a count read from the input is held in memory.
//! Offsets are decimal byte offsets from the start of the input, written `@`
//! and at least four digits (`@0052`), the same numbers errors report.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use scboot::ber::{Element, Tag, TagClass, MAX_DEPTH};
use scboot::bootstrap::BootstrapFile;
use scboot::dir::EfDir;
use scboot::dodf::{DataObject, DataObjectKind, Dodf, ObjectValue};
use scboot::odf::{Odf, OdfLocation};
use scboot::path::Path;
use scboot::tlv::{Records, Tlv, TlvRecord, TlvType};
use scboot::tokeninfo::{LastUpdate, TokenInfo};

use crate::hexio::to_hex;
use crate::jsonw::JsonWriter;
use crate::registry;
use crate::Failure;

/// The largest input `inspect` reads: 64 KiB. Card files are no larger: an
/// EF's size in its FCP (tag `80`) is two bytes on the cards LwM2M targets,
/// short READ BINARY offsets reach 32 KiB, and the LwM2M bootstrap file is at
/// most 32 KB. Anything bigger is not a card file, and refusing it keeps
/// memory and time bounded on hostile input.
pub const MAX_INPUT: usize = 64 * 1024;

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

/// A file validated as one of the formats.
enum Parsed<'a> {
    Dir(EfDir<'a>),
    Odf(Odf<'a>),
    Dodf(Dodf<'a>),
    TokenInfo(TokenInfo<'a>),
    Bootstrap(BootstrapFile<'a>),
    Tlv(Tlv<'a>),
}

/// A parse error as `inspect` prints it: the error, then the bytes at its
/// offset (the length, tag or byte at fault is there; the error itself
/// carries no figure).
fn parse_failure(bytes: &[u8], e: scboot::Error) -> Failure {
    let at = bytes.get(e.offset()..).unwrap_or(&[]);
    let shown: Vec<String> = at.iter().take(8).map(|b| format!("{b:02X}")).collect();
    let more = if at.len() > 8 { " ..." } else { "" };
    Failure::from(if shown.is_empty() {
        format!("{e} (the input ends there)")
    } else {
        format!("{e} (bytes there: {}{more})", shown.join(" "))
    })
}

fn parse(bytes: &[u8], format: Format) -> Result<Parsed<'_>, Failure> {
    let e = |e: scboot::Error| parse_failure(bytes, e);
    Ok(match format {
        Format::Dir => Parsed::Dir(EfDir::parse(bytes).map_err(e)?),
        Format::Odf => Parsed::Odf(Odf::parse(bytes).map_err(e)?),
        Format::Dodf => Parsed::Dodf(Dodf::parse(bytes).map_err(e)?),
        Format::Tokeninfo => Parsed::TokenInfo(TokenInfo::parse(bytes).map_err(e)?),
        Format::Bootstrap => Parsed::Bootstrap(BootstrapFile::parse(bytes).map_err(e)?),
        Format::Tlv => Parsed::Tlv(Tlv::parse(bytes).map_err(e)?),
        Format::Auto => {
            let f = detect(bytes).ok_or(
                "cannot tell the format: the input parses as none of dir, odf, dodf, tokeninfo, bootstrap, tlv",
            )?;
            return parse(bytes, f);
        }
    })
}

/// Decode `bytes` as `format` and write it to `out`; nothing is written
/// when the input is malformed.
pub fn inspect(
    bytes: &[u8],
    format: Format,
    as_json: bool,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    if bytes.len() > MAX_INPUT {
        return Err(format!(
            "input is larger than {MAX_INPUT} bytes (64 KiB), the largest card file: not inspected"
        )
        .into());
    }
    let parsed = parse(bytes, format)?;
    if as_json {
        let mut j = JsonWriter::new(out);
        match &parsed {
            Parsed::Dir(d) => dir_json(d, &mut j)?,
            Parsed::Odf(o) => odf_json(o, &mut j)?,
            Parsed::Dodf(d) => dodf_json(d, &mut j)?,
            Parsed::TokenInfo(t) => j.value(&tokeninfo_json(t))?,
            Parsed::Bootstrap(b) => bootstrap_json(b, &mut j)?,
            Parsed::Tlv(t) => {
                j.begin_array()?;
                tlv_json(t.records(), None, &mut j)?;
                j.end_array()?;
            }
        }
        return Ok(());
    }
    let name = match &parsed {
        Parsed::Dir(_) => Format::Dir,
        Parsed::Odf(_) => Format::Odf,
        Parsed::Dodf(_) => Format::Dodf,
        Parsed::TokenInfo(_) => Format::Tokeninfo,
        Parsed::Bootstrap(_) => Format::Bootstrap,
        Parsed::Tlv(_) => Format::Tlv,
    }
    .name();
    writeln!(out, "format: {name}")?;
    match &parsed {
        Parsed::Bootstrap(b) => bootstrap_tree(b, out)?,
        Parsed::Tlv(t) => tlv_tree(t.records(), 0, None, out)?,
        other => {
            ber_tree(bytes, out)?;
            match other {
                Parsed::Dir(d) => dir_summary(d, out)?,
                Parsed::Odf(o) => odf_summary(o, out)?,
                Parsed::Dodf(d) => dodf_summary(d, out)?,
                Parsed::TokenInfo(t) => tokeninfo_summary(t, out)?,
                _ => {}
            }
        }
    }
    Ok(())
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

fn dir_json(dir: &EfDir<'_>, j: &mut JsonWriter<'_>) -> io::Result<()> {
    j.begin_object()?;
    j.key("applications")?;
    j.begin_array()?;
    for t in dir.templates() {
        j.value(&json!({
            "aid": to_hex(t.aid),
            "label": opt_str(t.label),
            "path": opt_hex(t.path),
        }))?;
    }
    j.end_array()?;
    j.end_object()
}

fn odf_json(odf: &Odf<'_>, j: &mut JsonWriter<'_>) -> io::Result<()> {
    j.begin_object()?;
    j.key("entries")?;
    j.begin_array()?;
    for e in odf.entries() {
        let mut m = Map::new();
        m.insert("class".into(), json!(e.class.name()));
        match e.location {
            OdfLocation::Path(p) => path_fields(&mut m, Some(p)),
            OdfLocation::Direct(d) => {
                m.insert("path".into(), Value::Null);
                m.insert("direct".into(), json!(to_hex(d)));
            }
        }
        j.value(&Value::Object(m))?;
    }
    j.end_array()?;
    j.end_object()
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

fn dodf_json(dodf: &Dodf<'_>, j: &mut JsonWriter<'_>) -> io::Result<()> {
    j.begin_object()?;
    j.key("entries")?;
    j.begin_array()?;
    for o in dodf.entries() {
        j.value(&dodf_entry_json(&o))?;
    }
    j.end_array()?;
    let found = dodf.find_lwm2m_bootstrap().map_or(
        Value::Null,
        |m| json!({ "entry": m.entry, "rule": m.rule.name() }),
    );
    j.field("lwm2m_bootstrap", &found)?;
    j.end_object()
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
            Some(other) => json!(format!("{other:?}")),
            None => Value::Null,
        },
        "preferred_language": opt_str(t.preferred_language),
    })
}

/// The known resource a record names, when `object` is known.
fn resource_of(object: Option<u16>, r: &TlvRecord<'_>) -> Option<registry::Resource> {
    match r.kind() {
        TlvType::Resource | TlvType::MultipleResource => registry::resource(object?, r.id()),
        _ => None,
    }
}

/// TLV records as JSON, one at a time; `object` names the resources.
fn tlv_json(records: Records<'_>, object: Option<u16>, j: &mut JsonWriter<'_>) -> io::Result<()> {
    for r in records {
        j.begin_object()?;
        j.field("type", r.kind().snake_name())?;
        j.field("id", &r.id())?;
        let res = resource_of(object, &r);
        if let Some(res) = res {
            j.field("name", res.name)?;
        }
        j.field("offset", &r.offset())?;
        if r.kind().is_container() {
            j.key("children")?;
            j.begin_array()?;
            tlv_json(r.children(), object, j)?;
            j.end_array()?;
        } else {
            j.field("value", &to_hex(r.value()))?;
            if let Some(t) = printable(r.value()) {
                j.field("text", t)?;
            }
        }
        j.end_object()?;
    }
    Ok(())
}

fn bootstrap_json(bf: &BootstrapFile<'_>, j: &mut JsonWriter<'_>) -> io::Result<()> {
    j.begin_object()?;
    j.key("objects")?;
    j.begin_array()?;
    for o in bf.objects() {
        j.begin_object()?;
        j.field("object_id", &o.object_id)?;
        if let Some(n) = registry::object_name(o.object_id) {
            j.field("name", n)?;
        }
        j.field("version", &o.version.to_string())?;
        j.key("instances")?;
        j.begin_array()?;
        tlv_json(o.instances(), Some(o.object_id), j)?;
        j.end_array()?;
        j.end_object()?;
    }
    j.end_array()?;
    j.end_object()
}

// --------------------------------------------------------------------- tree

fn printable(b: &[u8]) -> Option<&str> {
    let s = std::str::from_utf8(b).ok()?;
    (!s.is_empty() && s.chars().all(|c| !c.is_control())).then_some(s)
}

fn indent(out: &mut dyn Write, depth: usize) -> io::Result<()> {
    for _ in 0..depth {
        out.write_all(b"  ")?;
    }
    Ok(())
}

fn tlv_tree(
    records: Records<'_>,
    depth: usize,
    object: Option<u16>,
    out: &mut dyn Write,
) -> io::Result<()> {
    for r in records {
        indent(out, depth)?;
        write!(out, "@{:04} {} {}", r.offset(), r.kind(), r.id())?;
        let res = resource_of(object, &r);
        if let Some(res) = res {
            write!(out, " ({})", res.name)?;
        }
        write!(out, " ({} bytes)", r.value().len())?;
        if r.kind().is_container() {
            writeln!(out)?;
            tlv_tree(r.children(), depth + 1, object, out)?;
        } else {
            write!(out, ": {}", to_hex(r.value()))?;
            if let Some(s) = printable(r.value()) {
                write!(out, " {s:?}")?;
            } else if let Some(v) = res.and_then(|res| registry::typed_value(res.kind, &r)) {
                write!(out, " = {v}")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

fn bootstrap_tree(bf: &BootstrapFile<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "@0000 bootstrap data: {} object(s), size {}",
        bf.object_count(),
        bf.size()
    )?;
    for o in bf.objects() {
        write!(out, "@{:04} object {}", o.offset(), o.object_id)?;
        if let Some(n) = registry::object_name(o.object_id) {
            write!(out, " ({n})")?;
        }
        writeln!(out, " version {}", o.version)?;
        tlv_tree(o.instances(), 1, Some(o.object_id), out)?;
    }
    Ok(())
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

/// Print elements; `base` is the absolute offset of the slice they were
/// parsed from. Recursion is bounded by the BER depth limit.
fn ber_elements(
    elems: scboot::ber::Elements<'_>,
    base: usize,
    depth: usize,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    for e in elems {
        let e: Element<'_> = e.map_err(|e| Failure::from(e.to_string()))?;
        indent(out, depth + 1)?;
        write!(
            out,
            "@{:04} {} {} ({} bytes)",
            base + e.offset(),
            e.tag(),
            tag_name(e.tag()),
            e.value().len()
        )?;
        if e.tag().is_constructed() && depth + 1 < usize::from(MAX_DEPTH) {
            writeln!(out)?;
            ber_elements(e.children(), base, depth + 1, out)?;
        } else {
            if e.tag() == Tag::OID {
                if let Ok(o) = e.oid() {
                    write!(out, ": {o}")?;
                }
            } else if e.tag() == Tag::INTEGER {
                if let Ok(i) = e.integer() {
                    write!(out, ": {i}")?;
                }
            } else {
                write!(out, ": {}", to_hex(e.value()))?;
                if let Some(s) = printable(e.value()) {
                    write!(out, " {s:?}")?;
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Print the BER structure of a directory file, skipping `00`/`FF` padding.
fn ber_tree(bytes: &[u8], out: &mut dyn Write) -> Result<(), Failure> {
    let mut i = 0;
    while i < bytes.len() {
        let pad = bytes[i..]
            .iter()
            .take_while(|&&b| b == 0 || b == 0xFF)
            .count();
        if pad > 0 {
            writeln!(out, "  @{i:04} padding ({pad} bytes)")?;
            i += pad;
            continue;
        }
        let (e, _) = Element::parse(&bytes[i..]).map_err(|e| Failure::from(e.to_string()))?;
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

fn dir_summary(dir: &EfDir<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "EF.DIR: {} application(s)", dir.len())?;
    for (i, t) in dir.templates().enumerate() {
        writeln!(
            out,
            "  application {i}: AID {}{} {}{}",
            to_hex(t.aid),
            if t.is_pkcs15() { " (PKCS#15)" } else { "" },
            t.path
                .map_or("no path".to_string(), |p| format!("path {}", to_hex(p))),
            t.label.map_or(String::new(), |l| format!(" label {l:?}")),
        )?;
    }
    Ok(())
}

fn entries(n: usize) -> &'static str {
    if n == 1 {
        "entry"
    } else {
        "entries"
    }
}

fn odf_summary(odf: &Odf<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "ODF: {} {}", odf.len(), entries(odf.len()))?;
    for e in odf.entries() {
        let loc = match e.location {
            OdfLocation::Path(p) => path_text(Some(p)),
            OdfLocation::Direct(d) => format!("direct objects ({} bytes)", d.len()),
        };
        writeln!(out, "  {}: {loc}", e.class.name())?;
    }
    Ok(())
}

fn dodf_summary(dodf: &Dodf<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "DODF: {} {}", dodf.len(), entries(dodf.len()))?;
    for (i, o) in dodf.entries().enumerate() {
        let id = match o.kind {
            DataObjectKind::Oid(id) => format!(" id {id}"),
            _ => o
                .data
                .application_oid
                .map_or(String::new(), |o| format!(" applicationOID {o}")),
        };
        let flags = o.common.flags.unwrap_or_default();
        writeln!(
            out,
            "  entry {i}: {}DO{id} {}{}{}",
            o.kind.name(),
            path_text(o.value.path()),
            o.common
                .label
                .or(o.data.application_name)
                .map_or(String::new(), |l| format!(" label {l:?}")),
            if flags.private() { " private" } else { "" },
        )?;
    }
    match dodf.find_lwm2m_bootstrap() {
        Some(m) => writeln!(
            out,
            "LwM2M bootstrap data: entry {} (rule {})",
            m.entry,
            m.rule.name()
        ),
        None => writeln!(out, "LwM2M bootstrap data: not found"),
    }
}

fn tokeninfo_summary(t: &TokenInfo<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "TokenInfo: version {} serial {}{}{}",
        t.version,
        to_hex(t.serial_number),
        t.manufacturer_id
            .map_or(String::new(), |m| format!(" manufacturer {m:?}")),
        t.label.map_or(String::new(), |l| format!(" label {l:?}")),
    )
}
