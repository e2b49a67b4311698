//! Keeping the client in step with the card (LwM2M 5.2.3.2; seed CR 000), and
//! the order of bootstrap modes (LwM2M 5.2.4).
//!
//! At every Register and Update with a server provisioned from the card, the
//! client re-runs the procedure and hands the result to [`Monitor::check`]:
//!
//! * [`Verdict::Unchanged`]: nothing to do;
//! * [`Verdict::Changed`]: **disable** the servers provisioned from the card,
//!   then **apply** the new bootstrap information;
//! * [`Verdict::Removed`]: the card, its application or its bootstrap data is
//!   gone: **delete** everything provisioned from the card.
//!
//! Any other failure (wrong keys, broken secure channel, unparsable data) is
//! returned as an error and changes nothing: the client keeps what it has
//! and reports the fault.
//!
//! ## Decision table
//!
//! A device must not lose its configuration because one exchange failed;
//! it deletes only on evidence that the card or its data is gone.
//!
//! | fresh run of the procedure | verdict (the client holds card data) |
//! | --- | --- |
//! | bootstrap information, same digest as applied | `Unchanged` |
//! | bootstrap information, another digest | `Changed` (disable, then apply) |
//! | transport: [`Fault::CardAbsent`] | `Removed` (delete) |
//! | a SELECT of EF.DIR, the application, EF.ODF, a DODF or the bootstrap file answered "not found" (`6A82`, `6A88`, `6A86`: [`StatusWord::not_found`]) | `Removed` |
//! | EF.DIR without a PKCS#15 application; EF.ODF without a DODF; no DODF with the bootstrap entry | `Removed` |
//! | transport: [`Fault::CardReset`], [`Fault::Transient`], [`Fault::Protocol`] | error, nothing changes |
//! | any other status word, a malformed or truncated response, a parse error | error, nothing changes |
//! | secure channel failure (card cryptogram, MAC, padding, level) | error, nothing changes |
//! | PIN required or refused, workspace too small | error, nothing changes |
//!
//! When the client holds no card data yet, every failure is an error (there
//! is nothing to delete). After `Removed` the monitor holds nothing; a card
//! put back is then `Changed`. A failure inside the secure channel ends that
//! session; the next check opens a new one.
//!
//! [`Fault::CardAbsent`]: crate::procedure::Fault::CardAbsent
//! [`Fault::CardReset`]: crate::procedure::Fault::CardReset
//! [`Fault::Transient`]: crate::procedure::Fault::Transient
//! [`Fault::Protocol`]: crate::procedure::Fault::Protocol
//! [`StatusWord::not_found`]: crate::apdu::StatusWord::not_found
//!
//! ```
//! use scboot::monitor::{Capabilities, Mode, Sequencer};
//! let caps = Capabilities::NONE.smartcard(true, true).factory(true).client_initiated(true);
//! let mut seq = Sequencer::new(caps);
//! assert!(!seq.accepts_server_initiated());
//! assert_eq!(seq.next_mode(), Some(Mode::Smartcard));
//! seq.report(Mode::Smartcard, false);
//! assert_eq!(seq.next_mode(), Some(Mode::Factory));
//! seq.report(Mode::Factory, false);
//! assert!(seq.accepts_server_initiated());
//! assert_eq!(seq.next_mode(), Some(Mode::ClientInitiated));
//! ```

use crate::procedure::{Bootstrap, RunError, TransportError};

/// What the client must do after a check.
#[must_use = "the client must disable, apply or delete as the verdict says"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict<'w> {
    /// The card's bootstrap information is what the client applied.
    Unchanged,
    /// It changed: disable the card-provisioned servers, then apply this.
    Changed(Bootstrap<'w>),
    /// The card or its data is gone: delete everything provisioned from it.
    Removed,
}

/// Remembers the digest of the bootstrap information the client applied.
///
/// ```
/// use scboot::monitor::Monitor;
/// use scboot::procedure::{Bootstrap, Fault, RunError};
///
/// let mut monitor = Monitor::new();
/// // At Register/Update: a fresh run of the procedure (here: it failed).
/// let busy: Result<Bootstrap<'_>, RunError<Fault>> = Err(RunError::Card(Fault::Transient));
/// // A busy reader is an error that changes nothing.
/// assert!(monitor.check(busy).is_err());
/// // With nothing applied yet, even an absent card is only an error.
/// let gone: Result<Bootstrap<'_>, RunError<Fault>> = Err(RunError::Card(Fault::CardAbsent));
/// assert!(monitor.check(gone).is_err());
/// assert!(!monitor.holds_card_data());
/// ```
///
/// After [`Monitor::applied`] the same absent card gives
/// [`Verdict::Removed`]; the full scenario (unchanged, changed over the air,
/// swapped card, wrong keys, removal) is the virtual card's
/// `monitor_scenarios` test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Monitor {
    applied: Option<[u8; 32]>,
}

