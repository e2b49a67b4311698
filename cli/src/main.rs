//! `scboot`: the command line of the scboot kernel.
//!
//! * `scboot bootstrap`: run the smartcard bootstrap procedure and print
//!   the bootstrap information.
//! * `scboot readers`: the PC/SC readers, whether a card is present, its ATR.
//! * `scboot card build|serve|update|dump`: virtual card images, and a dump
//!   of a real card's PKCS#15 files.
//! * `scboot public-key|sign|verify --label L`: the card's keys at work
//!   (DM-SC-GEN-9).
//! * `scboot inspect [--format F] [--json] [--hex] FILE`: decode a card file.
//! * `scboot scp03 trace ...`: replay the host side of a captured SCP03 session.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bootstrap_cmd;
mod card_cmd;
mod hexio;
mod inspect;
mod jsonw;
mod key_cmd;
mod pcsc_card;
mod registry;
mod session;
mod trace;

/// The exit status of a command that printed its report but found that a
/// verification failed (a MAC, a cryptogram, a signature).
pub const VERIFICATION_FAILED: u8 = 3;

/// Why a command failed: the message for stderr and the exit status.
#[derive(Debug)]
pub struct Failure {
    /// One line for the user (empty: say nothing).
    pub message: String,
    /// The exit status.
    pub code: u8,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure { message, code: 1 }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::from(message.to_string())
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            // The reader went away (`| head`, `| grep -q`): not our failure.
            Failure {
                message: String::new(),
                code: 0,
            }
        } else {
            Failure::from(format!("writing output: {e}"))
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "scboot",
    version,
    about = "LwM2M bootstrap from a smartcard: bootstrap, inspect, trace, virtual cards",
    after_help = "\
Exit status: 0 success; 1 failure (the message on stderr says what to do);
2 usage error; 3 a verification failed (scp03 trace: the report is printed)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Bootstrap from a smartcard (default: the built-in demo card, in-process).
    Bootstrap(Box<bootstrap_cmd::BootstrapArgs>),
    /// List the PC/SC readers: card present or not, ATR.
    Readers,
    /// Virtual card images (build, serve over vpcd, update over SCP03), and
    /// a dump of a card's PKCS#15 files.
    Card {
        #[command(subcommand)]
        command: card_cmd::CardCommand,
    },
    /// Decode EF.DIR, ODF, DODF, TokenInfo, a bootstrap file or LwM2M TLV.
    #[command(after_help = "\
Inputs above 64 KiB (65536 bytes) are refused: no card file is larger.
Tree offsets are decimal byte offsets from the start of the input, written
`@` and at least four digits (@0052); errors report the same numbers.
Exit status: 0 decoded; 1 malformed or too large (nothing on stdout); 2 usage.")]
    Inspect {
        /// The file format (auto: pick it from the structure).
        #[arg(long, value_enum, default_value = "auto")]
        format: inspect::Format,
        /// Print JSON (lowercase hex strings) instead of a tree.
        #[arg(long)]
        json: bool,
        /// The file holds hex text (whitespace and `:` ignored).
        #[arg(long)]
        hex: bool,
        /// The file to read; `-` for stdin.
        file: String,
    },
    /// Print a card key's public key (hex of the SEC1 point 04 || X || Y).
    #[command(name = "public-key")]
    PublicKey(Box<key_cmd::PublicKeyArgs>),
    /// Have the card sign FILE: ECDSA P-256 (r || s, hex) over SHA-256(FILE)
    /// with an EC key, or AES-CMAC of FILE with an AES key.
    #[command(after_help = "Exit status: 0 signed (the signature on stdout); 1 failure; 2 usage.")]
    Sign(Box<key_cmd::SignArgs>),
    /// Verify a signature or checksum over FILE with a card key.
    #[command(after_help = "\
Exit status: 0 genuine; 3 not genuine (the verdict on stdout); 1 failure
(no such key, a card error, a malformed signature); 2 usage.")]
    Verify(Box<key_cmd::VerifyArgs>),
    /// GlobalPlatform SCP03 tools.
    Scp03 {
        #[command(subcommand)]
        command: Scp03Command,
    },
}

#[derive(Subcommand, Debug)]
enum Scp03Command {
    /// Derive the session keys and cryptograms of a captured session, wrap its
    /// commands and unwrap its responses; print JSON (lowercase hex).
    Trace(Box<trace::TraceArgs>),
}

/// Run a command, writing its report to `out`; the exit status.
fn run(cli: Cli, out: &mut dyn Write) -> Result<u8, Failure> {
    match cli.command {
        Command::Inspect {
            format,
            json,
            hex,
            file,
        } => {
            let bytes = hexio::read_input(&file, hex, inspect::MAX_INPUT)?;
            inspect::inspect(&bytes, format, json, out)?;
            Ok(0)
        }
        Command::Bootstrap(args) => bootstrap_cmd::bootstrap(&args, out),
        Command::Readers => pcsc_card::readers(out),
        Command::PublicKey(a) => key_cmd::public_key(&a, out),
        Command::Sign(a) => key_cmd::sign(&a, out),
        Command::Verify(a) => key_cmd::verify(&a, out),
        Command::Card { command } => card_cmd::card(&command, out),
        Command::Scp03 {
            command: Scp03Command::Trace(args),
        } => trace::trace(&args, out),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = run(cli, &mut out).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Ok(code) => ExitCode::from(code),
        Err(f) => {
            // A failed command prints nothing on stdout: what it buffered goes.
            drop(out.into_parts());
            if !f.message.is_empty() {
                eprintln!("scboot: {}", f.message);
            }
            ExitCode::from(f.code)
        }
    }
}
