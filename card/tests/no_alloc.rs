//! The kernel's whole procedure (EF.DIR, channel, SCP03 at 33, PKCS#15
//! walk, bootstrap read, parse, accounts) and one change-monitor check make
//! zero heap allocations; so do SCP03 host and card sessions at every level.
//! Only the kernel is counted: the virtual card (a std test double) is
//! switched off the count while it answers.
#![allow(unsafe_code)] // a counting GlobalAlloc needs `unsafe impl`; the kernel itself forbids unsafe.

#[path = "../../kernel/tests/common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocations, uncounted, Counting};

use scboot::lwm2m::accounts;
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Card, Config};
use scboot::scp03::*;
use scboot_card::config::{build, CardConfig, DEMO_CONFIG};
use scboot_card::VirtualCard;

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The virtual card, off the count while it computes its answer.
struct Uncounted(VirtualCard);

impl Card for Uncounted {
    type Error = <VirtualCard as Card>::Error;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error> {
        uncounted(|| self.0.transmit(command, response))
    }
}

#[test]
fn whole_procedure_and_check_allocate_nothing() {
    let cfg = CardConfig::parse(DEMO_CONFIG).unwrap();
    let image = build(&cfg).unwrap();
    let keys = image.keys.static_keys().unwrap();
    let mut card = Uncounted(VirtualCard::new(image).unwrap());
    let mut ws = vec![0u8; 4096];
    let mut ws2 = vec![0u8; 4096];
    let mut monitor = Monitor::new();
    let (n, verdict) = allocations(|| {
        let first = run(&mut card, &keys, Config::new([1; 16]), &mut ws, None).unwrap();
        let accounts_ok = accounts(&first.file).filter(|a| a.is_ok()).count();
        monitor.applied(&first);
        let again = run(&mut card, &keys, Config::new([2; 16]), &mut ws2, None);
        let v = monitor.check(again).unwrap();
        (accounts_ok, matches!(v, Verdict::Unchanged))
    });
    assert_eq!(verdict, (2, true), "two accounts, then Unchanged");
    assert_eq!(n, 0, "the kernel allocated {n} times");
    // The count works: a card that allocates while counted is seen.
    let (n, _) = allocations(|| vec![0u8; 8]);
    assert_eq!(n, 1);
}

#[test]
fn scp03_sessions_allocate_nothing() {
    for (i, mode) in [(0x70u8, Mode::S8), (0x71, Mode::S16)] {
        for key_len in [16usize, 24, 32] {
            for level in SecurityLevel::VALID {
                let k = StaticKeys::new(
                    0x30,
                    &vec![1; key_len],
                    &vec![2; key_len],
                    &vec![3; key_len],
                )
                .unwrap();
                let aid = scboot::dir::PKCS15_AID;
                let mut card =
                    CardChannel::new(k.clone(), scboot::scp03::CardConfig::new(i, aid).unwrap());
                let (n, ok) = allocations(|| {
                    let cfg = HostConfig::default()
                        .level(level)
                        .mode(mode)
                        .channel(1)
                        .card_aid(Some(aid));
                    let (mut a, mut b) = ([0u8; 512], [0u8; 512]);
                    let (hs, n) =
                        HostHandshake::start(&k, &cfg, &[9; 16][..mode.size()], &mut a).unwrap();
                    let m = card.initialize_update(&a[..n], &[], &mut b).unwrap();
                    let (p, n) = hs.authenticate(&k, &b[..m], &mut a).unwrap();
                    card.external_authenticate(&a[..n]).unwrap();
                    let mut host = p.confirm(0x9000).unwrap();
                    let cmd = [0x00, 0xB0, 0x00, 0x00, 0x03, 1, 2, 3, 0x00];
                    let n = host.wrap(&cmd, &mut a).unwrap();
                    let m = card.unwrap_command(&a[..n], &mut b).unwrap();
                    // The card gives back the command (its class byte on channel 1).
                    let plain_ok = m == cmd.len() && b[1..m] == cmd[1..];
                    let n = card.wrap_response(&[7; 40], 0x9000, &mut a).unwrap();
                    let r = host.unwrap(&a[..n], &mut b).unwrap();
                    plain_ok && b[..r.len] == [7; 40]
                });
                assert!(ok, "{level:?} {mode:?} {key_len}");
                assert_eq!(n, 0, "{level:?} {mode:?} AES-{}", key_len * 8);
            }
        }
    }
}
