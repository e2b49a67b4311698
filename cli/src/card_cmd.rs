//! `scboot card`: build, serve and update virtual card images.

use std::io::Write;
use std::path::PathBuf;

use scboot_card::config::{build, CardConfig};
use scboot_card::image::Structure;
use scboot_card::{CardImage, VirtualCard};

use scboot::procedure::{CardFile, FileKind};

use crate::hexio::to_hex;
use crate::Failure;

/// `scboot card ...`.
#[derive(Debug, clap::Subcommand)]
pub enum CardCommand {
    /// Personalise a card image from a TOML configuration.
    #[command(after_help = "\
Example configurations (in the repository, examples/cards/):
  demo.toml              the built-in demo card: a Leshan server and a bootstrap server (PSK)
  multi-server.toml      opaqueDO entry (what OpenSC reads), three servers, secure read
  private-pin.toml       the bootstrap entry is private: read it with --pin 31323334
  additional-objects.toml  Access Control, Device and APN connection profile objects
Every field is described in the scboot-card documentation (config module).
The configuration is checked before anything is written: key lengths (16/24/32,
all three equal), PSK identity (1-128 bytes) and key (16-64 bytes), URIs, Short
Server IDs (1-65534, unique), and a file_size that holds the data. Errors name
the file, the field and its line.")]
    Build {
        /// The TOML configuration.
        config: PathBuf,
        /// The image to write (JSON).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Serve a card image to pcscd through the vpcd driver.
    Serve {
        /// The image.
        image: PathBuf,
        /// Where vpcd listens.
        #[arg(long, default_value = "127.0.0.1:35963")]
        vpcd: String,
        /// Save the card's state back to the image when the connection ends.
        #[arg(long)]
        save: bool,
        /// Print every APDU exchanged.
        #[arg(long)]
        verbose: bool,
        /// Pull the card out when this APDU arrives (for tests: a removal
        /// in the middle of a session).
        #[arg(long, hide = true)]
        remove_after: Option<u64>,
    },
    /// Read a card's PKCS#15 files (EF.DIR, EF.ODF, EF.TokenInfo, every
    /// DODF, the bootstrap data) into a folder, under the secure channel
    /// when the card requires it; `scboot inspect` reads each file.
    Dump {
        #[command(flatten)]
        card: crate::session::CardArgs,
        /// The folder to write the files into (made if missing).
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Apply a new configuration to an image over SCP03 (UPDATE BINARY of
    /// the DODF and the bootstrap file), as an over-the-air update would.
    Update {
        /// The image to update in place.
        image: PathBuf,
        /// The new configuration (same keys).
        config: PathBuf,
    },
}

/// Run `scboot card ...`.
pub fn card(c: &CardCommand, out: &mut dyn Write) -> Result<u8, Failure> {
    if let CardCommand::Dump { card, output } = c {
        return dump(card, output, out);
    }
    let text = card_text(c)?;
    writeln!(out, "{text}")?;
    Ok(0)
}

/// The file name a dumped file gets.
fn dump_name(f: &CardFile<'_>) -> String {
    match f.kind {
        FileKind::EfDir => "EF.DIR.bin".into(),
        FileKind::Odf => "EF.ODF.bin".into(),
        FileKind::TokenInfo => "EF.TokenInfo.bin".into(),
        FileKind::Dodf(i) => format!("DODF-{i}-{}.bin", to_hex(f.path)),
        FileKind::Bootstrap => format!("bootstrap-{}.bin", to_hex(f.path)),
        _ => format!("file-{}.bin", to_hex(f.path)),
    }
}

/// `scboot card dump`.
fn dump(
    card: &crate::session::CardArgs,
    dir: &PathBuf,
    out: &mut dyn Write,
) -> Result<u8, Failure> {
    std::fs::create_dir_all(dir).map_err(|e| format!("-o {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let result = crate::session::with_card(
        card,
        true,
        &mut |f| {
            let path = dir.join(dump_name(&f));
            std::fs::write(&path, f.bytes).map_err(|e| format!("{}: {e}", path.display()))?;
            written.push((path, f.bytes.len()));
            Ok(())
        },
        |b, source| Ok((source.to_string(), b.provenance.level)),
    );
    let (source, level) = result.map_err(|f| Failure {
        message: format!(
            "{} ({} files were written to {} before it)",
            f.message,
            written.len(),
            dir.display()
        ),
        code: f.code,
    })?;
    for (path, len) in &written {
        writeln!(out, "{} ({len} bytes)", path.display())?;
    }
    writeln!(
        out,
        "{} files from {source}, SCP03 {}",
        written.len(),
        level.map_or("off".to_string(), |l| format!("level {:02x}", l.bits()))
    )?;
    Ok(0)
}

fn card_text(c: &CardCommand) -> Result<String, String> {
    match c {
        CardCommand::Dump { .. } => Err("dump writes its own report".into()),
        CardCommand::Build { config, output } => {
            let img = build(&CardConfig::load(config)?)?;
            img.save(output)?;
            Ok(format!(
                "card image written to {} ({} files)",
                output.display(),
                img.files.len()
            ))
        }
        CardCommand::Serve {
            image,
            vpcd,
            save,
            verbose,
            remove_after,
        } => {
            let card = VirtualCard::new(CardImage::load(image)?)?;
            eprintln!("scboot: serving {} to vpcd at {vpcd}", image.display());
            let mut log = |c: &[u8], r: &[u8]| {
                if *verbose {
                    eprintln!("> {}\n< {}", to_hex(c), to_hex(r));
                }
            };
            let card = scboot_card::vpcd::serve(card, vpcd, *remove_after, &mut log)
                .map_err(|e| format!("vpcd {vpcd}: {e}"))?;
            if *save {
                card.image().save(image)?;
            }
            Ok("vpcd connection closed".into())
        }
        CardCommand::Update { image, config } => {
            let old = CardImage::load(image)?;
            let new = build(&CardConfig::load(config)?)?;
            if new.keys != old.keys {
                return Err(
                    "the new configuration has other keys: build a new card instead".into(),
                );
            }
            let keys = old.keys.static_keys()?;
            let mut card = VirtualCard::new(old.clone())?;
            let transparent = |img: &CardImage, path: &str| -> Result<Vec<u8>, String> {
                match img.file(path).map(|f| &f.structure) {
                    Some(Structure::Transparent { data }) => scboot_card::from_hex(data),
                    _ => Err(format!("{}: no transparent file {path}", image.display())),
                }
            };
            // The DODF must stay as it is but for the file it names: the
            // update only switches that (in one byte).
            let (old_dodf, new_dodf) = (
                transparent(&old, "3f0050156430")?,
                transparent(&new, "3f0050156430")?,
            );
            let (at, active) = scboot_card::ota::bootstrap_reference(&old_dodf)?;
            let mut expected = new_dodf.clone();
            if let Some(b) = expected.get_mut(at) {
                *b = active[1];
            }
            if expected != old_dodf {
                return Err(
                    "the new configuration changes the DODF (form or private flag): build a new card instead"
                        .into(),
                );
            }
            let active_path = format!("3f005015{:02x}{:02x}", active[0], active[1]);
            let new_file = transparent(&new, "3f0050156432")?;
            if transparent(&old, &active_path)? == new_file {
                return Ok("nothing to update".into());
            }
            let r = scboot_card::ota::replace_bootstrap(&mut card, &keys, &new_file)?;
            card.image().save(image)?;
            Ok(format!(
                "updated over SCP03: bootstrap data written to {:02x}{:02x}, DODF switched from {:02x}{:02x} in one byte",
                r.to[0], r.to[1], r.from[0], r.from[1]
            ))
        }
    }
}
