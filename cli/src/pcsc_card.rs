//! The PC/SC transport (cargo feature `pcsc`): reader selection, one PC/SC
//! transaction held around a whole procedure (no other process can slip an
//! APDU into an SCP03 session), and messages a user can act on.

#[cfg(not(feature = "pcsc"))]
use std::io::Write;

#[cfg(not(feature = "pcsc"))]
use crate::Failure;

#[cfg(feature = "pcsc")]
mod imp {
    use std::ffi::{CStr, CString};
    use std::fmt;
    use std::io::Write;

    use scboot::procedure::{Card, Fault, TransportError};

    use crate::hexio::to_hex;
    use crate::Failure;

    /// A PC/SC failure, with the reader it happened on.
    #[derive(Debug, Clone)]
    pub struct PcscError {
        /// The reader's name.
        pub reader: String,
        /// The PC/SC error.
        pub error: pcsc::Error,
        /// Whether it happened inside the procedure's transaction (so a card
        /// that is not there was there when the procedure began).
        pub in_session: bool,
    }

    impl fmt::Display for PcscError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let r = &self.reader;
            match self.error {
                pcsc::Error::NoSmartcard if !self.in_session => {
                    write!(f, "no card in reader {r:?}: insert one")
                }
                pcsc::Error::NotTransacted => write!(
                    f,
                    "the PC/SC transaction on reader {r:?} was lost during the procedure: nothing was applied; run it again"
                ),
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => write!(
                    f,
                    "the card was removed from reader {r:?} during the procedure: nothing was read or applied"
                ),
                pcsc::Error::ResetCard => write!(
                    f,
                    "the card in reader {r:?} was reset by another program during the procedure: run it again"
                ),
                pcsc::Error::SharingViolation => write!(
                    f,
                    "reader {r:?} is busy: another program holds the card exclusively; close it (or wait) and run again"
                ),
                pcsc::Error::Timeout => write!(f, "reader {r:?} timed out"),
                pcsc::Error::UnpoweredCard | pcsc::Error::UnresponsiveCard => write!(
                    f,
                    "the card in reader {r:?} does not answer: check it is inserted the right way"
                ),
                pcsc::Error::ReaderUnavailable | pcsc::Error::UnknownReader => {
                    write!(f, "reader {r:?} is gone (unplugged?)")
                }
                pcsc::Error::NoService | pcsc::Error::ServiceStopped => write!(
                    f,
                    "the PC/SC service (pcscd) is not running: start it (systemctl start pcscd)"
                ),
                e => write!(f, "PC/SC error on reader {r:?}: {e}"),
            }
        }
    }

    /// What a PC/SC error means for the card's information (the monitor's
    /// decision table): only a card that is not in the reader is absent.
    /// A reader that went away is transient (a USB reader re-enumerates;
    /// the card in it may come back with it); a reset card is there.
    pub fn fault_of(error: pcsc::Error) -> Fault {
        use pcsc::Error as E;
        match error {
            E::RemovedCard | E::NoSmartcard => Fault::CardAbsent,
            E::ResetCard | E::UnpoweredCard => Fault::CardReset,
            E::SharingViolation
            | E::Timeout
            | E::CommError
            | E::UnresponsiveCard
            | E::NotTransacted
            | E::ReaderUnavailable
            | E::UnknownReader
            | E::NoService
            | E::ServiceStopped
            | E::NoReadersAvailable
            | E::Cancelled
            | E::SystemCancelled
            | E::ServerTooBusy => Fault::Transient,
            _ => Fault::Protocol,
        }
    }

    impl TransportError for PcscError {
        fn fault(&self) -> Fault {
            fault_of(self.error)
        }
    }

    /// A connected card, with its reader's name.
    pub struct PcscReader {
        ctx: pcsc::Context,
        card: pcsc::Card,
        name: String,
    }

    /// One command, one response, inside the reader's transaction.
    pub struct InTransaction<'t> {
        ctx: &'t pcsc::Context,
        card: &'t pcsc::Card,
        name: &'t str,
    }

    impl InTransaction<'_> {
        /// After a failed exchange: whether the card left the reader within
        /// a second (pcscd learns of a removal a moment after the failure).
        fn card_left(&self) -> bool {
            let Ok(reader) = std::ffi::CString::new(self.name) else {
                return false;
            };
            let mut state = [pcsc::ReaderState::new(reader, pcsc::State::PRESENT)];
            for _ in 0..4 {
                match self
                    .ctx
                    .get_status_change(std::time::Duration::from_millis(250), &mut state)
                {
                    Ok(()) if state[0].event_state().contains(pcsc::State::EMPTY) => return true,
                    Ok(()) => state[0].sync_current_state(),
                    Err(pcsc::Error::Timeout) => {}
                    Err(_) => return false,
                }
            }
            false
        }
    }

    impl Card for InTransaction<'_> {
        type Error = PcscError;

        fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, PcscError> {
            let fail = |error| PcscError {
                reader: self.name.to_string(),
                error,
                in_session: true,
            };
            let n = match self.card.transmit(command, response) {
                Ok(r) => r.len(),
                Err(
                    e @ (pcsc::Error::CommError
                    | pcsc::Error::UnresponsiveCard
                    | pcsc::Error::NotTransacted),
                ) => {
                    return Err(fail(if self.card_left() {
                        pcsc::Error::RemovedCard
                    } else {
                        e
                    }))
                }
                Err(e) => return Err(fail(e)),
            };
            if n < 2 {
                // No status word: the reader lost the card (some drivers
                // report a removal this way) or the line is broken.
                let left = self.card_left();
                return Err(fail(if left {
                    pcsc::Error::RemovedCard
                } else {
                    pcsc::Error::CommError
                }));
            }
            Ok(n)
        }
    }

    impl PcscReader {
        /// The reader's name.
        pub fn name(&self) -> &str {
            &self.name
        }

        /// Run `f` inside one PC/SC transaction: no other process's APDU can
        /// come between ours until it returns.
        pub fn transaction<T>(
            &mut self,
            f: impl FnOnce(&mut InTransaction<'_>) -> T,
        ) -> Result<T, Failure> {
            let name = self.name.clone();
            let tx = self.card.transaction().map_err(|error| {
                Failure::from(
                    PcscError {
                        reader: name.clone(),
                        error,
                        in_session: true,
                    }
                    .to_string(),
                )
            })?;
            let mut card = InTransaction {
                ctx: &self.ctx,
                card: &tx,
                name: &name,
            };
            let r = f(&mut card);
            // Ending the transaction leaves the card as it is (no reset).
            let _ = tx.end(pcsc::Disposition::LeaveCard);
            Ok(r)
        }
    }

    fn context() -> Result<pcsc::Context, Failure> {
        pcsc::Context::establish(pcsc::Scope::User).map_err(|e| {
            Failure::from(match e {
                pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
                    "the PC/SC service (pcscd) is not running: start it (systemctl start pcscd)"
                        .to_string()
                }
                e => format!("PC/SC: {e}"),
            })
        })
    }

    fn reader_names(ctx: &pcsc::Context) -> Result<Vec<CString>, Failure> {
        match ctx.list_readers_owned() {
            Ok(r) => Ok(r),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(format!("PC/SC: listing readers: {e}").into()),
        }
    }

    /// Connect to the first reader whose name contains `name`.
    pub fn connect(name: &str) -> Result<PcscReader, Failure> {
        let ctx = context()?;
        let readers = reader_names(&ctx)?;
        if readers.is_empty() {
            return Err("no PC/SC reader is connected (scboot readers lists them)".into());
        }
        let reader = readers
            .iter()
            .find(|r| r.to_string_lossy().contains(name))
            .ok_or_else(|| {
                let names: Vec<_> = readers
                    .iter()
                    .map(|r| r.to_string_lossy().into_owned())
                    .collect();
                format!("no PC/SC reader matches {name:?}; the readers are: {names:?}")
            })?;
        let reader_name = reader.to_string_lossy().into_owned();
        let card = ctx
            .connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|error| {
                Failure::from(
                    PcscError {
                        reader: reader_name.clone(),
                        error,
                        in_session: false,
                    }
                    .to_string(),
                )
            })?;
        Ok(PcscReader {
            ctx,
            card,
            name: reader_name,
        })
    }

    /// `scboot readers`: every reader, whether a card is in it, its ATR.
    pub fn readers(out: &mut dyn Write) -> Result<u8, Failure> {
        let ctx = context()?;
        let names = reader_names(&ctx)?;
        if names.is_empty() {
            writeln!(out, "no PC/SC readers")?;
            return Ok(0);
        }
        let mut states: Vec<pcsc::ReaderState> = names
            .iter()
            .map(|n| pcsc::ReaderState::new(n.clone(), pcsc::State::UNAWARE))
            .collect();
        ctx.get_status_change(std::time::Duration::from_secs(2), &mut states)
            .map_err(|e| format!("PC/SC: reader status: {e}"))?;
        for (i, s) in states.iter().enumerate() {
            let name: &CStr = s.name();
            let ev = s.event_state();
            let card = if ev.contains(pcsc::State::PRESENT) {
                if ev.contains(pcsc::State::EXCLUSIVE) {
                    format!("card present (in exclusive use), ATR {}", to_hex(s.atr()))
                } else {
                    format!("card present, ATR {}", to_hex(s.atr()))
                }
            } else if ev.contains(pcsc::State::EMPTY) {
                "no card".to_string()
            } else {
                "state unknown".to_string()
            };
            writeln!(out, "{i}: {}: {card}", name.to_string_lossy())?;
        }
        Ok(0)
    }
}

