//! Personalisation from a human-writable TOML configuration.
//!
//! ```toml
//! dodf_form = "oid"          # "oid", "oid-double" (the OID wrapped twice), or "opaque"
//! private = false            # the DODF entry needs the PIN
//! pin = "31323334"           # VERIFY data (hex), reference pin_reference
//! secure_read = false        # the bootstrap file is readable only under SCP03
//! file_size = 1024           # bytes of the bootstrap EF (padding FF)
//!
//! [keys]
//! kvn = 0x30
//! enc = "404142434445464748494a4b4c4d4e4f"
//! mac = "404142434445464748494a4b4c4d4e4f"
//! dek = "404142434445464748494a4b4c4d4e4f"
//! i = 0x70                   # R-MAC, R-ENC, pseudo-random challenge, S8
//!
//! [[server]]
//! uri = "coaps://leshan.eclipseprojects.io:5684"
//! security_mode = "psk"      # psk, rpk, certificate, nosec, certificate-est
//! psk_identity = "scboot-device"
//! psk_key = "000102030405060708090a0b0c0d0e0f"
//! short_server_id = 101
//! lifetime = 86400
//! binding = "U"
//!
//! [[object]]                 # any other object instance of the bootstrap information
//! id = 11                    # APN Connection Profile
//! instance = 0
//! [object.resources]         # resource id = value: text, integer, boolean, float,
//! 0 = "operator-m2m"         # { hex = "..." } for opaque bytes, an array for a
//! 1 = "m2m.example.net"      # multiple resource
//! 3 = true
//! ```
//!
//! [`CardConfig::parse_named`] and [`CardConfig::load`] check what would
//! only fail later (key lengths, PSK sizes, URIs, Short Server IDs, the file
//! size) and name the file, the field and its line in every error.

use std::collections::BTreeMap;

use serde::Deserialize;

use scboot::ber::{Concat, Encode};
use scboot::bootstrap::{BootstrapData, ObjectData, ObjectVersion};
use scboot::dir::{ApplicationTemplate, PKCS15_AID};
use scboot::dodf::{
    CommonDataObjectAttributes, CommonObjectAttributes, DataObject, DataObjectKind, ObjectFlags,
    ObjectValue,
};
use scboot::odf::{ObjectClass, OdfEntry, OdfLocation};
use scboot::path::Path;
use scboot::tlv::{TlvItem, ValueBytes};
use scboot::tokeninfo::{TokenFlags, TokenInfo};

use crate::image::{Access, CardImage, File, Keys, Quirks, Structure};
use crate::{from_hex, to_hex};

/// How the DODF names the bootstrap data (the rules of `scboot::dodf::BootstrapRule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DodfForm {
    /// oidDO with id 2.23.43.9.1.
    Oid,
    /// oidDO with the id wrapped twice (`06 06 06 04 67 2B 09 01`), as on live cards.
    OidDouble,
    /// opaqueDO with applicationOID 2.23.43.9.1 (what OpenSC reads).
    Opaque,
}

/// One LwM2M account.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Server URI.
    pub uri: String,
    /// A bootstrap-server account.
    #[serde(default)]
    pub bootstrap: bool,
    /// psk, rpk, certificate, nosec, certificate-est.
    pub security_mode: String,
    /// PSK identity (text).
    #[serde(default)]
    pub psk_identity: Option<String>,
    /// PSK (hex).
    #[serde(default)]
    pub psk_key: Option<String>,
    /// Server public key (hex).
    #[serde(default)]
    pub server_public_key: Option<String>,
    /// Short Server ID (1..=65534); not for bootstrap servers.
    #[serde(default)]
    pub short_server_id: Option<u16>,
    /// Registration lifetime (s).
    #[serde(default)]
    pub lifetime: Option<i64>,
    /// Binding ("U", "UQ", ...).
    #[serde(default)]
    pub binding: Option<String>,
}

/// The card's keys.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    /// Key version.
    pub kvn: u8,
    /// Key-ENC (hex).
    pub enc: String,
    /// Key-MAC (hex).
    pub mac: String,
    /// Key-DEK (hex).
    pub dek: String,
    /// SCP03 `i`.
    #[serde(default = "default_i")]
    pub i: u8,
}

fn default_i() -> u8 {
    0x70
}

fn default_size() -> usize {
    1024
}

/// A card configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardConfig {
    /// DODF form.
    pub dodf_form: DodfForm,
    /// The DODF entry is private.
    #[serde(default)]
    pub private: bool,
    /// The card PIN (hex).
    #[serde(default)]
    pub pin: Option<String>,
    /// The PIN's reference (VERIFY P2).
    #[serde(default = "default_pin_ref")]
    pub pin_reference: u8,
    /// The bootstrap file is readable only under SCP03.
    #[serde(default)]
    pub secure_read: bool,
    /// Bootstrap EF size.
    #[serde(default = "default_size")]
    pub file_size: usize,
    /// Transport behaviours.
    #[serde(default)]
    pub quirks: Quirks,
    /// Keys.
    pub keys: KeyConfig,
    /// Accounts.
    pub server: Vec<Server>,
    /// Other object instances of the bootstrap information (Access Control,
    /// Device, APN connection profiles, ...).
    #[serde(default)]
    pub object: Vec<ObjectConfig>,
    /// Keys the card holds for signing and checksums (DM-SC-GEN-9).
    #[serde(default)]
    pub key: Vec<CardKey>,
}

