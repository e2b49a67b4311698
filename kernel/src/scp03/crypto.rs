//! AES block operations, keyed CMAC and the SCP03 data derivation scheme
//! (NIST SP 800-108 counter mode with CMAC, Amendment D 4.1.5).

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes128Enc, Aes192, Aes192Enc, Aes256, Aes256Enc};
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
    /// The schedule of a 16, 24 or 32-byte key; `Cleared` for any other
    /// length (callers check lengths first). Infallible, so that a session
    /// can be built in place.
    #[inline]
    pub(crate) fn keyed(key: &[u8]) -> Cipher {
        match key.len() {
            16 => Cipher::A128(Aes128::new(GenericArray::from_slice(key))),
            24 => Cipher::A192(Aes192::new(GenericArray::from_slice(key))),
            32 => Cipher::A256(Aes256::new(GenericArray::from_slice(key))),
            _ => Cipher::Cleared,
        }
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
    /// CBC decryption in place over whole blocks.
    pub(crate) fn cbc_decrypt_in_place(&self, iv: &[u8; 16], buf: &mut [u8]) {
        type Block = GenericArray<u8, aes::cipher::consts::U16>;
        let mut prev = *iv;
        // Decipher up to 8 blocks at a time (parallel on AES-NI), then un-chain
        // with the ciphertext blocks kept aside.
        for group in buf.chunks_mut(128) {
            let mut blocks: [Block; 8] = Default::default();
            let mut cipher_text = [0u8; 128];
            let n = group.len() / 16;
            cipher_text
                .get_mut(..group.len())
                .unwrap_or(&mut [])
                .copy_from_slice(group);
            for (b, c) in blocks.iter_mut().zip(group.chunks_exact(16)) {
                b.copy_from_slice(c);
            }
            let bs = blocks.get_mut(..n).unwrap_or(&mut []);
            match self {
                Cipher::Cleared => {}
                Cipher::A128(c) => c.decrypt_blocks(bs),
                Cipher::A192(c) => c.decrypt_blocks(bs),
                Cipher::A256(c) => c.decrypt_blocks(bs),
            }
            for ((o, b), c) in group
                .chunks_exact_mut(16)
                .zip(blocks.iter())
                .zip(cipher_text.chunks_exact(16))
            {
                for ((o, x), p) in o.iter_mut().zip(b.iter()).zip(prev.iter()) {
                    *o = x ^ p;
                }
                prev.copy_from_slice(c);
            }
            blocks.iter_mut().for_each(|b| b.as_mut_slice().zeroize());
        }
    }
}

/// An encryption-only AES schedule (CMAC never deciphers: no inverse
/// round keys to compute); `Cleared` once zeroized.
#[derive(Clone)]
enum EncCipher {
    Cleared,
    A128(Aes128Enc),
    A192(Aes192Enc),
    A256(Aes256Enc),
}

impl EncCipher {
    #[inline]
    fn keyed(key: &[u8]) -> EncCipher {
        match key.len() {
            16 => EncCipher::A128(Aes128Enc::new(GenericArray::from_slice(key))),
            24 => EncCipher::A192(Aes192Enc::new(GenericArray::from_slice(key))),
            32 => EncCipher::A256(Aes256Enc::new(GenericArray::from_slice(key))),
            _ => EncCipher::Cleared,
        }
    }

    #[inline]
    fn encrypt_block(&self, b: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            EncCipher::Cleared => {}
            EncCipher::A128(c) => c.encrypt_block(b),
            EncCipher::A192(c) => c.encrypt_block(b),
            EncCipher::A256(c) => c.encrypt_block(b),
        }
    }
}

/// AES-CMAC (NIST SP 800-38B) over an encryption-only AES schedule: the two
/// subkeys and the key schedule, nothing else. Every SCP03 MAC is one call
/// over a few slices (chaining value, header, data), so the CBC-MAC runs
/// straight over them: full blocks are taken in place, only the block that
/// straddles two slices is assembled. No state survives a call.
///
/// Branches depend only on lengths (public); the subkey derivation uses a
/// mask, not a branch, for the conditional `Rb` reduction.
#[derive(Clone)]
pub(crate) struct Prf {
    cipher: EncCipher,
    k1: [u8; 16],
    k2: [u8; 16],
}