impl Monitor {
    /// A monitor with nothing applied yet.
    pub const fn new() -> Monitor {
        Monitor { applied: None }
    }

    /// Record that the client applied `b` (after the first bootstrap).
    pub fn applied(&mut self, b: &Bootstrap<'_>) {
        self.applied = Some(b.provenance.digest);
    }

    /// The digest of what the client applied, for the device to keep
    /// across a restart (with [`Monitor::restore`]).
    pub const fn applied_digest(&self) -> Option<[u8; 32]> {
        self.applied
    }

    /// A monitor as it was before a restart: `digest` is what
    /// [`Monitor::applied_digest`] returned then (`None`: nothing applied).
    pub const fn restore(digest: Option<[u8; 32]>) -> Monitor {
        Monitor { applied: digest }
    }

    /// Whether the client holds card-provisioned information (and so must check).
    pub const fn holds_card_data(&self) -> bool {
        self.applied.is_some()
    }

    /// Compare a fresh run of the procedure with what was applied.
    /// `Changed` and `Removed` update the monitor: it then assumes the
    /// client did what the verdict says.
    pub fn check<'w, E: TransportError>(
        &mut self,
        fresh: Result<Bootstrap<'w>, RunError<E>>,
    ) -> Result<Verdict<'w>, RunError<E>> {
        match fresh {
            Ok(b) if Some(b.provenance.digest) == self.applied => Ok(Verdict::Unchanged),
            Ok(b) => {
                self.applied = Some(b.provenance.digest);
                Ok(Verdict::Changed(b))
            }
            Err(e) if e.card_removed() => {
                let had = self.applied.take().is_some();
                if had {
                    Ok(Verdict::Removed)
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }
}

/// The bootstrap modes of LwM2M 5.2.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bootstrap from Smartcard.
    Smartcard,
    /// Factory Bootstrap (pre-configuration).
    Factory,
    /// Client Initiated Bootstrap.
    ClientInitiated,
    /// Server Initiated Bootstrap.
    ServerInitiated,
}

/// What the device has and is configured for (seed CR 000: smartcard
/// provisioning runs only when the device has a card *and* supports it).
/// Start from [`Capabilities::NONE`] and set what the device has.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// A smartcard is present.
    pub has_smartcard: bool,
    /// The device is configured to use smartcard provisioning.
    pub smartcard_provisioning: bool,
    /// Factory bootstrap information is present.
    pub factory: bool,
    /// A bootstrap server is configured for client-initiated bootstrap.
    pub client_initiated: bool,
}

impl Capabilities {
    /// Nothing: no card, no provisioning, no factory data, no server.
    pub const NONE: Capabilities = Capabilities {
        has_smartcard: false,
        smartcard_provisioning: false,
        factory: false,
        client_initiated: false,
    };

    /// With a smartcard present (`has`) and configured for use (`used`).
    #[must_use]
    pub const fn smartcard(mut self, has: bool, used: bool) -> Self {
        self.has_smartcard = has;
        self.smartcard_provisioning = used;
        self
    }

    /// With factory bootstrap information (or not).
    #[must_use]
    pub const fn factory(mut self, present: bool) -> Self {
        self.factory = present;
        self
    }

    /// With a bootstrap server for client-initiated bootstrap (or not).
    #[must_use]
    pub const fn client_initiated(mut self, configured: bool) -> Self {
        self.client_initiated = configured;
        self
    }
}

/// Orders the bootstrap attempts: smartcard (when allowed), factory, then
/// client-initiated; a server-initiated bootstrap is accepted only once the
/// smartcard and factory attempts that apply were made (LwM2M 5.2.4 step 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sequencer {
    caps: Capabilities,
    smartcard_tried: bool,
    factory_tried: bool,
    client_tried: bool,
    done: bool,
}

impl Sequencer {
    /// A sequencer for these capabilities.
    pub const fn new(caps: Capabilities) -> Sequencer {
        Sequencer {
            caps,
            smartcard_tried: false,
            factory_tried: false,
            client_tried: false,
            done: false,
        }
    }

    /// Whether smartcard provisioning applies at all.
    pub const fn smartcard_allowed(&self) -> bool {
        self.caps.has_smartcard && self.caps.smartcard_provisioning
    }

