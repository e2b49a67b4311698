//! AES block operations, keyed CMAC and the SCP03 data derivation scheme
//! (NIST SP 800-108 counter mode with CMAC, Amendment D 4.1.5).

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256};
use cmac::{Cmac, Mac};
use zeroize::Zeroize;

use super::Scp03Error;

/// An AES key schedule of any of the three sizes; `Cleared` once zeroized.
/// The `aes` crate zeroizes a schedule when it is dropped.
pub(crate) enum Cipher {
    Cleared,
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

impl Cipher {
    pub(crate) fn new(key: &[u8]) -> Result<Cipher, Scp03Error> {
        Ok(match key.len() {
            16 => Cipher::A128(Aes128::new(GenericArray::from_slice(key))),
            24 => Cipher::A192(Aes192::new(GenericArray::from_slice(key))),
            32 => Cipher::A256(Aes256::new(GenericArray::from_slice(key))),
            _ => return Err(Scp03Error::InvalidKey),
        })
    }

    pub(crate) fn encrypt_block(&self, b: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Cipher::Cleared => {}
            Cipher::A128(c) => c.encrypt_block(b),
            Cipher::A192(c) => c.encrypt_block(b),
            Cipher::A256(c) => c.encrypt_block(b),
        }
    }

    /// CBC-encrypt `buf` (a whole number of blocks) in place.
    pub(crate) fn cbc_encrypt(&self, iv: &[u8; 16], buf: &mut [u8]) {
        let mut prev = *iv;
        for chunk in buf.chunks_exact_mut(16) {
            let mut block = [0u8; 16];
            for ((o, c), p) in block.iter_mut().zip(chunk.iter()).zip(prev.iter()) {
                *o = c ^ p;
            }
            self.encrypt_block(&mut block);
            chunk.copy_from_slice(&block);
            prev = block;
        }
        prev.zeroize();
    }

    /// CBC-decrypt `ct` (a whole number of blocks) into `out` (same length).
    /// The blocks are deciphered in parallel where the backend can.
    pub(crate) fn cbc_decrypt(&self, iv: &[u8; 16], ct: &[u8], out: &mut [u8]) {
        type Block = GenericArray<u8, aes::cipher::consts::U16>;
        // Decipher up to 8 blocks at a time (parallel on AES-NI), then un-chain.
        for (ct8, out8) in ct.chunks(128).zip(out.chunks_mut(128)) {
            let mut blocks: [Block; 8] = Default::default();
            let n = ct8.len() / 16;
            for (b, c) in blocks.iter_mut().zip(ct8.chunks_exact(16)) {
                b.copy_from_slice(c);
            }
            let bs = blocks.get_mut(..n).unwrap_or(&mut []);
            match self {
                Cipher::Cleared => {}
                Cipher::A128(c) => c.decrypt_blocks(bs),
                Cipher::A192(c) => c.decrypt_blocks(bs),
                Cipher::A256(c) => c.decrypt_blocks(bs),
            }
            for (o, b) in out8.chunks_exact_mut(16).zip(blocks.iter()) {
                o.copy_from_slice(b);
            }
            blocks.iter_mut().for_each(|b| b.as_mut_slice().zeroize());
        }
        let prevs = core::iter::once(&iv[..]).chain(ct.chunks_exact(16));
        for (chunk, prev) in out.chunks_exact_mut(16).zip(prevs) {
            for (o, p) in chunk.iter_mut().zip(prev.iter()) {
                *o ^= p;
            }
        }
    }
}

/// A keyed CMAC (NIST SP 800-38B), reset after each use; `Cleared` once zeroized.
pub(crate) enum Prf {
    Cleared,
    A128(Cmac<Aes128>),
    A192(Cmac<Aes192>),
    A256(Cmac<Aes256>),
}

fn run<M: Mac + cmac::digest::FixedOutputReset>(m: &mut M, parts: &[&[u8]]) -> [u8; 16] {
    for p in parts {
        Mac::update(m, p);
    }
    let mut out = [0u8; 16];
    let tag = m.finalize_reset().into_bytes();
    out.copy_from_slice(&tag);
    out
}

impl Prf {
    pub(crate) fn new(key: &[u8]) -> Result<Prf, Scp03Error> {
        Ok(match key.len() {
            16 => Prf::A128(<Cmac<Aes128> as KeyInit>::new(GenericArray::from_slice(
                key,
            ))),
            24 => Prf::A192(<Cmac<Aes192> as KeyInit>::new(GenericArray::from_slice(
                key,
            ))),
            32 => Prf::A256(<Cmac<Aes256> as KeyInit>::new(GenericArray::from_slice(
                key,
            ))),
            _ => return Err(Scp03Error::InvalidKey),
        })
    }

    /// The full 16-byte CMAC of the concatenation of `parts`.
    pub(crate) fn mac(&mut self, parts: &[&[u8]]) -> [u8; 16] {
        match self {
            Prf::Cleared => [0; 16],
            Prf::A128(m) => run(m, parts),
            Prf::A192(m) => run(m, parts),
            Prf::A256(m) => run(m, parts),
        }
    }
}

/// Data derivation (Amendment D 4.1.5): `L` bits from `key` with derivation
/// `constant` over `context` (given in parts), written to `out` (`L/8` bytes).
pub(crate) fn kdf(
    key: &[u8],
    constant: u8,
    context: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Scp03Error> {
    let l_bits = u16::try_from(out.len() * 8).map_err(|_| Scp03Error::InvalidKey)?;
    let mut prf = Prf::new(key)?;
    let [l_hi, l_lo] = l_bits.to_be_bytes();
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        // label (11 x 00 || constant) || separation 00 || L || counter i
        let mut fixed = [0u8; 16];
        fixed[11] = constant;
        fixed[13] = l_hi;
        fixed[14] = l_lo;
        fixed[15] = (i + 1) as u8;
        let mut parts: [&[u8]; 4] = [&fixed, &[], &[], &[]];
        for (slot, c) in parts.iter_mut().skip(1).zip(context.iter()) {
            *slot = c;
        }
        let mut block = prf.mac(&parts);
        chunk.copy_from_slice(block.get(..chunk.len()).unwrap_or(&[]));
        block.zeroize();
    }
    Ok(())
}