/// A key the card holds: `[[key]]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardKey {
    /// Its label in the key directories (how a device finds it).
    pub label: String,
    /// `"ec-p256"` or `"aes-cmac"`.
    pub kind: crate::image::KeyKind,
    /// EC: the private scalar, 32 bytes of hex.
    #[serde(default)]
    pub private: Option<String>,
    /// AES: the secret, 16, 24 or 32 bytes of hex.
    #[serde(default)]
    pub secret: Option<String>,
    /// Using the key needs the card PIN.
    #[serde(default)]
    pub pin: bool,
    /// Using the key needs an open SCP03 session.
    #[serde(default)]
    pub secure_channel: bool,
    /// EC: the public key is given in the PuKDF itself (`direct [0]`, its
    /// SubjectPublicKeyInfo), not in a file of its own.
    #[serde(default)]
    pub public_direct: bool,
}

/// One more object instance in the bootstrap information.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectConfig {
    /// The object id (not 0 or 1: those come from `[[server]]`).
    pub id: u16,
    /// The instance id.
    pub instance: u16,
    /// Resource id (as a TOML key) to value: a string (UTF-8), an integer,
    /// a boolean, a float, `{ hex = "..." }` (opaque); a multiple resource
    /// as an array of those (instances 0, 1, ...) or a table of instance id
    /// to value (`{ 101 = 3 }`).
    pub resources: BTreeMap<String, toml::Value>,
}

impl Eq for ObjectConfig {}

fn default_pin_ref() -> u8 {
    0x81
}

/// The built-in demo card: a Leshan sandbox server (PSK) and a bootstrap server.
pub const DEMO_CONFIG: &str = r#"
dodf_form = "oid-double"
file_size = 512

[keys]
kvn = 0x30
enc = "404142434445464748494a4b4c4d4e4f"
mac = "404142434445464748494a4b4c4d4e4f"
dek = "404142434445464748494a4b4c4d4e4f"
i = 0x70

[[server]]
uri = "coaps://leshan.eclipseprojects.io:5684"
security_mode = "psk"
psk_identity = "scboot-demo-device"
psk_key = "3a6e1d2c5b4f8e7d9c0b1a2f3e4d5c6b"
short_server_id = 101
lifetime = 86400
binding = "U"

[[server]]
uri = "coaps://leshan.eclipseprojects.io:5784"
bootstrap = true
security_mode = "psk"
psk_identity = "scboot-demo-bs"
psk_key = "00112233445566778899aabbccddeeff"
"#;

impl CardConfig {
    /// Parse and check TOML; errors give the field and its line.
    pub fn parse(text: &str) -> Result<CardConfig, String> {
        Self::parse_named(text, "card configuration")
    }

