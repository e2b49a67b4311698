//! What a log or a dump may see of the procedure: the last command and
//! response in plain form, and each file as it completes.

use super::error::StepName;
use crate::apdu::StatusWord;

/// Which file a [`CardFile`] is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// EF.DIR.
    EfDir,
    /// EF.ODF.
    Odf,
    /// EF.TokenInfo.
    TokenInfo,
    /// The n-th DODF the ODF names.
    Dodf(u8),
    /// The bootstrap file (its header and the data it announces).
    Bootstrap,
    /// The key directory of a key operation (PrKDF, PuKDF or SKDF).
    KeyDirectory,
    /// The EF holding a public key.
    PublicKey,
}

/// A file the walk has just read in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardFile<'a> {
    /// Which file.
    pub kind: FileKind,
    /// Its path as selected (empty for EF.DIR, which is `2F00` under the MF).
    pub path: &'a [u8],
    /// Its bytes.
    pub bytes: &'a [u8],
}

/// The last command sent, for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandView<'a> {
    /// The step it belongs to.
    pub step: StepName,
    /// The plain command (before the secure channel; for a GET RESPONSE or
    /// a re-send, empty: the wire bytes are the command).
    pub plain: &'a [u8],
    /// Whether it went through the secure channel.
    pub protected: bool,
    /// Whether its data is encrypted on the wire (C-DECRYPTION).
    pub encrypted: bool,
}

/// The last complete response, for a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseView<'a> {
    /// The step it belongs to.
    pub step: StepName,
    /// The plain data (after R-MAC and R-ENC).
    pub data: &'a [u8],
    /// The status word.
    pub sw: StatusWord,
    /// Whether its data was encrypted on the wire (R-ENCRYPTION).
    pub encrypted: bool,
}
