//! What can stop the procedure, named by the step it stopped at.

use core::fmt;

use crate::apdu::StatusWord;
use crate::scp03::Scp03Error;

use super::transport::{Fault, TransportError};

/// The steps of the procedure, as errors and logs name them.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepName {
    /// SELECT EF.DIR.
    SelectDir,
    /// READ BINARY / READ RECORD of EF.DIR.
    ReadDir,
    /// MANAGE CHANNEL (open).
    OpenChannel,
    /// SELECT the PKCS#15 application by AID.
    SelectApplication,
    /// INITIALIZE UPDATE.
    InitializeUpdate,
    /// EXTERNAL AUTHENTICATE.
    ExternalAuthenticate,
    /// SELECT EF.ODF.
    SelectOdf,
    /// READ BINARY EF.ODF.
    ReadOdf,
    /// SELECT EF.TokenInfo (when asked for).
    SelectTokenInfo,
    /// READ BINARY EF.TokenInfo.
    ReadTokenInfo,
    /// SELECT a DODF.
    SelectDodf,
    /// READ BINARY a DODF.
    ReadDodf,
    /// VERIFY (PIN of a private entry).
    Verify,
    /// SELECT the bootstrap file.
    SelectBootstrap,
    /// READ BINARY the bootstrap file.
    ReadBootstrap,
    /// MANAGE CHANNEL (close); on the basic channel, SELECT MF.
    CloseChannel,
    /// SELECT the key directory (PrKDF, PuKDF, SKDF).
    SelectKeyDirectory,
    /// READ BINARY the key directory.
    ReadKeyDirectory,
    /// SELECT the key's file.
    SelectKeyFile,
    /// READ BINARY the public key's file.
    ReadPublicKey,
    /// MANAGE SECURITY ENVIRONMENT (SET).
    ManageSecurityEnvironment,
    /// PERFORM SECURITY OPERATION.
    PerformSecurityOperation,
}

impl StepName {
    /// A short name.
    pub const fn name(self) -> &'static str {
        match self {
            StepName::SelectDir => "SELECT EF.DIR",
            StepName::ReadDir => "read EF.DIR",
            StepName::OpenChannel => "MANAGE CHANNEL open",
            StepName::SelectApplication => "SELECT PKCS#15 application",
            StepName::InitializeUpdate => "INITIALIZE UPDATE",
            StepName::ExternalAuthenticate => "EXTERNAL AUTHENTICATE",
            StepName::SelectOdf => "SELECT EF.ODF",
            StepName::ReadOdf => "read EF.ODF",
            StepName::SelectTokenInfo => "SELECT EF.TokenInfo",
            StepName::ReadTokenInfo => "read EF.TokenInfo",
            StepName::SelectDodf => "SELECT DODF",
            StepName::ReadDodf => "read DODF",
            StepName::Verify => "VERIFY",
            StepName::SelectBootstrap => "SELECT bootstrap file",
            StepName::ReadBootstrap => "read bootstrap file",
            StepName::CloseChannel => "close the channel",
            StepName::SelectKeyDirectory => "SELECT key directory",
            StepName::ReadKeyDirectory => "read key directory",
            StepName::SelectKeyFile => "SELECT key file",
            StepName::ReadPublicKey => "read public key",
            StepName::ManageSecurityEnvironment => "MANAGE SECURITY ENVIRONMENT",
            StepName::PerformSecurityOperation => "PERFORM SECURITY OPERATION",
        }
    }

    /// Whether this step selects a file or an application (its "not
    /// found" answers mean the card's data is gone).
    pub const fn is_select(self) -> bool {
        matches!(
            self,
            StepName::SelectDir
                | StepName::SelectApplication
                | StepName::SelectOdf
                | StepName::SelectDodf
                | StepName::SelectBootstrap
        )
    }
}

