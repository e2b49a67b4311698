//! Valgrind secret-poisoning gate for scboot's SCP03 engine.
//!
//! Run under `valgrind --error-exitcode=1 ct-gate [run]`: static keys and
//! plaintexts are marked undefined, so memcheck reports any branch or memory
//! index that depends on them. The kernel (built with `--cfg scboot_ct_audit`) declassifies
//! only its public verdicts; the harness declassifies only wire bytes and
//! the outputs it compares. Zero errors means: key derivation, cryptograms,
//! C-MAC/C-DEC wrapping and unwrapping, R-MAC/R-ENC wrapping and unwrapping,
//! matching and mismatching, at every level, S8 and S16, do not branch or
//! index on a secret.
//!
//! Negative controls, each expected to FAIL under valgrind:
//! - `ct-gate leaky-control`: compares a kernel-computed MAC against a guess
//!   with an early-exit loop; memcheck must flag it.
//! - `ct-gate undeclassified-control`: runs the gate with the kernel's
//!   declassification switched off; memcheck must flag the kernel's own
//!   verdicts, which shows the poison reaches the comparisons.

use scboot::scp03::{Scp03Error, SecurityLevel};
use scboot_ct::{
    handshake, handshake_with_reference_card, public, random_bytes, secret_command, Case, Corrupt,
    Pair, Secrets,
};
use scboot_ct_hook as vg;
use std::process::ExitCode;

/// Command data lengths: empty, under a block, a block, odd, near the short
/// limit once padded and MACed.
const COMMAND_LENGTHS: [usize; 6] = [0, 1, 15, 16, 100, 223];
/// Response data lengths.
const RESPONSE_LENGTHS: [usize; 5] = [0, 1, 16, 100, 223];

struct Tally {
    checks: usize,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.failures.push(what());
        }
    }

    fn expect_err<T>(&mut self, got: Result<T, Scp03Error>, want: Scp03Error, what: &str) {
        let found = match &got {
            Ok(_) => "Ok".to_string(),
            Err(e) => format!("{e:?}"),
        };
        self.check(matches!(&got, Err(e) if *e == want), || {
            format!("{what}: expected {want:?}, got {found}")
        });
    }
}

/// Host wraps a `len`-byte command with secret data, the card unwraps it;
/// the wire is declassified on the way and the plain command must come back.
fn command_round_trip(pair: &mut Pair, len: usize, extended: bool) -> Result<(), String> {
    let (cmd, mut expected) = secret_command(len, extended);
    let mut w = vec![0u8; cmd.len() + 64];
    let n = pair
        .host
        .wrap(&cmd, &mut w)
        .map_err(|e| format!("wrap command {len}: {e}"))?;
    public(&mut w[..n]);
    let mut p = vec![0u8; n + 16];
    let m = pair
        .card
        .unwrap_command(&w[..n], &mut p)
        .map_err(|e| format!("unwrap command {len}: {e}"))?;
    public(&mut p[..m]);
    public(&mut expected);
    if p[..m] == expected[..] {
        Ok(())
    } else {
        Err(format!("command {len} unwrapped to other bytes"))
    }
}

