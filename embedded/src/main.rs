//! The whole smartcard bootstrap on a Cortex-M4: EF.DIR, a logical
//! channel, SCP03 at level 33 (C-MAC, C-DEC, R-MAC, R-ENC), EF.ODF, the
//! DODF, the bootstrap file, the accounts, then the monitor's check at the
//! next Register. The card is a transcript recorded from the virtual card
//! on the host (`transcript.bin`, `scboot-card`'s `mcu-transcript`
//! example): every command the firmware sends must equal the recorded one
//! byte for byte, or the run fails. Output and exit go through
//! semihosting; the last line is the measurement `scripts/mcu.sh` reads.
#![no_std]
#![no_main]

use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hio};

use scboot::lwm2m::{accounts, SecurityMode};
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Bootstrap, Card, Config, Fault, RunError};
use scboot::scp03::StaticKeyBytes;

// The board's interrupt vectors (`src/board.rs`, what a PAC provides).
use board as _;

/// Two recorded runs: a bootstrap, then a check.
static TRANSCRIPT: &[u8] = include_bytes!("../transcript.bin");

/// The demo card's static keys (Key-ENC = Key-MAC = Key-DEK, version 30).
const DEMO_KEY: [u8; 16] = [
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
];

/// The keys as bytes, in flash: keyed at each handshake in the session's
/// own slots, so that RAM holds no copy of them and no AES schedule of
/// them between handshakes.
static DEMO_KEYS: StaticKeyBytes = StaticKeyBytes::from_arrays(0x30, DEMO_KEY, DEMO_KEY, DEMO_KEY);

/// The largest file the demo card holds (the bootstrap EF is 512 bytes).
const WORKSPACE: usize = 1024;

/// Semihosting output without `core::fmt`: text and decimal numbers are
/// all this firmware prints, and the formatting machinery would be a fifth
/// of its flash.
struct Out(Option<hio::HostStream>);

impl Out {
    fn new() -> Out {
        Out(hio::hstdout().ok())
    }

    fn text(&mut self, s: &str) -> &mut Out {
        if let Some(o) = self.0.as_mut() {
            let _ = o.write_all(s.as_bytes());
        }
        self
    }

    fn number(&mut self, n: usize) -> &mut Out {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = n;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.text(core::str::from_utf8(&digits[at..]).unwrap_or("?"))
    }

    /// Bytes as lower-case hexadecimal.
    fn hex(&mut self, bytes: &[u8]) -> &mut Out {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for &b in bytes {
            let pair = [DIGITS[usize::from(b >> 4)], DIGITS[usize::from(b & 15)]];
            self.text(core::str::from_utf8(&pair).unwrap_or("??"));
        }
        self
    }

    /// `Some(n)` or `None`, as `{:?}` writes an optional number.
    fn optional(&mut self, n: Option<usize>) -> &mut Out {
        match n {
            Some(n) => self.text("Some(").number(n).text(")"),
            None => self.text("None"),
        }
    }
}

/// Replays the recorded card: each command must be the recorded one.
struct Replay {
    pos: usize,
    left: u16,
    sent: u32,
}

fn u16_at(at: usize) -> u16 {
    u16::from_be_bytes([TRANSCRIPT[at], TRANSCRIPT[at + 1]])
}

impl Replay {
    /// The run that starts at `pos` (its exchange count).
    fn at(pos: usize) -> Replay {
        Replay {
            pos: pos + 2,
            left: u16_at(pos),
            sent: 0,
        }
    }

    fn take(&mut self) -> &'static [u8] {
        let n = usize::from(u16_at(self.pos));
        let b = &TRANSCRIPT[self.pos + 2..self.pos + 2 + n];
        self.pos += 2 + n;
        b
    }
}

impl Card for Replay {
    type Error = Fault;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Fault> {
        if self.left == 0 {
            fail("more commands than the transcript holds");
        }
        self.left -= 1;
        self.sent += 1;
        #[cfg(feature = "phase-peaks")]
        phase_peak(self.sent, command);
        let want = self.take();
        if want != command {
            Out::new()
                .text("command ")
                .number(self.sent as usize)
                .text(" differs from the transcript\n");
            fail("mismatch");
        }
        let r = self.take();
        response[..r.len()].copy_from_slice(r);
        Ok(r.len())
    }
}

fn fail(why: &str) -> ! {
    Out::new().text("FAILED: ").text(why).text("\n");
    debug::exit(debug::EXIT_FAILURE);
    #[allow(clippy::empty_loop)]
    loop {}
}

/// The deepest the stack went: cortex-m-rt painted it with `CCCCCCCC`
/// before `main`; the first word from the bottom that is not paint marks
/// the peak.
fn stack_peak() -> usize {
    extern "C" {
        static _stack_start: u32;
        static _stack_end: u32;
    }
    // SAFETY: the linker script defines both symbols as the two ends of the
    // stack region (`_stack_end` below `_stack_start`); only their addresses
    // are taken, and every word between them is RAM that cortex-m-rt
    // painted before `main`: reading it (volatile, aligned) is sound.
    unsafe {
        let top = core::ptr::addr_of!(_stack_start) as usize;
        let mut p = core::ptr::addr_of!(_stack_end);
        while (p as usize) < top && core::ptr::read_volatile(p) == 0xCCCC_CCCC {
            p = p.add(1);
        }
        top - p as usize
    }
}