    /// Parse and check TOML read from `name`; errors name the file, the
    /// field and its line.
    pub fn parse_named(text: &str, name: &str) -> Result<CardConfig, String> {
        let cfg: CardConfig = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            let msg = e.message().trim_end();
            match line {
                Some(l) => format!("{name}: line {l}: {}{msg}", key_on_line(text, l)),
                None => format!("{name}: {msg}"),
            }
        })?;
        cfg.check().map_err(|e| {
            let line = locate(text, &e.field).map(|o| line_of(text, o));
            let field = e.field_name();
            match line {
                Some(l) => format!("{name}: line {l}: {field}: {}", e.problem),
                None => format!("{name}: {field}: {}", e.problem),
            }
        })?;
        Ok(cfg)
    }

    /// Read and check a TOML file.
    pub fn load(path: &std::path::Path) -> Result<CardConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse_named(&text, &path.display().to_string())
    }

    /// The static keys a host needs to open the card's secure channel.
    pub fn static_keys(&self) -> Result<scboot::scp03::StaticKeys, String> {
        let k = &self.keys;
        scboot::scp03::StaticKeys::new(
            k.kvn,
            &from_hex(&k.enc)?,
            &from_hex(&k.mac)?,
            &from_hex(&k.dek)?,
        )
        .map_err(|e| format!("keys: {e}"))
    }

    /// Check what would only fail later, when the card is built or read.
    pub fn check(&self) -> Result<(), ConfigError> {
        let err = |field: Vec<Seg>, problem: String| Err(ConfigError { field, problem });
        let key = |k: &'static str| vec![Seg::Key("keys"), Seg::Key(k)];
        let mut len = None;
        for (k, v) in [
            ("enc", &self.keys.enc),
            ("mac", &self.keys.mac),
            ("dek", &self.keys.dek),
        ] {
            let b = match from_hex(v) {
                Ok(b) => b,
                Err(e) => return err(key(k), e),
            };
            if ![16, 24, 32].contains(&b.len()) {
                return err(
                    key(k),
                    format!(
                        "an SCP03 key is 16, 24 or 32 bytes (AES-128/192/256), this one is {}",
                        b.len()
                    ),
                );
            }
            match len {
                Some(l) if l != b.len() => {
                    return err(
                        key(k),
                        format!("Key-ENC, Key-MAC and Key-DEK must be of one length: {} bytes here, {l} for the others", b.len()),
                    )
                }
                _ => len = Some(b.len()),
            }
        }
        if self.keys.i & 0x40 != 0 && self.keys.i & 0x20 == 0 {
            return err(
                key("i"),
                format!(
                    "i = {:#04x} offers R-ENCRYPTION without R-MAC, which SCP03 does not allow",
                    self.keys.i
                ),
            );
        }
        if let Some(p) = &self.pin {
            match from_hex(p) {
                Ok(b) if (1..=16).contains(&b.len()) => {}
                Ok(b) => {
                    return err(
                        vec![Seg::Key("pin")],
                        format!("a PIN is 1 to 16 bytes, this one is {}", b.len()),
                    )
                }
                Err(e) => return err(vec![Seg::Key("pin")], e),
            }
        } else if self.private {
            return err(
                vec![Seg::Key("private")],
                "a private entry needs a pin".into(),
            );
        }
        if self.server.is_empty() {
            return err(
                vec![Seg::Key("server")],
                "at least one [[server]] is needed".into(),
            );
        }
        let mut ssids = Vec::new();
        let mut bootstrap_servers = 0;
        for (n, s) in self.server.iter().enumerate() {
            let f = |k: &'static str| vec![Seg::Key("server"), Seg::Index(n), Seg::Key(k)];
            if let Err(e) = check_uri(&s.uri) {
                return err(f("uri"), e);
            }
            let mode = match security_mode(&s.security_mode) {
                Ok(m) => m,
                Err(e) => return err(f("security_mode"), e),
            };
            if mode == 0 {
                // DTLS-PSK (RFC 4279): an identity and a key; 16 bytes is the
                // least the LwM2M PSK cipher suites (AES-128) want, 64 the
                // most common stacks accept.
                match &s.psk_identity {
                    Some(i) if (1..=128).contains(&i.len()) => {}
                    Some(i) => {
                        return err(
                            f("psk_identity"),
                            format!("a PSK identity is 1 to 128 bytes, this one is {}", i.len()),
                        )
                    }
                    None => {
                        return err(
                            f("psk_identity"),
                            "security_mode psk needs a psk_identity".into(),
                        )
                    }
                }
                match s.psk_key.as_deref().map(from_hex) {
                    Some(Ok(k)) if (16..=64).contains(&k.len()) => {}
                    Some(Ok(k)) => {
                        return err(
                            f("psk_key"),
                            format!("a PSK is 16 to 64 bytes, this one is {}", k.len()),
                        )
                    }
                    Some(Err(e)) => return err(f("psk_key"), e),
                    None => return err(f("psk_key"), "security_mode psk needs a psk_key".into()),
                }
            } else if let Some(Err(e)) = s.psk_key.as_deref().map(from_hex) {
                return err(f("psk_key"), e);
            }
            if let Some(Err(e)) = s.server_public_key.as_deref().map(from_hex) {
                return err(f("server_public_key"), e);
            }
            if s.bootstrap {
                bootstrap_servers += 1;
                if bootstrap_servers > 1 {
                    return err(
                        f("bootstrap"),
                        "LwM2M allows one bootstrap-server account".into(),
                    );
                }
                if s.short_server_id.is_some() {
                    return err(
                        f("short_server_id"),
                        "a bootstrap server has no short_server_id".into(),
                    );
                }
            } else {
                match s.short_server_id {
                    None => {
                        return err(
                            f("short_server_id"),
                            format!("server {} needs a short_server_id", s.uri),
                        )
                    }
                    Some(0 | 65535) => {
                        return err(
                            f("short_server_id"),
                            "a Short Server ID is 1 to 65534 (0 and 65535 are reserved)".into(),
                        )
                    }
                    Some(id) if ssids.contains(&id) => {
                        return err(
                            f("short_server_id"),
                            format!("Short Server ID {id} is used twice"),
                        )
                    }
                    Some(id) => ssids.push(id),
                }
            }
            if s.lifetime
                .is_some_and(|l| l <= 0 || l > i64::from(u32::MAX))
            {
                return err(
                    f("lifetime"),
                    "a lifetime is 1 to 4294967295 seconds".into(),
                );
            }
            if let Some(b) = &s.binding {
                if b.is_empty() || !b.chars().all(|c| "UTSNQ".contains(c)) {
                    return err(
                        f("binding"),
                        format!("binding {b:?}: letters from U, T, S, N, Q"),
                    );
                }
            }
        }
        for (n, o) in self.object.iter().enumerate() {
            let f = |k: &'static str| vec![Seg::Key("object"), Seg::Index(n), Seg::Key(k)];
            if o.id <= 1 {
                return err(f("id"), "objects 0 and 1 come from [[server]]".into());
            }
            if o.id == u16::MAX || o.instance == u16::MAX {
                return err(f("instance"), "65535 is reserved".into());
            }
            for (k, v) in &o.resources {
                if let Err(e) = resource_id(k).and_then(|_| resource_value(v, true).map(|_| ())) {
                    return err(
                        vec![
                            Seg::Key("object"),
                            Seg::Index(n),
                            Seg::Key("resources"),
                            Seg::Owned(k.clone()),
                        ],
                        e,
                    );
                }
            }
            if self.object[..n]
                .iter()
                .any(|p| (p.id, p.instance) == (o.id, o.instance))
            {
                return err(
                    f("instance"),
                    format!("object {} instance {} is given twice", o.id, o.instance),
                );
            }
        }
        let data = match bootstrap_data_with(&self.server, &self.object) {
            Ok(d) => d,
            Err(e) => return err(vec![Seg::Key("server")], e),
        };
        if data.len() > 32 * 1024 {
            return err(
                vec![Seg::Key("server")],
                format!(
                    "the bootstrap data is {} bytes, LwM2M allows 32 KB",
                    data.len()
                ),
            );
        }
        if data.len() > self.file_size {
            return err(
                vec![Seg::Key("file_size")],
                format!(
                    "the bootstrap data is {} bytes, file_size is {}: make it at least {}",
                    data.len(),
                    self.file_size,
                    data.len()
                ),
            );
        }
        let mut labels = Vec::new();
        for (n, k) in self.key.iter().enumerate() {
            let f = |f: &'static str| vec![Seg::Key("key"), Seg::Index(n), Seg::Key(f)];
            if k.label.is_empty() || k.label.len() > 255 {
                return err(f("label"), "a key label is 1 to 255 bytes".into());
            }
            if labels.contains(&&k.label) {
                return err(f("label"), format!("two keys are labelled {:?}", k.label));
            }
            labels.push(&k.label);
            match k.kind {
                crate::image::KeyKind::EcP256 => {
                    let Some(p) = &k.private else {
                        return err(
                            f("private"),
                            "an ec-p256 key needs its private scalar".into(),
                        );
                    };
                    if k.secret.is_some() {
                        return err(f("secret"), "an ec-p256 key has no secret".into());
                    }
                    match from_hex(p) {
                        Ok(b) if b.len() == 32 && p256::SecretKey::from_slice(&b).is_ok() => {}
                        Ok(b) if b.len() != 32 => {
                            return err(
                                f("private"),
                                format!("a P-256 scalar is 32 bytes, this one is {}", b.len()),
                            )
                        }
                        Ok(_) => return err(f("private"), "not a P-256 scalar (0 < d < n)".into()),
                        Err(e) => return err(f("private"), e),
                    }
                }
                crate::image::KeyKind::AesCmac => {
                    let Some(s) = &k.secret else {
                        return err(f("secret"), "an aes-cmac key needs its secret".into());
                    };
                    if k.private.is_some() {
                        return err(f("private"), "an aes-cmac key has no private scalar".into());
                    }
                    if k.public_direct {
                        return err(
                            f("public_direct"),
                            "an aes-cmac key has no public key".into(),
                        );
                    }
                    match from_hex(s) {
                        Ok(b) if [16, 24, 32].contains(&b.len()) => {}
                        Ok(b) => {
                            return err(
                                f("secret"),
                                format!(
                                    "an AES key is 16, 24 or 32 bytes, this one is {}",
                                    b.len()
                                ),
                            )
                        }
                        Err(e) => return err(f("secret"), e),
                    }
                }
            }
            if k.pin && self.pin.is_none() {
                return err(f("pin"), "a key behind the PIN needs the card's pin".into());
            }
        }
        if self.key.len() > 15 {
            return err(vec![Seg::Key("key")], "at most 15 keys".into());
        }
        if self.file_size > 0x7FFF {
            return err(
                vec![Seg::Key("file_size")],
                format!(
                    "file_size {} is beyond what READ BINARY can reach (32767)",
                    self.file_size
                ),
            );
        }
        Ok(())
    }
}