/// One case: a full session with every command and response length, then
/// each mismatch on its own session.
fn run_case(case: Case, t: &mut Tally) {
    let label = case.label();
    let keys = Secrets::random(case.key_len);

    // Match: handshake, commands both ways, responses both ways.
    let mut pair = match handshake(&keys, case, Corrupt::Nothing) {
        Ok(p) => p,
        Err(e) => {
            t.check(false, || format!("{label}: handshake failed: {e}"));
            return;
        }
    };
    for (k, &len) in COMMAND_LENGTHS.iter().enumerate() {
        let r = command_round_trip(&mut pair, len, false);
        let failed = r.is_err();
        t.check(!failed, || format!("{label}: {}", r.unwrap_err()));
        if failed {
            return;
        }
        let rlen = RESPONSE_LENGTHS[k % RESPONSE_LENGTHS.len()];
        let mut data = random_bytes(rlen);
        let expected = data.clone();
        scboot_ct::poison(&mut data);
        let mut r = vec![0u8; rlen + 64];
        let n = match pair.card.wrap_response(&data, 0x9000, &mut r) {
            Ok(n) => n,
            Err(e) => return t.check(false, || format!("{label}: wrap response {rlen}: {e}")),
        };
        public(&mut r[..n]);
        let mut out = vec![0u8; n];
        match pair.host.unwrap(&r[..n], &mut out) {
            Ok(resp) => {
                public(&mut out[..resp.len]);
                t.check(out[..resp.len] == expected[..] && resp.sw == 0x9000, || {
                    format!("{label}: response {rlen} unwrapped to other bytes")
                });
            }
            Err(e) => return t.check(false, || format!("{label}: unwrap response {rlen}: {e}")),
        }
    }
    // An extended command (C-DEC over 1 KB) and a warning status word.
    {
        let r = command_round_trip(&mut pair, 1024, true);
        t.check(r.is_ok(), || format!("{label}: {}", r.unwrap_err()));
        let mut r = [0u8; 64];
        if let Ok(n) = pair.card.wrap_response(&[], 0x6310, &mut r) {
            public(&mut r[..n]);
            let mut out = [0u8; 16];
            let ok = matches!(pair.host.unwrap(&r[..n], &mut out), Ok(resp) if resp.sw == 0x6310 && resp.len == 0);
            t.check(ok, || format!("{label}: warning status word"));
        }
    }

    // Mismatches, each on a fresh session.
    if case.pseudo_random {
        t.expect_err(
            handshake(&keys, case, Corrupt::CardChallenge).map(|_| ()),
            Scp03Error::CardChallengeMismatch,
            &format!("{label}: card challenge"),
        );
    }
    t.expect_err(
        handshake(&keys, case, Corrupt::CardCryptogram).map(|_| ()),
        Scp03Error::CardCryptogramMismatch,
        &format!("{label}: card cryptogram"),
    );
    t.expect_err(
        handshake(&keys, case, Corrupt::HostCryptogram).map(|_| ()),
        Scp03Error::HostCryptogramMismatch,
        &format!("{label}: host cryptogram"),
    );
    if case.level.c_mac() {
        if let Ok(mut pair) = handshake(&keys, case, Corrupt::Nothing) {
            let (cmd, _) = secret_command(16, false);
            let mut w = vec![0u8; 128];
            if let Ok(n) = pair.host.wrap(&cmd, &mut w) {
                public(&mut w[..n]);
                w[n - 2] ^= 0x80; // last MAC byte (before Le)
                let mut p = [0u8; 128];
                let got = pair.card.unwrap_command(&w[..n], &mut p).map(|_| ());
                t.expect_err(got, Scp03Error::CMacMismatch, &format!("{label}: C-MAC"));
                t.check(!pair.card.is_open(), || {
                    format!("{label}: card open after bad C-MAC")
                });
            }
        }
    }
    if case.level.r_mac() {
        if let Ok(mut pair) = handshake(&keys, case, Corrupt::Nothing) {
            let (cmd, _) = secret_command(16, false);
            let (mut w, mut p, mut r) = ([0u8; 128], [0u8; 128], [0u8; 128]);
            let n = pair.host.wrap(&cmd, &mut w).unwrap_or(0);
            public(&mut w[..n]);
            let ok = pair.card.unwrap_command(&w[..n], &mut p).is_ok();
            let mut data = random_bytes(32);
            scboot_ct::poison(&mut data);
            if let (true, Ok(n)) = (ok, pair.card.wrap_response(&data, 0x9000, &mut r)) {
                public(&mut r[..n]);
                r[n - 3] ^= 0x01; // last R-MAC byte (before SW)
                let mut out = [0u8; 128];
                let got = pair.host.unwrap(&r[..n], &mut out).map(|_| ());
                t.expect_err(got, Scp03Error::RMacMismatch, &format!("{label}: R-MAC"));
                t.check(!pair.host.is_open(), || {
                    format!("{label}: host open after bad R-MAC")
                });
            } else {
                t.check(false, || format!("{label}: R-MAC mismatch setup"));
            }
        }
    }
    // R-ENC: a good R-MAC over good and bad paddings (crafted by the
    // reference card): the padding check itself runs on secret plaintext.
    if case.level.r_enc() {
        let mut good = [0u8; 16];
        good[..7].copy_from_slice(&random_bytes(7));
        good[7] = 0x80;
        let mut no_marker = [0u8; 16];
        no_marker[..15].copy_from_slice(&random_bytes(15));
        no_marker[15] = 0x01;
        let mut junk_after = good;
        junk_after[12] = 0x01;
        // Multi-block padding as the field sends it: 11 data bytes, 80,
        // then 20 bytes of 00; a marker in the first of four blocks; and
        // the same shapes made bad in a later block.
        let mut field = [0u8; 32];
        field[..11].copy_from_slice(&random_bytes(11));
        field[11] = 0x80;
        let mut four = [0u8; 64];
        four[..5].copy_from_slice(&random_bytes(5));
        four[5] = 0x80;
        let mut four_junk = four;
        four_junk[50] = 0x01;
        let mut three_no_marker = [0u8; 48];
        three_no_marker[..9].copy_from_slice(&random_bytes(9));
        three_no_marker[8] = 0x01;
        let cases: [(&[u8], Result<usize, Scp03Error>); 8] = [
            (&good, Ok(7)),
            (&no_marker, Err(Scp03Error::BadPadding)),
            (&junk_after, Err(Scp03Error::BadPadding)),
            (&[0u8; 16], Err(Scp03Error::BadPadding)),
            (&field, Ok(11)),
            (&four, Ok(5)),
            (&four_junk, Err(Scp03Error::BadPadding)),
            (&three_no_marker, Err(Scp03Error::BadPadding)),
        ];
        for (block, want) in cases {
            let mut s = match handshake_with_reference_card(&keys, case) {
                Ok(s) => s,
                Err(e) => return t.check(false, || format!("{label}: reference handshake: {e}")),
            };
            if let Err(e) = s.exchange_command(16) {
                return t.check(false, || format!("{label}: reference command: {e}"));
            }
            let r = s.craft_response(block);
            let mut out = [0u8; 96];
            let got = s.host.unwrap(&r, &mut out).map(|resp| resp.len);
            t.check(got == want, || {
                format!("{label}: crafted padding {block:02x?}: expected {want:?}, got {got:?}")
            });
        }
    }
}

