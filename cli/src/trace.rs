//! `scboot scp03 trace`: replay the host side of a captured SCP03 session.
//!
//! Exit status: 0 when everything verified (the card cryptogram, the
//! pseudo-random card challenge when `--aid` is given, every response's
//! R-MAC and padding); 3 when the JSON was printed but one of those
//! verifications failed; 1 for invalid input (bad hex, wrong lengths, a
//! command that is not an APDU, a level the card does not offer); 2 for
//! usage errors.

use std::io::Write;

use serde_json::{json, Value};

use scboot::apdu::Command;
use scboot::scp03::{
    pseudo_random_challenge, HostConfig, HostHandshake, InitUpdateResponse, Mode, Scp03Error,
    SecurityLevel, SessionKeys, StaticKeys,
};

use crate::hexio::{from_hex, to_hex};
use crate::jsonw::JsonWriter;
use crate::{Failure, VERIFICATION_FAILED};

/// The inputs of a trace (hex strings as given on the command line).
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Exit status:
  0  everything verified: card cryptogram, pseudo-random card challenge (with --aid),
     every response's R-MAC and padding
  3  the JSON was printed, but a verification failed (its \"error\" fields say which)
  1  invalid input (hex, lengths, a command that is not an APDU, a level the card
     does not offer, more responses than commands)
  2  usage error")]
pub struct TraceArgs {
    /// Key-ENC (16, 24 or 32 bytes, hex).
    #[arg(long)]
    key_enc: String,
    /// Key-MAC (hex).
    #[arg(long)]
    key_mac: String,
    /// Key-DEK (hex; not used by the trace, defaults to Key-ENC).
    #[arg(long)]
    key_dek: Option<String>,
    /// The host challenge sent in INITIALIZE UPDATE (8 bytes S8, 16 bytes S16).
    #[arg(long)]
    host_challenge: String,
    /// The INITIALIZE UPDATE response data, without the status word.
    #[arg(long)]
    card_response: String,
    /// The security level of EXTERNAL AUTHENTICATE (hex), default 33.
    #[arg(long, default_value = "33")]
    level: String,
    /// The key version number sent in INITIALIZE UPDATE (hex); default: the card's.
    #[arg(long)]
    kvn: Option<String>,
    /// The logical channel (0..=19).
    #[arg(long, default_value_t = 0)]
    channel: u8,
    /// The application AID, to check a pseudo-random card challenge.
    #[arg(long)]
    aid: Option<String>,
    /// Plain command APDUs to wrap, in order (none: a handshake-only trace).
    #[arg(long = "apdu", num_args = 1..)]
    apdus: Vec<String>,
    /// Wire responses (with SW) to unwrap, one per command, in order.
    #[arg(long = "response", num_args = 1..)]
    responses: Vec<String>,
}

fn hex_arg(name: &str, s: &str) -> Result<Vec<u8>, Failure> {
    from_hex(s).map_err(|e| format!("--{name}: {e}").into())
}

fn hex_byte(name: &str, s: &str) -> Result<u8, Failure> {
    u8::from_str_radix(s.trim_start_matches("0x"), 16)
        .map_err(|_| format!("--{name}: not a hex byte: {s}").into())
}

/// Whether an SCP03 error is a failed verification of captured data (exit
/// 3) rather than inconsistent input (exit 1).
fn is_verification(e: &Scp03Error) -> bool {
    matches!(
        e,
        Scp03Error::CardCryptogramMismatch
            | Scp03Error::CardChallengeMismatch
            | Scp03Error::RMacMismatch
            | Scp03Error::BadPadding
            | Scp03Error::MalformedResponse(_)
            | Scp03Error::SessionTerminated
    )
}

/// Run the trace: JSON on `out`; the exit status (0, or 3 when a
/// verification failed).
pub fn trace(a: &TraceArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let enc = hex_arg("key-enc", &a.key_enc)?;
    let mac = hex_arg("key-mac", &a.key_mac)?;
    let dek = match &a.key_dek {
        Some(d) => hex_arg("key-dek", d)?,
        None => enc.clone(),
    };
    let hc = hex_arg("host-challenge", &a.host_challenge)?;
    let resp = hex_arg("card-response", &a.card_response)?;
    let level = SecurityLevel::new(hex_byte("level", &a.level)?)
        .map_err(|e| Failure::from(format!("--level: {e}")))?;
    let i = *resp
        .get(12)
        .ok_or("--card-response: shorter than 13 bytes")?;
    let mode = Mode::from_i(i);
    if hc.len() != mode.size() {
        return Err(format!(
            "--host-challenge is {} bytes but the card's i ({i:02x}) says {:?}: {} bytes",
            hc.len(),
            mode,
            mode.size()
        )
        .into());
    }
    let kvn = match &a.kvn {
        Some(k) => hex_byte("kvn", k)?,
        None => resp[10],
    };
    let keys = StaticKeys::new(kvn, &enc, &mac, &dek)
        .map_err(|e| Failure::from(format!("--key-enc/--key-mac/--key-dek: {e}")))?;
    let parsed = InitUpdateResponse::parse(&resp, mode)
        .map_err(|e| Failure::from(format!("--card-response: {e}")))?;
    let aid = a.aid.as_deref().map(|s| hex_arg("aid", s)).transpose()?;
    if a.responses.len() > a.apdus.len() {
        return Err(format!(
            "{} --response values for {} --apdu commands: one response per command",
            a.responses.len(),
            a.apdus.len()
        )
        .into());
    }
    // Every command must be an APDU and every response hex, before any output.
    let commands = a
        .apdus
        .iter()
        .map(|c| {
            let bytes = hex_arg("apdu", c)?;
            Command::parse(&bytes).map_err(|e| format!("--apdu {c}: {e}"))?;
            Ok(bytes)
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let wires = a
        .responses
        .iter()
        .map(|r| hex_arg("response", r))
        .collect::<Result<Vec<_>, Failure>>()?;

    let sk = SessionKeys::derive(&keys, &hc, parsed.card_challenge())
        .map_err(|e| Failure::from(e.to_string()))?;
    let m = mode.size();
    let card_cg = sk
        .card_cryptogram(mode, &hc, parsed.card_challenge())
        .map_err(|e| Failure::from(e.to_string()))?;
    let host_cg = sk
        .host_cryptogram(mode, &hc, parsed.card_challenge())
        .map_err(|e| Failure::from(e.to_string()))?;
    let card_ok = card_cg[..m] == *parsed.card_cryptogram();
    let mut verified = card_ok;

    let cfg = HostConfig::default()
        .level(level)
        .mode(mode)
        .channel(a.channel)
        .card_aid(None);
    let mut buf = vec![0u8; 70_000];
    let (hs, n) = HostHandshake::start(&keys, &cfg, &hc, &mut buf)
        .map_err(|e| Failure::from(format!("--channel/--level: {e}")))?;
    let initialize_update = to_hex(&buf[..n]);
    let authenticated = hs.authenticate(&keys, &resp, &mut buf);
    if let Err(e) = &authenticated {
        if !is_verification(e) {
            return Err(format!("--card-response: {e}").into());
        }
    }

    // The whole report is built first (its size is bounded by the command
    // line), so that an error never leaves half a JSON document on stdout.
    let mut o = serde_json::Map::new();
    o.insert("mode".into(), json!(format!("{mode:?}")));
    o.insert("i".into(), json!(format!("{i:02x}")));
    o.insert("s_enc".into(), json!(to_hex(sk.s_enc())));
    o.insert("s_mac".into(), json!(to_hex(sk.s_mac())));
    o.insert("s_rmac".into(), json!(to_hex(sk.s_rmac())));
    o.insert("card_cryptogram".into(), json!(to_hex(&card_cg[..m])));
    o.insert("host_cryptogram".into(), json!(to_hex(&host_cg[..m])));
    o.insert("card_cryptogram_ok".into(), json!(card_ok));
    if let (Some(aid), Some(seq)) = (&aid, parsed.sequence_counter) {
        let expected = pseudo_random_challenge(&keys, mode, seq, aid)
            .map_err(|e| Failure::from(e.to_string()))?;
        let ok = expected[..m] == *parsed.card_challenge();
        verified &= ok;
        o.insert("card_challenge_ok".into(), json!(ok));
    }
    o.insert("initialize_update".into(), json!(initialize_update));
    let mut commands_out = Vec::new();
    let mut responses_out = Vec::new();
    match authenticated {
        Err(e) => {
            verified = false;
            o.insert("external_authenticate".into(), Value::Null);
            o.insert("error".into(), json!(e.to_string()));
        }
        Ok((pending, n)) => {
            o.insert("external_authenticate".into(), json!(to_hex(&buf[..n])));
            let mut host = pending
                .confirm(0x9000)
                .map_err(|e| Failure::from(e.to_string()))?;
            let mut plain = vec![0u8; 70_000];
            for (k, cmd) in commands.iter().enumerate() {
                match host.wrap(cmd, &mut buf) {
                    Ok(n) => commands_out.push(json!(to_hex(&buf[..n]))),
                    // Too long to wrap at this level: input the session cannot carry.
                    Err(e) => return Err(format!("--apdu {}: {e}", a.apdus[k]).into()),
                }
                if let Some(wire) = wires.get(k) {
                    match host.unwrap(wire, &mut plain) {
                        Ok(r) => responses_out.push(json!({
                            "data": to_hex(&plain[..r.len]),
                            "sw": format!("{:04x}", r.sw),
                        })),
                        Err(e) => {
                            verified = false;
                            responses_out.push(json!({ "error": e.to_string() }));
                            break;
                        }
                    }
                }
            }
        }
    }
    o.insert("commands".into(), Value::Array(commands_out));
    o.insert("responses".into(), Value::Array(responses_out));
    JsonWriter::new(out).value(&Value::Object(o))?;
    Ok(if verified { 0 } else { VERIFICATION_FAILED })
}
