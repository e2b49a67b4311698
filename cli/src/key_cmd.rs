//! `scboot public-key`, `scboot sign`, `scboot verify`: the card's keys at
//! work (OMA DM-SC-GEN-9). The key is found by its label: an EC key in the
//! PrKDF/PuKDF, an AES key in the SKDF.

use std::io::Write;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use scboot::procedure::{KeyOperation, ProcedureError};

use crate::hexio::{from_hex, to_hex};
use crate::session::{with_card_operation, CardArgs};
use crate::{Failure, VERIFICATION_FAILED};

/// The most a file to sign or verify may hold.
const MAX_FILE: usize = 64 * 1024;

/// `scboot public-key`.
#[derive(Debug, clap::Args)]
pub struct PublicKeyArgs {
    /// The key's label on the card.
    #[arg(long)]
    label: String,
    #[command(flatten)]
    card: CardArgs,
}

/// `scboot sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The key's label on the card.
    #[arg(long)]
    label: String,
    /// The file to sign (at most 64 KiB).
    file: PathBuf,
    #[command(flatten)]
    card: CardArgs,
}

/// `scboot verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The key's label on the card.
    #[arg(long)]
    label: String,
    /// The signature (EC: r || s, 64 bytes) or checksum (AES-CMAC), hex.
    #[arg(long)]
    signature: String,
    /// The file the signature is over (at most 64 KiB).
    file: PathBuf,
    #[command(flatten)]
    card: CardArgs,
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_FILE as u64 {
        return Err(format!(
            "{}: {} bytes, at most {MAX_FILE} are signed or verified",
            path.display(),
            meta.len()
        )
        .into());
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Whether a failure says the key is not in that directory (try the other kind).
fn not_there(e: &Failure) -> bool {
    [ProcedureError::NoSuchKey, ProcedureError::NoKeyDirectory]
        .iter()
        .any(|p| e.message.contains(&p.to_string()))
}

/// Run `scboot public-key`: the EC public key as hex of the uncompressed
/// SEC1 point (`04 || X || Y`).
pub fn public_key(a: &PublicKeyArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let op = KeyOperation::ReadPublicKey { label: &a.label };
    with_card_operation(&a.card, op, |r, _| {
        writeln!(out, "{}", to_hex(r.output))?;
        Ok(0)
    })
}

/// Run `scboot sign`: an EC key's ECDSA P-256 signature (r || s) over
/// SHA-256(FILE), or an AES key's CMAC of FILE, computed by the card.
pub fn sign(a: &SignArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let data = read_file(&a.file)?;
    let digest: [u8; 32] = Sha256::digest(&data).into();
    let ec = with_card_operation(
        &a.card,
        KeyOperation::Sign {
            label: &a.label,
            digest,
        },
        |r, _| Ok(to_hex(r.output)),
    );
    let hex = match ec {
        Err(e) if not_there(&e) => with_card_operation(
            &a.card,
            KeyOperation::Checksum {
                label: &a.label,
                data: &data,
            },
            |r, _| Ok(to_hex(r.output)),
        )?,
        other => other?,
    };
    writeln!(out, "{hex}")?;
    Ok(0)
}

/// Run `scboot verify`: 0 when genuine, 3 when not. An EC signature is
/// checked on this side with the public key read from the card; an AES
/// checksum is checked by the card.
pub fn verify(a: &VerifyArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let data = read_file(&a.file)?;
    let sig = from_hex(&a.signature).map_err(|e| format!("--signature: {e}"))?;
    let public = with_card_operation(
        &a.card,
        KeyOperation::ReadPublicKey { label: &a.label },
        |r, _| Ok(r.output.to_vec()),
    );
    let genuine = match public {
        Ok(pk) => match scboot::anchor::verify_message_p256(&pk, &data, &sig) {
            Ok(()) => true,
            Err(scboot::anchor::VerifyError::MalformedSignature) if sig.len() != 64 => {
                return Err(format!(
                    "--signature: an ECDSA P-256 signature is r || s, 64 bytes; this one is {}",
                    sig.len()
                )
                .into())
            }
            Err(_) => false,
        },
        Err(e) if not_there(&e) => with_card_operation(
            &a.card,
            KeyOperation::VerifyChecksum {
                label: &a.label,
                data: &data,
                checksum: &sig,
            },
            |r, _| Ok(r.verified == Some(true)),
        )?,
        Err(e) => return Err(e),
    };
    if genuine {
        writeln!(
            out,
            "genuine: {} verified with key {:?}",
            a.file.display(),
            a.label
        )?;
        Ok(0)
    } else {
        writeln!(
            out,
            "NOT genuine: {} does not verify with key {:?}",
            a.file.display(),
            a.label
        )?;
        Ok(VERIFICATION_FAILED)
    }
}