impl fmt::Display for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Why the procedure stopped.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcedureError {
    /// The card answered a step with this status word.
    Status {
        /// The step.
        step: StepName,
        /// The status word.
        sw: StatusWord,
    },
    /// A file the card returned does not parse.
    Parse {
        /// The step.
        step: StepName,
        /// The parse error (offset in that file).
        error: crate::Error,
    },
    /// The secure channel failed (card cryptogram, R-MAC, level, ...).
    SecureChannel {
        /// The step.
        step: StepName,
        /// The SCP03 error.
        error: Scp03Error,
    },
    /// EF.DIR has no PKCS#15 application template.
    NoPkcs15Application,
    /// The PKCS#15 template has no path (`51`), which LwM2M requires.
    NoApplicationPath,
    /// EF.ODF names no DODF.
    NoDataObjectDirectory,
    /// No DODF holds the LwM2M bootstrap data object.
    NoBootstrapEntry,
    /// The bootstrap entry's value is not a path (URL or direct value).
    UnsupportedValue,
    /// A response the step cannot use.
    MalformedResponse {
        /// The step.
        step: StepName,
        /// What is wrong.
        what: &'static str,
    },
    /// A file larger than the workspace.
    FileTooLarge {
        /// The step.
        step: StepName,
        /// The file size.
        size: usize,
        /// The workspace size.
        capacity: usize,
    },
    /// The bootstrap entry is private and no PIN was supplied.
    PinRequired,
    /// An APDU buffer given to [`super::Procedure::next`] is too small.
    BufferTooSmall,
    /// A call out of order (e.g. `on_response` with no command pending).
    OutOfOrder,
    /// EF.ODF names no directory of the class the key operation needs.
    NoKeyDirectory,
    /// No key with the operation's label in its directory.
    NoSuchKey,
    /// The key is of another type, its usage does not allow the operation,
    /// or its value is not where the operation can reach it.
    KeyNotUsable,
}

impl fmt::Display for ProcedureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProcedureError::Status { step, sw } => {
                write!(f, "{step}: card answered {sw:04x}")
            }
            ProcedureError::Parse { step, error } => write!(f, "{step}: {error}"),
            ProcedureError::SecureChannel { step, error } => write!(f, "{step}: {error}"),
            ProcedureError::NoPkcs15Application => f.write_str("EF.DIR has no PKCS#15 application"),
            ProcedureError::NoApplicationPath => {
                f.write_str("the PKCS#15 application template has no path (51)")
            }
            ProcedureError::NoDataObjectDirectory => f.write_str("EF.ODF names no DODF"),
            ProcedureError::NoBootstrapEntry => {
                f.write_str("no DODF holds the LwM2M bootstrap data object")
            }
            ProcedureError::UnsupportedValue => {
                f.write_str("the bootstrap entry's value is not a file path")
            }
            ProcedureError::MalformedResponse { step, what } => write!(f, "{step}: {what}"),
            ProcedureError::FileTooLarge {
                step,
                size,
                capacity,
            } => write!(
                f,
                "{step}: file of {size} bytes, workspace holds {capacity}"
            ),
            ProcedureError::PinRequired => {
                f.write_str("the bootstrap entry is private and no PIN was given")
            }
            ProcedureError::BufferTooSmall => f.write_str("APDU buffer too small"),
            ProcedureError::OutOfOrder => f.write_str("procedure call out of order"),
            ProcedureError::NoKeyDirectory => {
                f.write_str("EF.ODF names no key directory of the class needed")
            }
            ProcedureError::NoSuchKey => f.write_str("no key with that label on the card"),
            ProcedureError::KeyNotUsable => f.write_str(
                "the key's type or usage does not allow the operation, or its value cannot be reached",
            ),
        }
    }
}

impl core::error::Error for ProcedureError {}

impl ProcedureError {
    /// Whether this means the card's bootstrap information is gone: no
    /// PKCS#15 application, no bootstrap entry, or a SELECT answered "not
    /// found" ([`StatusWord::not_found`]).
    pub const fn data_removed(&self) -> bool {
        match self {
            ProcedureError::NoPkcs15Application
            | ProcedureError::NoDataObjectDirectory
            | ProcedureError::NoBootstrapEntry => true,
            ProcedureError::Status { step, sw } => step.is_select() && sw.not_found(),
            _ => false,
        }
    }
}

/// A failure of [`super::run`]: the transport's, or the procedure's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError<E> {
    /// The transport failed; [`TransportError::fault`] says how.
    Card(E),
    /// The procedure stopped.
    Procedure(ProcedureError),
}