/// C-DECRYPTION with field padding: the reference host pads a secret
/// command with one and three extra blocks of `00`; the kernel card must
/// unwrap it to the same command, its padding check running on the
/// decrypted (secret) bytes.
fn field_padded_commands(case: Case, t: &mut Tally) {
    if !case.level.c_dec() {
        return;
    }
    let label = case.label();
    let keys = Secrets::random(case.key_len);
    let mut s = match scboot_ct::handshake_with_reference_host(&keys, case) {
        Ok(s) => s,
        Err(e) => return t.check(false, || format!("{label}: reference host handshake: {e}")),
    };
    for (len, extra) in [(11usize, 1usize), (40, 3), (16, 2)] {
        let mut cmd = vec![0x80, 0xE2, 0x00, 0x00, len as u8];
        cmd.extend_from_slice(&random_bytes(len));
        let got = s.padded_command(&cmd, extra);
        t.check(got.as_deref() == Ok(&cmd[..]), || {
            format!("{label}: C-DEC with {extra} extra padding blocks: {got:02x?}")
        });
    }
}

fn run_gate() -> Tally {
    let mut t = Tally {
        checks: 0,
        failures: Vec::new(),
    };
    let cases = Case::all();
    for &case in &cases {
        run_case(case, &mut t);
        field_padded_commands(case, &mut t);
    }
    package_checksums(&mut t);
    println!(
        "ct-gate: {} cases ({} levels x S8/S16 x AES-128/192/256 x random/pseudo-random challenge), {} checks",
        cases.len(),
        SecurityLevel::VALID.len(),
        t.checks
    );
    t
}