    /// The next mode to try, or `None` when bootstrapped or out of modes.
    pub fn next_mode(&self) -> Option<Mode> {
        if self.done {
            return None;
        }
        if self.smartcard_allowed() && !self.smartcard_tried {
            return Some(Mode::Smartcard);
        }
        if self.caps.factory && !self.factory_tried {
            return Some(Mode::Factory);
        }
        if self.caps.client_initiated && !self.client_tried {
            return Some(Mode::ClientInitiated);
        }
        None
    }

    /// Record the outcome of an attempt.
    pub fn report(&mut self, mode: Mode, success: bool) {
        match mode {
            Mode::Smartcard => self.smartcard_tried = true,
            Mode::Factory => self.factory_tried = true,
            Mode::ClientInitiated => self.client_tried = true,
            Mode::ServerInitiated => {}
        }
        if success {
            self.done = true;
        }
    }

    /// Whether a server-initiated bootstrap may be accepted now.
    pub const fn accepts_server_initiated(&self) -> bool {
        (!self.smartcard_allowed() || self.smartcard_tried)
            && (!self.caps.factory || self.factory_tried)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn caps(bits: u8) -> Capabilities {
        Capabilities {
            has_smartcard: bits & 1 != 0,
            smartcard_provisioning: bits & 2 != 0,
            factory: bits & 4 != 0,
            client_initiated: bits & 8 != 0,
        }
    }

    /// The modes that apply, in the order LwM2M 5.2.4 gives.
    fn expected_order(c: Capabilities) -> Vec<Mode> {
        let mut v = Vec::new();
        if c.has_smartcard && c.smartcard_provisioning {
            v.push(Mode::Smartcard);
        }
        if c.factory {
            v.push(Mode::Factory);
        }
        if c.client_initiated {
            v.push(Mode::ClientInitiated);
        }
        v
    }

    /// Every capability combination, every attempt failing: each applicable
    /// mode is offered once, in order; server-initiated bootstrap is
    /// accepted exactly when the smartcard and factory attempts that apply
    /// have been made.
    /// A device keeps the applied digest across a restart: the restored
    /// monitor gives the same verdicts as the one before.
    #[test]
    fn restore_keeps_what_was_applied() {
        use crate::procedure::{Fault, RunError};
        let m = Monitor::restore(Some([7; 32]));
        assert_eq!(m.applied_digest(), Some([7; 32]));
        assert!(m.holds_card_data());
        let mut m2 = Monitor::restore(m.applied_digest());
        let gone: Result<Bootstrap<'_>, RunError<Fault>> = Err(RunError::Card(Fault::CardAbsent));
        assert_eq!(m2.check(gone), Ok(Verdict::Removed));
        assert_eq!(m2.applied_digest(), None);
        assert_eq!(Monitor::restore(None), Monitor::new());
    }

    #[test]
    fn every_capability_combination_in_order() {
        for bits in 0..16 {
            let c = caps(bits);
            let want = expected_order(c);
            let mut seq = Sequencer::new(c);
            assert_eq!(
                seq.smartcard_allowed(),
                c.has_smartcard && c.smartcard_provisioning,
                "{c:?}"
            );
            let mut got = Vec::new();
            loop {
                let pending_early = want[got.len()..]
                    .iter()
                    .any(|m| matches!(m, Mode::Smartcard | Mode::Factory));
                assert_eq!(
                    seq.accepts_server_initiated(),
                    !pending_early,
                    "{c:?} after {got:?}"
                );
                let Some(m) = seq.next_mode() else { break };
                got.push(m);
                assert!(got.len() <= 3, "{c:?} loops: {got:?}");
                seq.report(m, false);
            }
            assert_eq!(got, want, "{c:?}");
        }
    }

    /// A success at any step ends the sequence; a server-initiated report
    /// changes no attempt.
    #[test]
    fn success_ends_the_sequence() {
        let all = caps(0b1111);
        for stop in 0..3 {
            let mut seq = Sequencer::new(all);
            for _ in 0..stop {
                let m = seq.next_mode().unwrap();
                seq.report(m, false);
            }
            let m = seq.next_mode().unwrap();
            seq.report(m, true);
            assert_eq!(seq.next_mode(), None, "success at step {stop}");
        }
        let mut seq = Sequencer::new(all);
        seq.report(Mode::ServerInitiated, false);
        assert_eq!(seq.next_mode(), Some(Mode::Smartcard));
        assert!(!seq.accepts_server_initiated());
        seq.report(Mode::ServerInitiated, true);
        assert_eq!(seq.next_mode(), None);
    }
}