impl<E: TransportError> RunError<E> {
    /// Whether there is evidence that the card, or its bootstrap
    /// information, is gone, so that what was provisioned from it must be
    /// deleted: the transport reports [`Fault::CardAbsent`], or the card
    /// answered that the data is not there
    /// ([`ProcedureError::data_removed`]). Every other failure (a busy
    /// reader, a timeout, a reset, a garbled answer, a broken secure
    /// channel) is not.
    pub fn card_removed(&self) -> bool {
        match self {
            RunError::Card(e) => e.fault() == Fault::CardAbsent,
            RunError::Procedure(p) => p.data_removed(),
        }
    }

    /// The transport's fault, when the transport failed.
    pub fn fault(&self) -> Option<Fault> {
        match self {
            RunError::Card(e) => Some(e.fault()),
            RunError::Procedure(_) => None,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for RunError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Card(e) => write!(f, "card transport: {e:?}"),
            RunError::Procedure(p) => write!(f, "{p}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn errors_say_which_step_and_what() {
        let cases = [
            (
                ProcedureError::Status {
                    step: StepName::ReadOdf,
                    sw: StatusWord(0x6982),
                },
                "read EF.ODF: card answered 6982",
            ),
            (
                ProcedureError::FileTooLarge {
                    step: StepName::ReadBootstrap,
                    size: 40000,
                    capacity: 32768,
                },
                "read bootstrap file: file of 40000 bytes, workspace holds 32768",
            ),
            (
                ProcedureError::NoPkcs15Application,
                "EF.DIR has no PKCS#15 application",
            ),
            (ProcedureError::OutOfOrder, "procedure call out of order"),
        ];
        for (e, text) in cases {
            assert_eq!(e.to_string(), text);
        }
        let r: RunError<Fault> = RunError::Card(Fault::CardAbsent);
        assert_eq!(format!("{r}"), "card transport: CardAbsent");
        let r: RunError<Fault> = RunError::Procedure(ProcedureError::OutOfOrder);
        assert_eq!(format!("{r}"), "procedure call out of order");
    }

    /// Gone: the transport reports no card, the application, the DODF, the entry, or a
    /// SELECT answered "not found". Anything else is a fault, not a removal.
    #[test]
    fn which_failures_mean_the_card_data_is_gone() {
        let st = |step, sw| ProcedureError::Status {
            step,
            sw: StatusWord(sw),
        };
        let gone = [
            ProcedureError::NoPkcs15Application,
            ProcedureError::NoDataObjectDirectory,
            ProcedureError::NoBootstrapEntry,
            st(StepName::SelectDir, 0x6A82),
            st(StepName::SelectApplication, 0x6A82),
            st(StepName::SelectOdf, 0x6A86),
            st(StepName::SelectDodf, 0x6A88),
            st(StepName::SelectBootstrap, 0x6A82),
        ];
        for e in gone {
            assert!(e.data_removed(), "{e:?}");
            assert!(RunError::<Fault>::Procedure(e).card_removed());
        }
        let fault = [
            st(StepName::ReadBootstrap, 0x6A82),
            st(StepName::SelectTokenInfo, 0x6A82),
            st(StepName::ExternalAuthenticate, 0x6982),
            st(StepName::SelectBootstrap, 0x6982),
            ProcedureError::PinRequired,
            ProcedureError::UnsupportedValue,
            ProcedureError::OutOfOrder,
        ];
        for e in fault {
            assert!(!e.data_removed(), "{e:?}");
            assert!(!RunError::<Fault>::Procedure(e).card_removed());
        }
        assert!(RunError::Card(Fault::CardAbsent).card_removed());
        assert_eq!(
            RunError::Card(Fault::CardAbsent).fault(),
            Some(Fault::CardAbsent)
        );
        for f in [Fault::CardReset, Fault::Transient, Fault::Protocol] {
            assert!(!RunError::Card(f).card_removed(), "{f:?}");
            assert_eq!(RunError::Card(f).fault(), Some(f));
        }
        assert_eq!(
            RunError::<Fault>::Procedure(ProcedureError::OutOfOrder).fault(),
            None
        );
    }
}