/// A step of a path to a configuration field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A key of a table.
    Key(&'static str),
    /// A key of a table, from the input.
    Owned(String),
    /// An element of an array (of tables).
    Index(usize),
}

/// A configuration that parses but would not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Where: `keys.enc`, `server[1].psk_key`.
    pub field: Vec<Seg>,
    /// What is wrong.
    pub problem: String,
}

impl ConfigError {
    /// The field as written in messages: `server[1].psk_key`.
    pub fn field_name(&self) -> String {
        let mut s = String::new();
        for seg in &self.field {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Owned(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => s.push_str(&format!("[{i}]")),
            }
        }
        s
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field_name(), self.problem)
    }
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).unwrap_or(text).matches('\n').count() + 1
}

/// `key: ` for the key assigned on line `line`, or nothing.
fn key_on_line(text: &str, line: usize) -> String {
    text.lines()
        .nth(line - 1)
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['))
        .map_or(String::new(), |k| format!("{k}: "))
}

/// The byte offset where `field` is written in `text`.
fn locate(text: &str, field: &[Seg]) -> Option<usize> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut item = doc.as_item();
    let mut at = None;
    for seg in field {
        let key = match seg {
            Seg::Key(k) => Some(*k),
            Seg::Owned(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        };
        let next = match (seg, key) {
            (Seg::Index(i), _) => item.get(*i),
            (_, Some(k)) => {
                if let Some((kk, v)) = item.as_table_like().and_then(|t| t.get_key_value(k)) {
                    at = kk.span().map(|s| s.start).or(at);
                    Some(v)
                } else {
                    None
                }
            }
            _ => None,
        };
        match next {
            Some(n) => {
                item = n;
                at = item.span().map(|s| s.start).or(at);
            }
            None => break,
        }
    }
    at
}

/// A URI LwM2M can use: `coap`, `coaps`, `coap+tcp`, `coaps+tcp` (or the
/// SMS and non-IP schemes of LwM2M 1.1) with a host part.
fn check_uri(uri: &str) -> Result<(), String> {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return Err(format!("{uri:?} is not a URI (scheme://host:port)"));
    };
    let known = [
        "coap",
        "coaps",
        "coap+tcp",
        "coaps+tcp",
        "coap+sms",
        "coaps+sms",
        "coap+nonip",
        "coaps+nonip",
    ];
    if !known.contains(&scheme) {
        return Err(format!(
            "scheme {scheme:?}: LwM2M servers use coap, coaps, coap+tcp or coaps+tcp"
        ));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{uri:?} contains white space"));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    // An IPv6 literal in brackets, or a name or IPv4 address; then `:port`.
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, tail)) => (h, tail.strip_prefix(':')),
            None => return Err(format!("{uri:?}: unclosed [ in the host")),
        },
        None => match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(format!("{uri:?} has no host"));
    }
    if let Some(p) = port {
        if p.parse::<u16>().is_err() {
            return Err(format!(
                "{uri:?}: port {p:?} is not a number from 0 to 65535"
            ));
        }
    }
    Ok(())
}

