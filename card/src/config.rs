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
//! ```

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

/// How the DODF names the bootstrap data (DESIGN.md section 2 rules).
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
}

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
    /// Parse TOML.
    pub fn parse(text: &str) -> Result<CardConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Read a TOML file.
    pub fn load(path: &std::path::Path) -> Result<CardConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
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
    encode(&BootstrapData { objects: &objects })
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

/// Build a card image from a configuration.
pub fn build(cfg: &CardConfig) -> Result<CardImage, String> {
    let boot = bootstrap_data(&cfg.server)?;
    if boot.len() > cfg.file_size {
        return Err(format!(
            "bootstrap data is {} bytes, file_size is {}",
            boot.len(),
            cfg.file_size
        ));
    }
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
    let odf = encode(&Concat(&[OdfEntry {
        class: ObjectClass::DataObjects,
        location: OdfLocation::Path(Path::new(&DODF_FID)),
    }]))?;
    let serial = [0x53, 0x43, 0x42, 0x00, 0x01];
    let tokeninfo = encode(&TokenInfo {
        manufacturer_id: Some("scboot"),
        label: Some("scboot virtual UICC"),
        ..TokenInfo::new(&serial, TokenFlags(0))
    })?;
    let dodf = dodf(cfg.dodf_form, cfg.private)?;
    let keys = &cfg.keys;
    for k in [&keys.enc, &keys.mac, &keys.dek] {
        from_hex(k)?;
    }
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
        quirks: cfg.quirks,
        files: vec![
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
        ],
    })
}