/// With feature `phase-peaks` (a measurement build, not the product's):
/// before each command, the deepest the stack went since the command
/// before (the response to it handled, this command built), then the
/// stack below the current frame painted again for the next phase.
#[cfg(feature = "phase-peaks")]
#[inline(never)]
fn phase_peak(n: u32, command: &[u8]) {
    let name = match command.get(1) {
        Some(0xA4) => "SELECT",
        Some(0xB0) => "READ BINARY",
        Some(0xB2) => "READ RECORD",
        Some(0x70) => "MANAGE CHANNEL",
        Some(0x50) => "INITIALIZE UPDATE",
        Some(0x82) => "EXTERNAL AUTHENTICATE",
        _ => "other",
    };
    Out::new()
        .text("phase_peak: before command ")
        .number(n as usize)
        .text(" (")
        .text(name)
        .text("): ")
        .number(stack_peak())
        .text("\n");
    extern "C" {
        static _stack_end: u32;
    }
    // Below the current stack pointer, less a margin for this function's
    // own calls; nothing there is live.
    let limit = cortex_m::register::msp::read() as usize - 64;
    // SAFETY: `_stack_end` is the bottom of the stack region (linker
    // script); every word from it up to `limit` lies below the current
    // stack pointer, so no frame or value lives there (one thread, no
    // interrupt handler runs in this firmware), and the writes are
    // aligned words of RAM. This is the paint cortex-m-rt lays before
    // `main`, laid again.
    unsafe {
        let mut p = core::ptr::addr_of!(_stack_end) as *mut u32;
        while (p as usize) < limit {
            core::ptr::write_volatile(p, 0xCCCC_CCCC);
            p = p.add(1);
        }
    }
}

/// The bootstrap: the procedure over the recorded card, the accounts
/// printed, the monitor told what was applied. Its own frame, so that
/// `main`'s stays small while the procedure runs.
#[inline(never)]
fn bootstrap(keys: &StaticKeyBytes, ws: &mut [u8], monitor: &mut Monitor) -> usize {
    let mut card = Replay::at(5);
    // The outcome is read where `run` wrote it: moving the `Bootstrap`
    // out of its `Result` would copy it into a second place on the stack.
    let outcome = run(&mut card, keys, Config::new([0x11; 16]), ws, None);
    let Ok(b) = &outcome else { fail("bootstrap") };
    print_accounts(b);
    monitor.applied(b);
    if card.left != 0 {
        fail("the bootstrap sent fewer commands than recorded");
    }
    card.pos
}

#[inline(never)]
fn print_accounts(b: &Bootstrap<'_>) {
    let mut out = Out::new();
    for a in accounts(&b.file) {
        let Ok(a) = a else {
            fail("an account does not decode")
        };
        let mode = match a.security.security_mode {
            Some(SecurityMode::Psk) => "psk",
            Some(SecurityMode::NoSec) => "nosec",
            Some(_) => "other",
            None => "-",
        };
        let bootstrap = a.security.bootstrap_server.unwrap_or(false);
        out.text("account: uri=")
            .text(a.security.server_uri.unwrap_or("-"))
            .text(if bootstrap {
                " bootstrap=true"
            } else {
                " bootstrap=false"
            })
            .text(" mode=")
            .text(mode)
            .text(" ssid=")
            .optional(a.security.short_server_id.map(usize::from))
            .text(" lifetime=")
            .optional(a.server.and_then(|s| s.lifetime).map(|l| l as usize))
            .text("\n");
    }
    out.text("bootstrap: ")
        .number(b.provenance.apdus as usize)
        .text(" APDUs, level ")
        .optional(b.provenance.level.map(|l| usize::from(l.bits())))
        .text("\ndigest=")
        .hex(&b.provenance.digest)
        .text("\n");
}

/// The check at the next Register: the card must be unchanged.
#[inline(never)]
fn check(keys: &StaticKeyBytes, ws: &mut [u8], monitor: &mut Monitor, pos: usize) {
    let mut card = Replay::at(pos);
    let fresh = run(&mut card, keys, Config::new([0x22; 16]), ws, None);
    if !unchanged(monitor, fresh) {
        fail("the check did not find the card unchanged");
    }
    Out::new().text("check: unchanged\n");
    if card.left != 0 {
        fail("the check sent fewer commands than recorded");
    }
}

/// The monitor's verdict on a fresh run. Its own frame: the verdict is
/// not beside the fresh run's outcome while the procedure runs.
#[inline(never)]
fn unchanged(monitor: &mut Monitor, fresh: Result<Bootstrap<'_>, RunError<Fault>>) -> bool {
    matches!(monitor.check(fresh), Ok(Verdict::Unchanged))
}

#[entry]
fn main() -> ! {
    if &TRANSCRIPT[..4] != b"SCBT" || TRANSCRIPT[4] != 2 {
        fail("not a transcript of two runs");
    }
    let keys = &DEMO_KEYS;
    let ws: &'static mut [u8; WORKSPACE] = match cortex_m::singleton!(: [u8; WORKSPACE] = [0; WORKSPACE])
    {
        Some(w) => w,
        None => fail("workspace"),
    };
    let mut monitor = Monitor::new();
    let pos = bootstrap(keys, &mut ws[..], &mut monitor);
    check(keys, &mut ws[..], &mut monitor, pos);
    let peak = stack_peak();
    Out::new().text("stack_peak=").number(peak).text("\n");
    debug::exit(debug::EXIT_SUCCESS);
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    fail("panic")
}
