//! The INITIALIZE UPDATE response, parsed strictly.

use super::error::Scp03Error;
use super::params::{i_param, Mode};

/// The INITIALIZE UPDATE response data (Amendment D Table 7-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InitUpdateResponse {
    /// Key diversification data.
    pub kdd: [u8; 10],
    /// Key version number.
    pub kvn: u8,
    /// Secure Channel Protocol identifier (03).
    pub scp: u8,
    /// The `i` parameter.
    pub i: u8,
    card_challenge: [u8; 16],
    card_cryptogram: [u8; 16],
    /// The sequence counter, present with a pseudo-random challenge.
    pub sequence_counter: Option<[u8; 3]>,
}

impl InitUpdateResponse {
    /// No response yet (a session not keyed).
    pub(crate) const EMPTY: InitUpdateResponse = InitUpdateResponse {
        kdd: [0; 10],
        kvn: 0,
        scp: 0,
        i: 0,
        card_challenge: [0; 16],
        card_cryptogram: [0; 16],
        sequence_counter: None,
    };

    /// Parse strictly: lengths consistent with `i`, SCP 03, and the mode the host asked for.
    pub fn parse(data: &[u8], mode: Mode) -> Result<InitUpdateResponse, Scp03Error> {
        let m = mode.available()?.session_size();
        let bad = Scp03Error::MalformedInitializeUpdateResponse;
        let base = 13 + 2 * m;
        if data.len() != base && data.len() != base + 3 {
            return Err(bad("length is not 29/32 (S8) or 45/48 (S16)"));
        }
        let get = |r: core::ops::Range<usize>| data.get(r).ok_or(bad("truncated"));
        let mut kdd = [0u8; 10];
        kdd.copy_from_slice(get(0..10)?);
        let [kvn, scp, i] = *data
            .get(10..13)
            .and_then(|s| s.first_chunk::<3>())
            .ok_or(bad("truncated"))?;
        if scp != 0x03 {
            return Err(Scp03Error::UnsupportedProtocol(scp));
        }
        if Mode::from_i(i) != mode {
            return Err(Scp03Error::ModeMismatch);
        }
        let has_seq = data.len() == base + 3;
        if has_seq != (i & i_param::PSEUDO_RANDOM_CHALLENGE != 0) {
            return Err(bad("sequence counter presence disagrees with i"));
        }
        let mut card_challenge = [0u8; 16];
        let mut card_cryptogram = [0u8; 16];
        card_challenge
            .get_mut(..m)
            .ok_or(bad("truncated"))?
            .copy_from_slice(get(13..13 + m)?);
        card_cryptogram
            .get_mut(..m)
            .ok_or(bad("truncated"))?
            .copy_from_slice(get(13 + m..13 + 2 * m)?);
        let sequence_counter = if has_seq {
            let mut s = [0u8; 3];
            s.copy_from_slice(get(base..base + 3)?);
            Some(s)
        } else {
            None
        };
        Ok(InitUpdateResponse {
            kdd,
            kvn,
            scp,
            i,
            card_challenge,
            card_cryptogram,
            sequence_counter,
        })
    }

    /// The mode `i` names.
    pub const fn mode(&self) -> Mode {
        Mode::from_i(self.i)
    }

    /// The card challenge (8 or 16 bytes).
    pub fn card_challenge(&self) -> &[u8] {
        self.card_challenge
            .get(..self.mode().session_size())
            .unwrap_or(&[])
    }

    /// The card cryptogram (8 or 16 bytes).
    pub fn card_cryptogram(&self) -> &[u8] {
        self.card_cryptogram
            .get(..self.mode().session_size())
            .unwrap_or(&[])
    }
}