/// The device's comparison of a package's checksum with the card's
/// (DM-SC-GEN-9): both secret-derived, poisoned; equal, and wrong in the
/// first, a middle and the last byte. Only the verdict is declassified.
fn package_checksums(t: &mut Tally) {
    for wrong_at in [None, Some(0), Some(7), Some(15)] {
        let mut computed = scboot_ct::random_bytes(16);
        let mut received = computed.clone();
        if let Some(i) = wrong_at {
            received[i] ^= 0x01;
        }
        scboot_ct::poison(&mut computed);
        scboot_ct::poison(&mut received);
        let verdict = scboot::ct_audit::checksum_matches(&received, &computed);
        t.checks += 1;
        if verdict != wrong_at.is_none() {
            t.failures.push(format!(
                "package checksum, wrong at {wrong_at:?}: verdict {verdict}"
            ));
        }
    }
}

/// A deliberately leaky comparison of a secret-derived MAC: memcheck must
/// report the early-exit branch.
fn leaky_control() -> bool {
    let case = Case {
        key_len: 16,
        mode: scboot::scp03::Mode::S8,
        level: SecurityLevel::C_MAC,
        pseudo_random: false,
    };
    let keys = Secrets::random(16);
    let Ok(mut pair) = handshake(&keys, case, Corrupt::Nothing) else {
        return false;
    };
    let (cmd, _) = secret_command(16, false);
    let mut w = [0u8; 128];
    let Ok(n) = pair.host.wrap(&cmd, &mut w) else {
        return false;
    };
    // The wire MAC, NOT declassified: a MAC computed under a secret key.
    let mac = &w[n - 9..n - 1];
    let guess = [0u8; 8];
    let mut equal = true;
    for (a, b) in mac.iter().zip(guess.iter()) {
        if a != b {
            equal = false;
            break;
        }
    }
    std::hint::black_box(equal)
}

fn main() -> ExitCode {
    scboot_ct::install_declassifier();
    let mode = std::env::args().nth(1).unwrap_or_else(|| "run".into());
    let on_valgrind = vg::running_on_valgrind() > 0;
    if !on_valgrind {
        eprintln!(
            "ct-gate: not running under valgrind: functional checks only; \
             run `valgrind --error-exitcode=1 {}` for the constant-time gate",
            std::env::args().next().unwrap_or_default()
        );
    }
    let before = vg::error_count();
    match mode.as_str() {
        "run" => {
            let t = run_gate();
            for f in &t.failures {
                eprintln!("ct-gate: FAILED {f}");
            }
            let leaks = vg::error_count() - before;
            println!("ct-gate: memcheck errors (secret-dependent branches or addresses): {leaks}");
            if t.failures.is_empty() && leaks == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        "leaky-control" => {
            let _ = leaky_control();
            let flagged = vg::error_count() - before;
            println!(
                "ct-gate leaky-control: memcheck errors {flagged} (must be > 0 under valgrind)"
            );
            ExitCode::SUCCESS
        }
        "undeclassified-control" => {
            vg::set_declassify(false);
            let t = run_gate();
            let flagged = vg::error_count() - before;
            println!(
                "ct-gate undeclassified-control: memcheck errors {flagged} (must be > 0 under valgrind); {} functional failures",
                t.failures.len()
            );
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("usage: ct-gate [run|leaky-control|undeclassified-control] (got {other:?})");
            ExitCode::from(2)
        }
    }
}