#[cfg(feature = "pcsc")]
pub use imp::{connect, readers};

/// Without the `pcsc` feature there is no reader to connect to.
#[cfg(not(feature = "pcsc"))]
pub fn connect(_name: &str) -> Result<NoReader, Failure> {
    Err(NO_PCSC.into())
}

/// Without the `pcsc` feature there are no readers to list.
#[cfg(not(feature = "pcsc"))]
pub fn readers(_out: &mut dyn Write) -> Result<u8, Failure> {
    Err(NO_PCSC.into())
}

#[cfg(not(feature = "pcsc"))]
const NO_PCSC: &str = "this scboot was built without PC/SC support: rebuild with `--features pcsc` (needs libpcsclite-dev)";

/// Stands in for a reader in a build without PC/SC (never constructed).
#[cfg(not(feature = "pcsc"))]
pub struct NoReader(std::convert::Infallible);

#[cfg(not(feature = "pcsc"))]
impl NoReader {
    /// Never called: no `NoReader` exists.
    pub fn name(&self) -> &str {
        match self.0 {}
    }

    /// Never called: no `NoReader` exists.
    pub fn transaction<T>(
        &mut self,
        _f: impl FnOnce(&mut scboot_card::VirtualCard) -> T,
    ) -> Result<T, Failure> {
        match self.0 {}
    }
}

