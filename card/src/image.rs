//! The card image: everything the card holds, as JSON (load and save).

use serde::{Deserialize, Serialize};

use crate::{from_hex, to_hex};

/// Who may read or update a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Anyone.
    Always,
    /// Only under an open SCP03 session on the channel.
    SecureChannel,
    /// Only after VERIFY of the card PIN on the channel.
    Pin,
    /// Nobody.
    Never,
}

/// File structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum Structure {
    /// A dedicated file (MF, DF, ADF).
    Df {
        /// The AID of an application DF.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        aid: Option<String>,
    },
    /// A transparent EF.
    Transparent {
        /// Contents (hex).
        data: String,
    },
    /// A linear-fixed EF.
    LinearFixed {
        /// Record length.
        record_len: usize,
        /// Records (hex, each padded to `record_len` with FF).
        records: Vec<String>,
    },
}

/// One file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct File {
    /// The path from the MF, hex (`3f00`, `3f002f00`, `3f0050156432`).
    pub path: String,
    /// The structure and contents.
    #[serde(flatten)]
    pub structure: Structure,
    /// Read access.
    pub read: Access,
    /// Update access.
    pub update: Access,
}

/// The card's SCP03 key set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    /// Key version number.
    pub kvn: u8,
    /// Key-ENC (hex).
    pub enc: String,
    /// Key-MAC (hex).
    pub mac: String,
    /// Key-DEK (hex).
    pub dek: String,
}

impl Keys {
    /// The kernel's key set.
    pub fn static_keys(&self) -> Result<scboot::scp03::StaticKeys, String> {
        scboot::scp03::StaticKeys::new(
            self.kvn,
            &from_hex(&self.enc)?,
            &from_hex(&self.mac)?,
            &from_hex(&self.dek)?,
        )
        .map_err(|e| e.to_string())
    }

    /// Keys from raw bytes.
    pub fn new(kvn: u8, enc: &[u8], mac: &[u8], dek: &[u8]) -> Keys {
        Keys {
            kvn,
            enc: to_hex(enc),
            mac: to_hex(mac),
            dek: to_hex(dek),
        }
    }
}

/// What a card-held key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// An ECDSA P-256 key pair (PSO COMPUTE DIGITAL SIGNATURE).
    EcP256,
    /// An AES key for CMAC (PSO COMPUTE / VERIFY CRYPTOGRAPHIC CHECKSUM).
    AesCmac,
}

/// A key the card holds and uses, never shows (only an EC key's public
/// half is readable, from its EF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldKey {
    /// The key reference (MANAGE SECURITY ENVIRONMENT `84`/`83`).
    pub reference: u8,
    /// The algorithm.
    pub kind: KeyKind,
    /// The private scalar (EC) or the secret (AES), hex.
    pub value: String,
    /// Using it needs VERIFY of the card PIN.
    #[serde(default)]
    pub pin: bool,
    /// Using it needs an open SCP03 session.
    #[serde(default)]
    pub secure_channel: bool,
}

/// Transport behaviours a test may switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Quirks {
    /// Answer data-bearing responses with `61xx` first (as T=0 cards do).
    #[serde(default)]
    pub get_response: bool,
    /// Answer a plain READ RECORD with the wrong Le by `6Cxx`.
    #[serde(default)]
    pub strict_le: bool,
    /// Serve record files as linear variable (FCP descriptor `04`): the FCP
    /// gives the largest record length, each record is as long as its
    /// content without the trailing `FF` padding. With `strict_le`, a READ
    /// RECORD sized from the FCP is then answered `6Cxx` with the exact
    /// length, as such cards do.
    #[serde(default)]
    pub variable_records: bool,
    /// Leave the number of records out of a record file's FCP (a 4-byte
    /// descriptor `82`): a reader then reads records until `6A83`.
    #[serde(default)]
    pub omit_record_count: bool,
    /// No SCP03 in the application: INITIALIZE UPDATE is answered `6D00`
    /// (instruction not supported), as on cards without a secure channel.
    #[serde(default)]
    pub no_scp03: bool,
    /// No logical channels: MANAGE CHANNEL is answered `6881` (logical
    /// channel not supported), as on older cards.
    #[serde(default)]
    pub no_logical_channels: bool,
}

/// Everything the card holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardImage {
    /// Answer to reset (hex).
    pub atr: String,
    /// SCP03 keys.
    pub keys: Keys,
    /// SCP03 `i` parameter (e.g. `0x70`: R-MAC, R-ENC, pseudo-random challenge, S8).
    pub scp03_i: u8,
    /// The key set's sequence counter.
    pub sequence_counter: u32,
    /// The card PIN (hex, VERIFY data) and its reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<(u8, String)>,
    /// Keys the card holds for DM-SC-GEN-9 (sign, checksum).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_keys: Vec<HeldKey>,
    /// Transport behaviours.
    #[serde(default)]
    pub quirks: Quirks,
    /// The files.
    pub files: Vec<File>,
}

impl CardImage {
    /// Load a JSON image.
    pub fn load(path: &std::path::Path) -> Result<CardImage, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Save as JSON, atomically: the text goes to a temporary file in the
    /// same folder, is flushed to the disk (fsync), and is renamed over
    /// `path`; the folder is synced so that the rename itself is durable. A
    /// crash at any moment leaves either the old image or the new one,
    /// whole.
    pub fn save(&self, path: &std::path::Path) -> Result<(), String> {
        use std::io::Write;
        let at = |e: std::io::Error| format!("{}: {e}", path.display());
        let text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())? + "\n";
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        let name = path
            .file_name()
            .ok_or_else(|| at(std::io::ErrorKind::InvalidInput.into()))?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)?;
            // The rename is durable once the folder is synced (POSIX).
            std::fs::File::open(dir)?.sync_all()
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        written.map_err(at)
    }

    /// The file at `path` (hex).
    pub fn file_mut(&mut self, path: &str) -> Option<&mut File> {
        self.files
            .iter_mut()
            .find(|f| f.path.eq_ignore_ascii_case(path))
    }

    /// The file at `path` (hex).
    pub fn file(&self, path: &str) -> Option<&File> {
        self.files
            .iter()
            .find(|f| f.path.eq_ignore_ascii_case(path))
    }
}
