//! Record the card side of two runs of the procedure against the demo card
//! (a bootstrap with host challenge 11.., then a check with 22..; SCP03 at
//! level 33, S8, a logical channel) for the Cortex-M firmware to replay:
//! `cargo run -q -p scboot-card --example mcu-transcript -- embedded/transcript.bin`
//!
//! Format: `SCBT`, the number of runs (u8); per run the number of
//! exchanges (u16, big-endian); per exchange the command and the response,
//! each as a u16 length and the bytes.
//!
//! It also prints the SHA-256 digest of the bootstrap data as the host
//! computes it (`digest: <hex>`): the firmware prints its own, and
//! `scripts/mcu.sh` requires the two to be equal.

use scboot::procedure::{run, Card, Config};
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

struct Recorder<'c> {
    card: &'c mut VirtualCard,
    exchanges: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Card for Recorder<'_> {
    type Error = std::convert::Infallible;
    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error> {
        let r = self.card.process(command);
        response[..r.len()].copy_from_slice(&r);
        self.exchanges.push((command.to_vec(), r.clone()));
        Ok(r.len())
    }
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "embedded/transcript.bin".into());
    let cfg = CardConfig::parse(DEMO_CONFIG).expect("demo");
    let keys = cfg.static_keys().expect("keys");
    let mut card = VirtualCard::new(build(&cfg).expect("card")).expect("card");
    let mut bytes = b"SCBT".to_vec();
    let challenges = [[0x11u8; 16], [0x22u8; 16]];
    bytes.push(challenges.len() as u8);
    let mut digests = Vec::new();
    for hc in challenges {
        let mut rec = Recorder {
            card: &mut card,
            exchanges: Vec::new(),
        };
        let mut ws = [0u8; 1024];
        let b =
            run(&mut rec, &keys, Config::new(hc), &mut ws, None).expect("the demo card bootstraps");
        digests.push(b.provenance.digest);
        bytes.extend((rec.exchanges.len() as u16).to_be_bytes());
        for (c, r) in &rec.exchanges {
            for part in [c, r] {
                bytes.extend((part.len() as u16).to_be_bytes());
                bytes.extend(part);
            }
        }
    }
    std::fs::write(&out, &bytes).expect("write the transcript");
    println!("{out}: {} bytes", bytes.len());
    assert_eq!(digests[0], digests[1], "the demo card changed between runs");
    let hex: String = digests[0].iter().map(|b| format!("{b:02x}")).collect();
    println!("digest: {hex}");
}