impl Drop for Prf {
    fn drop(&mut self) {
        // The schedule zeroizes itself (aes `zeroize` feature).
        self.k1.zeroize();
        self.k2.zeroize();
    }
}

/// Doubling in GF(2^128) (SP 800-38B 6.1): shift left one bit, and if the
/// bit shifted out was 1, add `Rb = 0x87` (a mask, not a branch).
fn dbl(b: &[u8; 16]) -> [u8; 16] {
    let v = u128::from_be_bytes(*b);
    let rb = 0u128.wrapping_sub(v >> 127) & 0x87;
    ((v << 1) ^ rb).to_be_bytes()
}

#[inline(always)]
fn xor_into(acc: &mut [u8; 16], block: &[u8]) {
    for (a, b) in acc.iter_mut().zip(block.iter()) {
        *a ^= b;
    }
}

impl Prf {
    /// Key a CMAC: the key schedule and the subkeys K1, K2 (SP 800-38B 6.1).
    pub(crate) fn new(key: &[u8]) -> Result<Prf, Scp03Error> {
        if !matches!(key.len(), 16 | 24 | 32) {
            return Err(Scp03Error::InvalidKey);
        }
        Ok(Prf::keyed(key))
    }

    /// [`Prf::new`] for a key of a checked length (otherwise a cleared PRF).
    #[inline]
    pub(crate) fn keyed(key: &[u8]) -> Prf {
        let mut prf = Prf {
            cipher: EncCipher::keyed(key),
            k1: [0; 16],
            k2: [0; 16],
        };
        let mut l = [0u8; 16];
        prf.cipher.encrypt_block(&mut l);
        prf.k1 = dbl(&l);
        prf.k2 = dbl(&prf.k1);
        l.zeroize();
        prf
    }

    /// Drop the key: the schedule and the subkeys are zeroized now.
    pub(crate) fn clear(&mut self) {
        self.cipher = EncCipher::Cleared;
        self.k1.zeroize();
        self.k2.zeroize();
    }

    /// The full 16-byte CMAC of the concatenation of `parts` (SP 800-38B 6.2).
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 16] {
        if matches!(self.cipher, EncCipher::Cleared) {
            return [0; 16];
        }
        let mut x = [0u8; 16];
        // The last (possibly partial) block is held back until the end.
        let mut pending = [0u8; 16];
        let mut n = 0usize;
        for part in parts {
            let mut p: &[u8] = part;
            while !p.is_empty() {
                if n == 16 {
                    xor_into(&mut x, &pending);
                    self.cipher.encrypt_block(&mut x);
                    n = 0;
                }
                if n == 0 {
                    // Whole blocks straight from the input, keeping at least
                    // one byte back (the final block is special).
                    while p.len() > 16 {
                        let (block, rest) = p.split_at(16);
                        xor_into(&mut x, block);
                        self.cipher.encrypt_block(&mut x);
                        p = rest;
                    }
                }
                let take = (16 - n).min(p.len());
                let (head, rest) = p.split_at(take);
                if let Some(dst) = pending.get_mut(n..n + take) {
                    dst.copy_from_slice(head);
                }
                n += take;
                p = rest;
            }
        }
        // M_n* complete: XOR K1; otherwise pad 10* and XOR K2.
        if n == 16 {
            xor_into(&mut pending, &self.k1);
        } else {
            if let Some((first, zeros)) = pending.get_mut(n..).and_then(|t| t.split_first_mut()) {
                *first = 0x80;
                zeros.fill(0);
            }
            xor_into(&mut pending, &self.k2);
        }
        xor_into(&mut x, &pending);
        pending.zeroize();
        self.cipher.encrypt_block(&mut x);
        x
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
    kdf_with(&Prf::new(key)?, constant, context, out)
}

