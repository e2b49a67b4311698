//! `scboot`: the command line of the scboot kernel.
//!
//! * `scboot inspect [--format F] [--json] [--hex] FILE`: decode a card file.
//! * `scboot scp03 trace ...`: replay the host side of a captured SCP03 session.
//! * `scboot bootstrap`: run the smartcard bootstrap procedure and print the accounts.
//! * `scboot card build|serve|update`: virtual card images.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod bootstrap_cmd;
mod card_cmd;
mod hexio;
mod inspect;
mod pcsc_card;
mod trace;

#[derive(Parser, Debug)]
#[command(
    name = "scboot",
    version,
    about = "LwM2M bootstrap from a smartcard: inspect, trace, bootstrap"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Bootstrap from a smartcard (default: the built-in demo card, in-process).
    Bootstrap(Box<bootstrap_cmd::BootstrapArgs>),
    /// Virtual card images: build, serve over vpcd, update over SCP03.
    Card {
        #[command(subcommand)]
        command: card_cmd::CardCommand,
    },
    /// Decode EF.DIR, ODF, DODF, TokenInfo, a bootstrap file or LwM2M TLV.
    Inspect {
        /// The file format (auto: pick it from the structure).
        #[arg(long, value_enum, default_value = "auto")]
        format: inspect::Format,
        /// Print JSON (lowercase hex strings) instead of a tree.
        #[arg(long)]
        json: bool,
        /// The file holds hex text (whitespace ignored).
        #[arg(long)]
        hex: bool,
        /// The file to read; `-` for stdin.
        file: String,
    },
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

fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Inspect {
            format,
            json,
            hex,
            file,
        } => {
            let bytes = hexio::read_input(&file, hex)?;
            inspect::inspect(&bytes, format, json)
        }
        Command::Bootstrap(args) => bootstrap_cmd::bootstrap(&args),
        Command::Card { command } => card_cmd::card(&command),
        Command::Scp03 {
            command: Scp03Command::Trace(args),
        } => trace::trace(&args),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) => write_stdout(&out),
        Err(msg) => {
            eprintln!("scboot: {msg}");
            ExitCode::from(1)
        }
    }
}

/// Writes the command's output; a reader that went away early (`| head`,
/// `| grep -q`) is not an error of ours, any other write failure is.
fn write_stdout(out: &str) -> ExitCode {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let result = stdout
        .write_all(out.as_bytes())
        .and_then(|()| {
            if out.ends_with('\n') {
                Ok(())
            } else {
                stdout.write_all(b"\n")
            }
        })
        .and_then(|()| stdout.flush());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scboot: writing output: {e}");
            ExitCode::from(1)
        }
    }
}
