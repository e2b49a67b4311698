//! The transport the procedure runs over.

/// A card reader (or a virtual card): one command APDU out, one response APDU in.
pub trait Card {
    /// What the transport reports when it fails (card removed, reader gone).
    type Error: core::fmt::Debug;

    /// Send `command`; write the response (data and SW1 SW2) into `response`
    /// and return its length.
    fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, Self::Error>;
}