/// [`kdf`] with the PRF already keyed: one key schedule serves several
/// derivations from the same key (S-MAC and S-RMAC from Key-MAC, both
/// cryptograms from S-MAC).
pub(crate) fn kdf_with(
    prf: &Prf,
    constant: u8,
    context: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Scp03Error> {
    let l_bits = u16::try_from(out.len() * 8).map_err(|_| Scp03Error::InvalidKey)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const M: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                     30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

    /// NIST SP 800-38B Appendix D: every key size, messages of 0, 16, 40, 64 bytes.
    #[test]
    fn sp800_38b_examples() {
        let m = hex(M);
        let cases = [
            (
                "2b7e151628aed2a6abf7158809cf4f3c",
                [
                    "bb1d6929e95937287fa37d129b756746",
                    "070a16b46b4d4144f79bdd9dd04a287c",
                    "dfa66747de9ae63030ca32611497c827",
                    "51f0bebf7e3b9d92fc49741779363cfe",
                ],
            ),
            (
                "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
                [
                    "d17ddf46adaacde531cac483de7a9367",
                    "9e99a7bf31e710900662f65e617c5184",
                    "8a1de5be2eb31aad089a82e6ee908b0e",
                    "a1d5df0eed790f794d77589659f39a11",
                ],
            ),
            (
                "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
                [
                    "028962f61b7bf89efc6b551f4667d983",
                    "28a7023f452e8f82bd4bf28d8c37c35c",
                    "aaf3d8f1de5640c232f5b169b9c911e6",
                    "e1992190549f6ed5696a2c056c315410",
                ],
            ),
        ];
        for (key, tags) in cases {
            let prf = Prf::new(&hex(key)).unwrap();
            for (len, tag) in [0usize, 16, 40, 64].into_iter().zip(tags) {
                assert_eq!(
                    prf.mac(&[&m[..len]]).to_vec(),
                    hex(tag),
                    "key {key} len {len}"
                );
            }
        }
        // The subkeys of D.1.
        let prf = Prf::new(&hex("2b7e151628aed2a6abf7158809cf4f3c")).unwrap();
        assert_eq!(prf.k1.to_vec(), hex("fbeed618357133667c85e08f7236a8de"));
        assert_eq!(prf.k2.to_vec(), hex("f7ddac306ae266ccf90bc11ee46d513b"));
    }

    #[test]
    fn cleared_key_macs_nothing() {
        let mut prf = Prf::new(&[7; 16]).unwrap();
        prf.clear();
        assert_eq!(prf.mac(&[b"abc"]), [0; 16]);
        assert_eq!((prf.k1, prf.k2), ([0; 16], [0; 16]));
    }

    fn reference(key: &[u8], msg: &[u8]) -> [u8; 16] {
        use cmac::{Cmac, Mac};
        fn one<M: Mac + KeyInit>(key: &[u8], msg: &[u8]) -> [u8; 16] {
            let mut m = <M as KeyInit>::new_from_slice(key).unwrap();
            m.update(msg);
            m.finalize().into_bytes().as_slice().try_into().unwrap()
        }
        match key.len() {
            16 => one::<Cmac<Aes128>>(key, msg),
            24 => one::<Cmac<Aes192>>(key, msg),
            _ => one::<Cmac<Aes256>>(key, msg),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 2000 }))]
        /// Any message, cut into any parts, MACs as RustCrypto's `cmac` does
        /// on the whole message.
        #[test]
        fn agrees_with_rustcrypto_cmac(
            key_len in prop::sample::select(std::vec![16usize, 24, 32]),
            key_byte in any::<u8>(),
            msg in proptest::collection::vec(any::<u8>(), 0..100),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        ) {
            let key: Vec<u8> = (0..key_len).map(|i| key_byte ^ i as u8).collect();
            let mut at: Vec<usize> = cuts.iter().map(|c| c.index(msg.len() + 1)).collect();
            at.sort_unstable();
            let mut parts: Vec<&[u8]> = Vec::new();
            let mut prev = 0;
            for &a in &at {
                parts.push(&msg[prev..a]);
                prev = a;
            }
            parts.push(&msg[prev..]);
            let prf = Prf::new(&key).unwrap();
            prop_assert_eq!(prf.mac(&parts), reference(&key, &msg));
        }
    }
}
