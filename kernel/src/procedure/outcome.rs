//! What a successful run gives: the bootstrap file and where it came from.

use crate::bootstrap::BootstrapFile;
use crate::bytes::Bytes16;
use crate::dodf::BootstrapRule;
use crate::path::IndexLength;
use crate::scp03::SecurityLevel;

/// Where the bootstrap information came from.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    /// The PKCS#15 application's AID.
    pub aid: Bytes16,
    /// Its path from EF.DIR.
    pub application_path: Bytes16,
    /// The logical channel used (0: basic).
    pub channel: u8,
    /// The secure channel level used, if any.
    pub level: Option<SecurityLevel>,
    /// The DODF that held the entry.
    pub dodf_path: Bytes16,
    /// The entry's index in that DODF.
    pub entry: usize,
    /// The rule that matched.
    pub rule: BootstrapRule,
    /// The bootstrap file's path.
    pub file_path: Bytes16,
    /// The part of the file, when not all of it.
    pub index_length: Option<IndexLength>,
    /// Whether the entry was private (a PIN was verified to read it).
    pub private: bool,
    /// SHA-256 of the bootstrap data read (header and objects).
    pub digest: [u8; 32],
    /// Command APDUs exchanged (GET RESPONSE and re-sends included).
    pub apdus: u32,
}

/// Bootstrap information read from the card, with its provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap<'w> {
    /// The validated bootstrap file (borrows the workspace).
    pub file: BootstrapFile<'w>,
    /// Where it came from.
    pub provenance: Provenance,
}
