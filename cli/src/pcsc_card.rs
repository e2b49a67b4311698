//! The PC/SC transport (cargo feature `pcsc`).

#[cfg(feature = "pcsc")]
mod imp {
    use scboot::procedure::Card;

    /// A card in a PC/SC reader.
    pub struct PcscCard {
        card: pcsc::Card,
    }

    impl Card for PcscCard {
        type Error = pcsc::Error;

        fn transmit(&mut self, command: &[u8], response: &mut [u8]) -> Result<usize, pcsc::Error> {
            self.card.transmit(command, response).map(<[u8]>::len)
        }
    }

    /// Connect to the first reader whose name contains `name`.
    pub fn connect(name: &str) -> Result<PcscCard, String> {
        let ctx = pcsc::Context::establish(pcsc::Scope::User).map_err(|e| format!("PC/SC: {e}"))?;
        let mut buf = vec![0u8; ctx.list_readers_len().map_err(|e| format!("PC/SC: {e}"))?];
        let readers: Vec<_> = ctx
            .list_readers(&mut buf)
            .map_err(|e| format!("PC/SC: {e}"))?
            .collect();
        let reader = readers
            .iter()
            .find(|r| r.to_string_lossy().contains(name))
            .ok_or_else(|| {
                let names: Vec<_> = readers
                    .iter()
                    .map(|r| r.to_string_lossy().into_owned())
                    .collect();
                format!("no PC/SC reader matches {name:?} (readers: {names:?})")
            })?;
        let card = ctx
            .connect(reader, pcsc::ShareMode::Shared, pcsc::Protocols::ANY)
            .map_err(|e| format!("PC/SC connect {}: {e}", reader.to_string_lossy()))?;
        Ok(PcscCard { card })
    }
}

#[cfg(feature = "pcsc")]
pub use imp::connect;

/// Without the `pcsc` feature there is no reader to connect to.
#[cfg(not(feature = "pcsc"))]
pub fn connect(_name: &str) -> Result<scboot_card::VirtualCard, String> {
    Err("this scboot was built without PC/SC support: rebuild with `--features pcsc` (needs libpcsclite-dev)".into())
}
