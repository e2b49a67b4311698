//! The procedure and the monitor over `AT+CSIM` text to a modem model that
//! holds the virtual card: the bootstrap works, `+CME ERROR: 10` (SIM not
//! inserted) is a removal, `+CME ERROR: 14` (SIM busy) changes nothing.

use scboot::at_csim::{self, AtError};
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Card, Config};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

/// A modem: takes command lines, answers with the text a modem sends.
struct Modem {
    card: VirtualCard,
    /// When set, the modem answers this instead of asking the card.
    error: Option<&'static str>,
}

impl Modem {
    fn line(&mut self, line: &[u8]) -> Vec<u8> {
        if let Some(e) = self.error {
            return format!("\r\n{e}\r\n").into_bytes();
        }
        let text = std::str::from_utf8(line).unwrap();
        let (len, hex) = text
            .strip_prefix("AT+CSIM=")
            .and_then(|t| t.trim_end_matches('\r').split_once(','))
            .unwrap();
        let hex = hex.trim_matches('"');
        assert_eq!(len.parse::<usize>().unwrap(), hex.len());
        let r = self.card.process(&scboot_card::from_hex(hex).unwrap());
        let r = scboot_card::to_hex(&r).to_uppercase();
        format!("{text}\r\n+CSIM: {},\"{r}\"\r\n\r\nOK\r\n", r.len()).into_bytes()
    }
}

/// The device side: APDUs as AT+CSIM lines.
struct AtTransport<'m>(&'m mut Modem);

impl Card for AtTransport<'_> {
    type Error = AtError;
    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, AtError> {
        let mut line = [0u8; 2 * 1100 + 20];
        let n = at_csim::command(command, &mut line)?;
        let reply = self.0.line(&line[..n]);
        at_csim::response(&reply, response)
    }
}

#[test]
fn bootstrap_and_check_over_at_csim() {
    let cfg = CardConfig::parse(DEMO_CONFIG).unwrap();
    let keys = cfg.static_keys().unwrap();
    let mut modem = Modem {
        card: VirtualCard::new(build(&cfg).unwrap()).unwrap(),
        error: None,
    };
    let mut ws = [0u8; 4096];
    let b = run(
        &mut AtTransport(&mut modem),
        &keys,
        Config::new([3; 16]),
        &mut ws,
        None,
    )
    .unwrap();
    assert_eq!(scboot::lwm2m::accounts(&b.file).count(), 2);
    let mut monitor = Monitor::new();
    monitor.applied(&b);

    // SIM busy: an error, the monitor keeps the data.
    modem.error = Some("+CME ERROR: 14");
    let mut ws = [0u8; 4096];
    let fresh = run(
        &mut AtTransport(&mut modem),
        &keys,
        Config::new([4; 16]),
        &mut ws,
        None,
    );
    assert_eq!(
        monitor.check(fresh).unwrap_err().to_string(),
        "card transport: Cme(14)"
    );
    assert!(monitor.holds_card_data());

    // Back: unchanged.
    modem.error = None;
    let mut ws = [0u8; 4096];
    let fresh = run(
        &mut AtTransport(&mut modem),
        &keys,
        Config::new([5; 16]),
        &mut ws,
        None,
    );
    assert_eq!(monitor.check(fresh), Ok(Verdict::Unchanged));

    // SIM not inserted: removed.
    modem.error = Some("+CME ERROR: SIM not inserted");
    let mut ws = [0u8; 4096];
    let fresh = run(
        &mut AtTransport(&mut modem),
        &keys,
        Config::new([6; 16]),
        &mut ws,
        None,
    );
    assert_eq!(monitor.check(fresh), Ok(Verdict::Removed));
    assert!(!monitor.holds_card_data());
}