fn resource_id(k: &str) -> Result<u16, String> {
    k.parse::<u16>()
        .ok()
        .filter(|&id| id != u16::MAX)
        .ok_or_else(|| format!("resource id {k:?} is not a number from 0 to 65534"))
}

/// A resource value as TLV bytes, or (arrays) `None` for a multiple resource.
fn resource_value(v: &toml::Value, allow_array: bool) -> Result<Option<Vec<u8>>, String> {
    Ok(Some(match v {
        toml::Value::String(s) => s.as_bytes().to_vec(),
        toml::Value::Integer(i) => ValueBytes::integer(*i).as_bytes().to_vec(),
        toml::Value::Float(x) => ValueBytes::float(*x).as_bytes().to_vec(),
        toml::Value::Boolean(b) => ValueBytes::boolean(*b).as_bytes().to_vec(),
        toml::Value::Table(t) => match (t.get("hex"), t.len()) {
            (Some(toml::Value::String(h)), 1) => from_hex(h)?,
            _ if allow_array && !t.is_empty() && t.keys().all(|k| resource_id(k).is_ok()) => {
                for i in t.values() {
                    resource_value(i, false)?;
                }
                return Ok(None);
            }
            _ => {
                return Err("a table value is { hex = \"...\" } (opaque bytes) or { instance id = value, ... } (a multiple resource)".into())
            }
        },
        toml::Value::Array(items) if allow_array => {
            for i in items {
                resource_value(i, false)?;
            }
            return Ok(None);
        }
        toml::Value::Array(_) => return Err("arrays do not nest".into()),
        toml::Value::Datetime(_) => return Err("dates are not resource values: give seconds since 1970".into()),
    }))
}