#[cfg(all(test, feature = "pcsc"))]
mod tests {
    use super::imp::fault_of;
    use scboot::procedure::Fault;

    /// The PC/SC codes a reader returns during a procedure, and what each
    /// means for the monitor: only a card that is not there is absent.
    #[test]
    fn pcsc_errors_classified() {
        use pcsc::Error as E;
        let table = [
            (E::RemovedCard, Fault::CardAbsent),
            (E::NoSmartcard, Fault::CardAbsent),
            (E::ResetCard, Fault::CardReset),
            (E::UnpoweredCard, Fault::CardReset),
            (E::SharingViolation, Fault::Transient),
            (E::Timeout, Fault::Transient),
            (E::CommError, Fault::Transient),
            (E::UnresponsiveCard, Fault::Transient),
            (E::NotTransacted, Fault::Transient),
            (E::ReaderUnavailable, Fault::Transient),
            (E::UnknownReader, Fault::Transient),
            (E::NoService, Fault::Transient),
            (E::ServiceStopped, Fault::Transient),
            (E::NoReadersAvailable, Fault::Transient),
            (E::Cancelled, Fault::Transient),
            (E::InsufficientBuffer, Fault::Protocol),
            (E::InvalidParameter, Fault::Protocol),
            (E::ProtoMismatch, Fault::Protocol),
            (E::UnknownError, Fault::Protocol),
        ];
        for (e, f) in table {
            assert_eq!(fault_of(e), f, "{e:?}");
        }
    }
}
