//! `scboot scp03 trace`: replay the host side of a captured SCP03 session.

use serde_json::{json, Value};

use scboot::scp03::{
    pseudo_random_challenge, HostConfig, HostHandshake, InitUpdateResponse, Mode, SecurityLevel,
    SessionKeys, StaticKeys,
};

use crate::hexio::{from_hex, to_hex};

/// The inputs of a trace (hex strings as given on the command line).
#[derive(Debug, clap::Args)]
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
    /// Plain command APDUs to wrap, in order.
    #[arg(long = "apdu", num_args = 1.., required = true)]
    apdus: Vec<String>,
    /// Wire responses (with SW) to unwrap, one per command, in order.
    #[arg(long = "response", num_args = 1..)]
    responses: Vec<String>,
}

fn hex_arg(name: &str, s: &str) -> Result<Vec<u8>, String> {
    from_hex(s).map_err(|e| format!("--{name}: {e}"))
}

/// Run the trace; the JSON text, or the error message.
pub fn trace(a: &TraceArgs) -> Result<String, String> {
    let enc = hex_arg("key-enc", &a.key_enc)?;
    let mac = hex_arg("key-mac", &a.key_mac)?;
    let dek = match &a.key_dek {
        Some(d) => hex_arg("key-dek", d)?,
        None => enc.clone(),
    };
    let hc = hex_arg("host-challenge", &a.host_challenge)?;
    let resp = hex_arg("card-response", &a.card_response)?;
    let level_byte = u8::from_str_radix(a.level.trim_start_matches("0x"), 16)
        .map_err(|_| format!("--level: not a hex byte: {}", a.level))?;
    let level = SecurityLevel::new(level_byte).map_err(|e| format!("--level: {e}"))?;
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
        ));
    }
    let kvn = match &a.kvn {
        Some(k) => u8::from_str_radix(k.trim_start_matches("0x"), 16)
            .map_err(|_| format!("--kvn: not a hex byte: {k}"))?,
        None => resp[10],
    };
    let keys = StaticKeys::new(kvn, &enc, &mac, &dek).map_err(|e| format!("keys: {e}"))?;
    let parsed =
        InitUpdateResponse::parse(&resp, mode).map_err(|e| format!("--card-response: {e}"))?;
    let sk = SessionKeys::derive(&keys, &hc, parsed.card_challenge()).map_err(|e| e.to_string())?;
    let m = mode.size();
    let card_cg = sk
        .card_cryptogram(mode, &hc, parsed.card_challenge())
        .map_err(|e| e.to_string())?;
    let host_cg = sk
        .host_cryptogram(mode, &hc, parsed.card_challenge())
        .map_err(|e| e.to_string())?;
    let card_ok = card_cg[..m] == *parsed.card_cryptogram();
    let aid = a.aid.as_deref().map(|s| hex_arg("aid", s)).transpose()?;

    let mut out = serde_json::Map::new();
    out.insert("mode".into(), json!(format!("{mode:?}")));
    out.insert("i".into(), json!(format!("{i:02x}")));
    out.insert("s_enc".into(), json!(to_hex(sk.s_enc())));
    out.insert("s_mac".into(), json!(to_hex(sk.s_mac())));
    out.insert("s_rmac".into(), json!(to_hex(sk.s_rmac())));
    out.insert("card_cryptogram".into(), json!(to_hex(&card_cg[..m])));
    out.insert("host_cryptogram".into(), json!(to_hex(&host_cg[..m])));
    out.insert("card_cryptogram_ok".into(), json!(card_ok));
    if let (Some(aid), Some(seq)) = (&aid, parsed.sequence_counter) {
        let expected = pseudo_random_challenge(&keys, mode, seq, aid).map_err(|e| e.to_string())?;
        out.insert(
            "card_challenge_ok".into(),
            json!(expected[..m] == *parsed.card_challenge()),
        );
    }

    let cfg = HostConfig {
        level,
        mode,
        channel: a.channel,
        card_aid: None,
    };
    let mut buf = vec![0u8; 70_000];
    let (hs, n) = HostHandshake::start(&keys, &cfg, &hc, &mut buf).map_err(|e| e.to_string())?;
    out.insert("initialize_update".into(), json!(to_hex(&buf[..n])));
    let mut commands = Vec::new();
    let mut responses = Vec::new();
    match hs.authenticate(&keys, &resp, &mut buf) {
        Err(e) => {
            out.insert("external_authenticate".into(), Value::Null);
            out.insert("error".into(), json!(e.to_string()));
        }
        Ok((pending, n)) => {
            out.insert("external_authenticate".into(), json!(to_hex(&buf[..n])));
            let mut host = pending.confirm(0x9000).map_err(|e| e.to_string())?;
            let mut plain = vec![0u8; 70_000];
            for (k, apdu) in a.apdus.iter().enumerate() {
                let cmd = hex_arg("apdu", apdu)?;
                match host.wrap(&cmd, &mut buf) {
                    Ok(n) => commands.push(json!(to_hex(&buf[..n]))),
                    Err(e) => {
                        commands.push(json!({ "error": e.to_string() }));
                        break;
                    }
                }
                if let Some(r) = a.responses.get(k) {
                    let wire = hex_arg("response", r)?;
                    match host.unwrap(&wire, &mut plain) {
                        Ok(r) => responses.push(json!({ "data": to_hex(&plain[..r.len]), "sw": format!("{:04x}", r.sw) })),
                        Err(e) => {
                            responses.push(json!({ "error": e.to_string() }));
                            break;
                        }
                    }
                }
            }
        }
    }
    out.insert("commands".into(), Value::Array(commands));
    out.insert("responses".into(), Value::Array(responses));
    serde_json::to_string_pretty(&Value::Object(out)).map_err(|e| e.to_string())
}