fn encode<T: Encode>(v: &T) -> Result<Vec<u8>, String> {
    let mut out = vec![0u8; v.encoded_len()];
    v.encode(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn security_mode(s: &str) -> Result<i64, String> {
    Ok(match s {
        "psk" => 0,
        "rpk" => 1,
        "certificate" => 2,
        "nosec" => 3,
        "certificate-est" => 4,
        _ => return Err(format!("unknown security_mode {s:?}")),
    })
}

/// The bootstrap data (LwM2M G.3) for the accounts: object 0 (Security) and
/// object 1 (Server), encoded with the kernel.
pub fn bootstrap_data(servers: &[Server]) -> Result<Vec<u8>, String> {
    bootstrap_data_with(servers, &[])
}

/// The bootstrap data for the accounts and the other object instances
/// (grouped by object, in the order of first appearance, after 0 and 1).
pub fn bootstrap_data_with(servers: &[Server], others: &[ObjectConfig]) -> Result<Vec<u8>, String> {
    let mut sec_instances = Vec::new();
    let mut srv_instances = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        let id = i as u16;
        let mode = ValueBytes::integer(security_mode(&s.security_mode)?);
        let bs = ValueBytes::boolean(s.bootstrap);
        let ident = s.psk_identity.clone().unwrap_or_default().into_bytes();
        let key = s
            .psk_key
            .as_deref()
            .map(from_hex)
            .transpose()?
            .unwrap_or_default();
        let spk = s.server_public_key.as_deref().map(from_hex).transpose()?;
        let ssid = s.short_server_id.map(|x| ValueBytes::integer(i64::from(x)));
        if !s.bootstrap && s.short_server_id.is_none() {
            return Err(format!("server {} needs a short_server_id", s.uri));
        }
        let mut res = vec![
            TlvItem::resource(0, s.uri.as_bytes()),
            TlvItem::resource(1, bs.as_bytes()),
            TlvItem::resource(2, mode.as_bytes()),
            TlvItem::resource(3, &ident),
        ];
        if let Some(k) = &spk {
            res.push(TlvItem::resource(4, k));
        }
        res.push(TlvItem::resource(5, &key));
        if let Some(x) = &ssid {
            res.push(TlvItem::resource(10, x.as_bytes()));
        }
        sec_instances.extend(encode(&TlvItem::object_instance(id, &res))?);
        if let (false, Some(x)) = (s.bootstrap, &ssid) {
            let lifetime = ValueBytes::integer(s.lifetime.unwrap_or(86400));
            let binding = s.binding.clone().unwrap_or_else(|| "U".into());
            let storing = ValueBytes::boolean(false);
            let r = [
                TlvItem::resource(0, x.as_bytes()),
                TlvItem::resource(1, lifetime.as_bytes()),
                TlvItem::resource(6, storing.as_bytes()),
                TlvItem::resource(7, binding.as_bytes()),
            ];
            srv_instances.extend(encode(&TlvItem::object_instance(id, &r))?);
        }
    }
    let mut objects = vec![ObjectData {
        object_id: 0,
        version: ObjectVersion::Implicit,
        tlv: &sec_instances,
    }];
    if !srv_instances.is_empty() {
        objects.push(ObjectData {
            object_id: 1,
            version: ObjectVersion::Implicit,
            tlv: &srv_instances,
        });
    }
    let mut ids: Vec<u16> = Vec::new();
    for o in others {
        if !ids.contains(&o.id) {
            ids.push(o.id);
        }
    }
    let mut other_tlv = Vec::new();
    for id in &ids {
        let mut tlv = Vec::new();
        for o in others.iter().filter(|o| o.id == *id) {
            tlv.extend(object_instance(o)?);
        }
        other_tlv.push((*id, tlv));
    }
    for (id, tlv) in &other_tlv {
        objects.push(ObjectData {
            object_id: *id,
            version: ObjectVersion::Implicit,
            tlv,
        });
    }
    encode(&BootstrapData { objects: &objects })
}

/// One configured object instance as TLV.
fn object_instance(o: &ObjectConfig) -> Result<Vec<u8>, String> {
    // Owned value bytes first, then the items that borrow them.
    /// Resource id, its value (single) or its instances (multiple).
    type Encoded = (u16, Option<Vec<u8>>, Vec<(u16, Vec<u8>)>);
    let mut values: Vec<Encoded> = Vec::new();
    for (k, v) in &o.resources {
        let id = resource_id(k)?;
        match resource_value(v, true)? {
            Some(b) => values.push((id, Some(b), Vec::new())),
            None => {
                // An array (instances 0, 1, ...) or a table of instance ids.
                let pairs: Vec<(u16, &toml::Value)> = match v {
                    toml::Value::Array(a) => (0u16..).zip(a.iter()).collect(),
                    toml::Value::Table(t) => t
                        .iter()
                        .map(|(k, v)| resource_id(k).map(|id| (id, v)))
                        .collect::<Result<_, _>>()?,
                    _ => Vec::new(),
                };
                let mut items = Vec::new();
                for (i, v) in pairs {
                    items.push((i, resource_value(v, false)?.unwrap_or_default()));
                }
                values.push((id, None, items));
            }
        }
    }
    let instances: Vec<Vec<TlvItem<'_>>> = values
        .iter()
        .map(|(_, _, items)| {
            items
                .iter()
                .map(|(i, b)| TlvItem::resource_instance(*i, b))
                .collect()
        })
        .collect();
    let res: Vec<TlvItem<'_>> = values
        .iter()
        .zip(&instances)
        .map(|((id, single, _), multi)| match single {
            Some(b) => TlvItem::resource(*id, b),
            None => TlvItem::multiple_resource(*id, multi),
        })
        .collect();
    encode(&TlvItem::object_instance(o.instance, &res))
}

const BOOT_FID: [u8; 2] = [0x64, 0x32];
const DODF_FID: [u8; 2] = [0x64, 0x30];

/// The DODF for a form, naming the bootstrap file `6432`.
pub fn dodf(form: DodfForm, private: bool) -> Result<Vec<u8>, String> {
    let lwm2m = scboot::ber::Oid::LWM2M_BOOTSTRAP;
    let double = scboot::ber::Oid::from_content(scboot::dodf::DOUBLE_ENCODED_LWM2M_OID)
        .map_err(|e| e.to_string())?;
    let kind = match form {
        DodfForm::Oid => DataObjectKind::Oid(lwm2m),
        DodfForm::OidDouble => DataObjectKind::Oid(double),
        DodfForm::Opaque => DataObjectKind::Opaque,
    };
    let entry = DataObject {
        kind,
        common: CommonObjectAttributes {
            label: Some("LwM2M Bootstrap"),
            flags: Some(ObjectFlags(if private { 1 } else { 0 })),
            auth_id: if private { Some(&[0x01]) } else { None },
            ..Default::default()
        },
        data: CommonDataObjectAttributes {
            application_name: Some("LwM2M"),
            application_oid: if form == DodfForm::Opaque {
                Some(lwm2m)
            } else {
                None
            },
        },
        sub_class: None,
        value: ObjectValue::Path(Path::new(&BOOT_FID)),
    };
    encode(&entry)
}

/// The key directories' file identifiers: PrKDF, PuKDF, SKDF.
pub const KEY_DIRECTORY_FIDS: [[u8; 2]; 3] = [[0x44, 0x02], [0x44, 0x03], [0x44, 0x04]];

/// `SubjectPublicKeyInfo` of a P-256 key (id-ecPublicKey, prime256v1),
/// before the 65-byte point: what OpenSC stores in a public key's EF.
const SPKI_P256_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
    0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The public key EF of the key `reference`: `3F00 5015 44 1x`.
pub fn public_key_path(reference: u8) -> [u8; 6] {
    [0x3F, 0x00, 0x50, 0x15, 0x44, 0x10 | (reference & 0x0F)]
}

/// What the `[[key]]` entries put on the card: the PrKDF, PuKDF and SKDF
/// (empty when no key is of their kind), the public keys' EFs (path, SPKI)
/// and the held keys.
type KeyFiles = (
    [Vec<u8>; 3],
    Vec<([u8; 6], Vec<u8>)>,
    Vec<crate::image::HeldKey>,
);

fn key_files(cfg: &CardConfig) -> Result<KeyFiles, String> {
    use crate::image::{HeldKey, KeyKind};
    use scboot::keys::*;
    let mut dirs: [Vec<u8>; 3] = Default::default();
    let mut public = Vec::new();
    let mut held = Vec::new();
    let empty = Path::new(&[]);
    for (i, k) in cfg.key.iter().enumerate() {
        let reference = i as u8 + 1;
        let id = [reference];
        let common = CommonObjectAttributes {
            label: Some(&k.label),
            flags: k.pin.then_some(ObjectFlags::PRIVATE),
            auth_id: k.pin.then_some(&[0x01][..]),
            ..Default::default()
        };
        let mut attrs = CommonKeyAttributes::new(&id, KeyUsage::SIGN);
        attrs.key_reference = Some(u32::from(reference));
        let (value, slot) = match k.kind {
            KeyKind::EcP256 => {
                let scalar = from_hex(k.private.as_deref().unwrap_or(""))?;
                let sk = p256::SecretKey::from_slice(&scalar).map_err(|e| e.to_string())?;
                let point = sk.public_key().to_sec1_bytes();
                attrs.usage = KeyUsage::SIGN.union(KeyUsage::NON_REPUDIATION);
                attrs.access = Some(KeyAccess(
                    KeyAccess::SENSITIVE.0
                        | KeyAccess::ALWAYS_SENSITIVE.0
                        | KeyAccess::NEVER_EXTRACTABLE.0
                        | KeyAccess::LOCAL.0,
                ));
                let mut private = KeyObject::new(
                    KeyClass::Private,
                    KeyType::Ec,
                    common,
                    attrs,
                    ObjectValue::Path(empty),
                );
                private.field_size = Some(256);
                dirs[0].extend(encode(&private)?);
                let path = public_key_path(reference);
                let public_common = CommonObjectAttributes {
                    label: Some(&k.label),
                    ..Default::default()
                };
                let mut spki = SPKI_P256_PREFIX.to_vec();
                spki.extend_from_slice(&point);
                let value = if k.public_direct {
                    ObjectValue::Direct(&spki)
                } else {
                    ObjectValue::Path(Path::new(&path))
                };
                let entry = KeyObject::new(
                    KeyClass::Public,
                    KeyType::Ec,
                    public_common,
                    CommonKeyAttributes::new(&id, KeyUsage::VERIFY),
                    value,
                );
                dirs[1].extend(encode(&entry)?);
                if !k.public_direct {
                    public.push((path, spki));
                }
                (scalar, 0)
            }
            KeyKind::AesCmac => {
                let secret = from_hex(k.secret.as_deref().unwrap_or(""))?;
                attrs.usage = KeyUsage::SIGN.union(KeyUsage::VERIFY);
                let mut entry = KeyObject::new(
                    KeyClass::Secret,
                    KeyType::GenericSecret,
                    common,
                    attrs,
                    ObjectValue::Path(empty),
                );
                entry.key_len = Some(secret.len() as u32 * 8);
                dirs[2].extend(encode(&entry)?);
                (secret, 2)
            }
        };
        let _ = slot;
        held.push(HeldKey {
            reference,
            kind: k.kind,
            value: to_hex(&value),
            pin: k.pin,
            secure_channel: k.secure_channel,
        });
    }
    Ok((dirs, public, held))
}

/// Build a card image from a configuration.
pub fn build(cfg: &CardConfig) -> Result<CardImage, String> {
    cfg.check().map_err(|e| e.to_string())?;
    let boot = bootstrap_data_with(&cfg.server, &cfg.object)?;
    let mut boot_file = boot.clone();
    boot_file.resize(cfg.file_size, 0xFF);
    let app_path = [0x3F, 0x00, 0x50, 0x15];
    let template = ApplicationTemplate {
        aid: PKCS15_AID,
        label: Some("LwM2M"),
        path: Some(&app_path),
        discretionary: None,
    };
    let dir_record = encode(&template)?;
    let (key_dirs, public_keys, held_keys) = key_files(cfg)?;
    // The ODF names the key directories that hold keys, in tag order, then the DODF.
    let mut odf_entries = Vec::new();
    for (class, (fid, dir)) in [
        ObjectClass::PrivateKeys,
        ObjectClass::PublicKeys,
        ObjectClass::SecretKeys,
    ]
    .into_iter()
    .zip(KEY_DIRECTORY_FIDS.iter().zip(&key_dirs))
    {
        if !dir.is_empty() {
            odf_entries.push(OdfEntry {
                class,
                location: OdfLocation::Path(Path::new(fid)),
            });
        }
    }
    odf_entries.push(OdfEntry {
        class: ObjectClass::DataObjects,
        location: OdfLocation::Path(Path::new(&DODF_FID)),
    });
    let odf = encode(&Concat(&odf_entries))?;
    let serial = [0x53, 0x43, 0x42, 0x00, 0x01];
    let tokeninfo = encode(&TokenInfo {
        manufacturer_id: Some("scboot"),
        label: Some("scboot virtual UICC"),
        ..TokenInfo::new(&serial, TokenFlags(0))
    })?;
    let dodf = dodf(cfg.dodf_form, cfg.private)?;
    let keys = &cfg.keys;
    let ef = |path: &str, data: &[u8], read: Access, update: Access| File {
        path: path.into(),
        structure: Structure::Transparent { data: to_hex(data) },
        read,
        update,
    };
    let df = |path: &str, aid: Option<&[u8]>| File {
        path: path.into(),
        structure: Structure::Df {
            aid: aid.map(to_hex),
        },
        read: Access::Always,
        update: Access::Never,
    };
    let boot_read = match (cfg.private, cfg.secure_read) {
        (true, _) => Access::Pin,
        (false, true) => Access::SecureChannel,
        (false, false) => Access::Always,
    };
    let mut files = vec![
        df("3f00", None),
        File {
            path: "3f002f00".into(),
            structure: Structure::LinearFixed {
                record_len: dir_record.len() + 4,
                records: vec![to_hex(&dir_record)],
            },
            read: Access::Always,
            update: Access::Never,
        },
        df("3f005015", Some(PKCS15_AID)),
        ef("3f0050155031", &odf, Access::Always, Access::SecureChannel),
        ef(
            "3f0050155032",
            &tokeninfo,
            Access::Always,
            Access::SecureChannel,
        ),
        ef("3f0050156430", &dodf, Access::Always, Access::SecureChannel),
        ef("3f0050156432", &boot_file, boot_read, Access::SecureChannel),
        // The spare of the A/B pair (crate::ota::replace_bootstrap).
        ef(
            "3f0050156433",
            &vec![0xFF; cfg.file_size],
            boot_read,
            Access::SecureChannel,
        ),
    ];
    for (fid, dir) in KEY_DIRECTORY_FIDS.iter().zip(&key_dirs) {
        if !dir.is_empty() {
            let path = format!("3f005015{}", to_hex(fid));
            files.push(ef(&path, dir, Access::Always, Access::SecureChannel));
        }
    }
    for (path, spki) in &public_keys {
        files.push(ef(&to_hex(path), spki, Access::Always, Access::Never));
    }
    Ok(CardImage {
        atr: "3b8f8001804f0ca0000003060300030000000068".into(),
        keys: Keys {
            kvn: keys.kvn,
            enc: keys.enc.to_lowercase(),
            mac: keys.mac.to_lowercase(),
            dek: keys.dek.to_lowercase(),
        },
        scp03_i: keys.i,
        sequence_counter: 0,
        pin: cfg
            .pin
            .as_ref()
            .map(|p| (cfg.pin_reference, p.to_lowercase())),
        held_keys,
        quirks: cfg.quirks,
        files,
    })
}
