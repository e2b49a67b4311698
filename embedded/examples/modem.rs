//! A template for firmware authors: the smartcard bootstrap over a cellular
//! modem's UART (`AT+CSIM`, 3GPP TS 27.007), with `embedded-io` traits, the
//! workspace sized from the card's file, and the monitor at every LwM2M
//! Register and Update. Copy it, replace `Uart` with the HAL's serial port
//! (anything `embedded_io::Read + Write`) and `client_*` with the LwM2M
//! client's calls. Built in CI for thumbv7em-none-eabihf; it does not run
//! under QEMU (there is no modem there).
#![no_std]
#![no_main]

// The interrupt vectors: your device's PAC provides them (here the
// emulated board's, `src/board.rs`).
use board as _;
use cortex_m_rt::entry;
use embedded_io::{Read, Write};

use scboot::at_csim::{self, AtError};
use scboot::monitor::{Monitor, Verdict};
use scboot::procedure::{run, Bootstrap, Card, Config, Fault, RunError, TransportError};
use scboot::scp03::StaticKeyBytes;

/// The card's bootstrap EF as the operator sized it (LwM2M allows 32 KiB;
/// size the workspace for the largest file the card holds).
const WORKSPACE: usize = 1024;

/// A UART, or its failures, classified for the monitor.
#[derive(Debug)]
enum ModemError<E> {
    /// The serial line failed (a framing or overrun error): transient.
    Io(E),
    /// The modem answered an error (`+CME ERROR: 10` is an absent card).
    At(AtError),
    /// No reply within the line buffer.
    Overflow,
}

impl<E: core::fmt::Debug> TransportError for ModemError<E> {
    fn fault(&self) -> Fault {
        match self {
            ModemError::Io(_) => Fault::Transient,
            ModemError::At(e) => e.fault(),
            ModemError::Overflow => Fault::Protocol,
        }
    }
}

/// The card behind the modem: one `AT+CSIM` per APDU.
struct ModemCard<U> {
    uart: U,
    /// A reply to `AT+CSIM` is at most 2 x 261 hex digits plus framing.
    line: [u8; 600],
}

impl<U: Read + Write> Card for ModemCard<U> {
    type Error = ModemError<U::Error>;

    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error> {
        let n = at_csim::command(command, &mut self.line).map_err(ModemError::At)?;
        self.uart
            .write_all(&self.line[..n])
            .map_err(ModemError::Io)?;
        // Read until the final result code (OK, ERROR, +CME ERROR).
        let mut len = 0;
        loop {
            let got = self
                .uart
                .read(&mut self.line[len..])
                .map_err(ModemError::Io)?;
            len += got;
            let text = &self.line[..len];
            let done = text.ends_with(b"OK\r\n")
                || text.ends_with(b"ERROR\r\n")
                || text.windows(11).any(|w| w == b"+CME ERROR:") && text.ends_with(b"\r\n");
            if done {
                return at_csim::response(text, response).map_err(ModemError::At);
            }
            if len == self.line.len() {
                return Err(ModemError::Overflow);
            }
        }
    }
}

/// Apply the card's bootstrap information (disable first if `replace`).
fn client_apply(_b: &Bootstrap<'_>, _replace: bool) {}
/// Delete every server provisioned from the card.
fn client_delete_card_servers() {}

/// At Register and at every Update: check that the card and its data are
/// unchanged, and act on the verdict.
fn at_register_or_update<C: Card>(
    card: &mut C,
    keys: &StaticKeyBytes,
    monitor: &mut Monitor,
    ws: &mut [u8],
    host_challenge: [u8; 16],
) where
    C::Error: core::fmt::Debug,
{
    let fresh = run(card, keys, Config::new(host_challenge), ws, None);
    match monitor.check(fresh) {
        Ok(Verdict::Unchanged) => {}
        Ok(Verdict::Changed(b)) => client_apply(&b, true),
        Ok(Verdict::Removed) => client_delete_card_servers(),
        // Any other failure changes nothing: keep the configuration, retry
        // at the next Update. (Absence and "not found" are `Removed`.)
        Err(RunError::Card(_)) | Err(RunError::Procedure(_)) => {}
    }
}

/// A stand-in for the HAL's UART (the template compiles; a real one talks).
struct Uart;

impl embedded_io::ErrorType for Uart {
    type Error = core::convert::Infallible;
}
impl Read for Uart {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let reply = b"\r\n+CME ERROR: 10\r\n";
        let n = reply.len().min(buf.len());
        buf[..n].copy_from_slice(&reply[..n]);
        Ok(n)
    }
}
impl Write for Uart {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[entry]
fn main() -> ! {
    // As bytes: keyed at each handshake (StaticKeys would hold two AES
    // schedules, 740 bytes, for the device's whole life).
    let keys = StaticKeyBytes::new(0x30, &[0x40; 16], &[0x40; 16], &[0x40; 16]).ok();
    let ws = cortex_m::singleton!(: [u8; WORKSPACE] = [0; WORKSPACE]);
    let mut card = ModemCard {
        uart: Uart,
        line: [0; 600],
    };
    // The device keeps the digest of what it applied across restarts
    // (Monitor::applied_digest / Monitor::restore).
    let mut monitor = Monitor::restore(None);
    if let (Some(keys), Some(ws)) = (keys, ws) {
        // A host challenge must be fresh for every run: take it from the
        // device's random number generator.
        at_register_or_update(&mut card, &keys, &mut monitor, &mut ws[..], [0x5A; 16]);
    }
    loop {
        cortex_m::asm::wfi();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
