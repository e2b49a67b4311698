//! AES block operations (ICVs, CBC), AES-CMAC, and the SCP03 data
//! derivation scheme (NIST SP 800-108 counter mode with CMAC, Amendment D
//! 4.1.5).
//!
//! CMAC is RustCrypto's `cmac` over a borrowed, keyed `aes` cipher: each
//! key's AES schedule is built once ([`Mac::new`]) and every MAC runs a
//! `Cmac<&Aes*Enc>` whose only state is its 32 bytes of chaining and
//! buffer, on the stack: no schedule is rebuilt, cloned or moved per MAC.
//! CBC and the ICVs use the `aes` block cipher directly. There is no
//! "cleared" key: a session that ends drops its keys (zeroized), so a key
//! cannot be used after it was cleared (see `session.rs`).

use aes::cipher::consts::U16;
use aes::cipher::generic_array::GenericArray;
use aes::cipher::inout::InOutBuf;
use aes::cipher::{BlockBackend, BlockClosure, BlockDecrypt, BlockEncrypt, BlockSizeUser, KeyInit};
use aes::{Aes128, Aes128Enc};
#[cfg(feature = "aes192")]
use aes::{Aes192, Aes192Enc};
#[cfg(feature = "aes256")]
use aes::{Aes256, Aes256Enc};
use cmac::digest::core_api::CoreWrapper;
use cmac::digest::{FixedOutputReset, InnerInit};
use cmac::CmacCore;
use zeroize::Zeroize;

use super::error::Scp03Error;

/// Key `slot` with a `C` schedule of `key` (whose length the caller
/// matched to `C`), as `wrap` makes it a slot's value. One copy per key
/// size, out of line: keying an AES-128 key takes an AES-128-sized
/// temporary even where the slot is sized for AES-256.
#[inline(never)]
fn key_sized<C: KeyInit, T>(slot: &mut Option<T>, key: &[u8], wrap: impl FnOnce(C) -> T) {
    *slot = Some(wrap(C::new(GenericArray::from_slice(key))));
}

/// CBC encryption in place over whole blocks, run inside one call to the
/// cipher's backend (the CPU's AES instructions are detected once per
/// message, not once per block): each block is XORed with the previous
/// ciphertext (the IV first) and enciphered.
struct CbcEncrypt<'a> {
    iv: &'a [u8; 16],
    buf: &'a mut [u8],
}

impl BlockSizeUser for CbcEncrypt<'_> {
    type BlockSize = U16;
}

impl BlockClosure for CbcEncrypt<'_> {
    #[inline(always)]
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        let mut block = GenericArray::from(*self.iv);
        for chunk in self.buf.chunks_exact_mut(16) {
            for (b, x) in block.iter_mut().zip(chunk.iter()) {
                *b ^= x;
            }
            backend.proc_block_inplace(&mut block);
            chunk.copy_from_slice(&block);
        }
    }
}

/// CBC decryption in place over whole blocks with the block cipher `c`.
/// Up to 8 blocks are deciphered together where they lie (in parallel on
/// AES-NI), then each is XORed with the ciphertext block before it, kept
/// aside from the group first (ciphertext only: nothing secret is left in
/// the copy).
#[inline]
fn cbc_decrypt_with<C: BlockDecrypt<BlockSize = U16>>(c: &C, iv: &[u8; 16], buf: &mut [u8]) {
    let mut prev = *iv;
    for group in buf.chunks_mut(128) {
        let mut cipher_text = [0u8; 128];
        let saved = cipher_text.get_mut(..group.len()).unwrap_or(&mut []);
        saved.copy_from_slice(group);
        let (blocks, _) = InOutBuf::from(&mut *group).into_chunks::<U16>();
        c.decrypt_blocks_inout(blocks);
        for (o, ct) in group.chunks_exact_mut(16).zip(saved.chunks_exact(16)) {
            for (x, p) in o.iter_mut().zip(prev.iter()) {
                *x ^= p;
            }
            prev.copy_from_slice(ct);
        }
    }
}

/// CBC decryption of the whole blocks of `input` into `out` (of the same
/// length; a longer one is left as it is past `input`'s length): every
/// block is deciphered where it goes (in parallel on AES-NI), then XORed
/// with the ciphertext block before it, read from `input`. Nothing is
/// copied aside.
#[inline]
fn cbc_decrypt_into_with<C: BlockDecrypt<BlockSize = U16>>(
    c: &C,
    iv: &[u8; 16],
    input: &[u8],
    out: &mut [u8],
) {
    let n = input.len() / 16 * 16;
    let (Some(input), Some(out)) = (input.get(..n), out.get_mut(..n)) else {
        return;
    };
    if let Ok(buf) = InOutBuf::new(input, &mut *out) {
        let (blocks, _) = buf.into_chunks::<U16>();
        c.decrypt_blocks_inout(blocks);
    }
    let mut prev = u128::from_ne_bytes(*iv);
    for (o, ct) in out.chunks_exact_mut(16).zip(input.chunks_exact(16)) {
        let (mut x, mut c) = ([0u8; 16], [0u8; 16]);
        x.copy_from_slice(o);
        c.copy_from_slice(ct);
        o.copy_from_slice(&(u128::from_ne_bytes(x) ^ prev).to_ne_bytes());
        prev = u128::from_ne_bytes(c);
    }
}

/// AES with a key of 16, 24 or 32 bytes (24 with feature `aes192`, 32
/// with `aes256`; other lengths are `InvalidKey`), for encryption and
/// decryption. The enum is as large as its largest key schedule, so a
/// device that leaves the larger keys out also keeps smaller schedules.
pub(crate) enum Cipher {
    A128(Aes128),
    #[cfg(feature = "aes192")]
    A192(Aes192),
    #[cfg(feature = "aes256")]
    A256(Aes256),
}

impl Cipher {
    /// The cipher keyed with `key` (16, 24 or 32 bytes).
    #[cfg(test)]
    pub(crate) fn new(key: &[u8]) -> Result<Cipher, Scp03Error> {
        let mut slot = None;
        Cipher::key_into(&mut slot, key)?;
        slot.ok_or(Scp03Error::InvalidKey)
    }

    /// Key the cipher in `slot` with `key` (16, 24 or 32 bytes), built
    /// there: no keyed schedule is returned through a `Result` and copied.
    /// Out of line, as [`Mac::key_into`]: the schedule's temporary lives in
    /// this frame only, never beside another key's.
    #[inline(never)]
    pub(crate) fn key_into(slot: &mut Option<Cipher>, key: &[u8]) -> Result<(), Scp03Error> {
        *slot = None;
        match key.len() {
            16 => key_sized(slot, key, Cipher::A128),
            #[cfg(feature = "aes192")]
            24 => key_sized(slot, key, Cipher::A192),
            #[cfg(feature = "aes256")]
            32 => key_sized(slot, key, Cipher::A256),
            _ => return Err(Scp03Error::InvalidKey),
        }
        Ok(())
    }

    pub(crate) fn encrypt_block(&self, b: &mut [u8; 16]) {
        let b = GenericArray::from_mut_slice(b);
        match self {
            Cipher::A128(c) => c.encrypt_block(b),
            #[cfg(feature = "aes192")]
            Cipher::A192(c) => c.encrypt_block(b),
            #[cfg(feature = "aes256")]
            Cipher::A256(c) => c.encrypt_block(b),
        }
    }

    /// CBC encryption in place over whole blocks. The key size is matched
    /// once, not per block: the loop runs on the concrete cipher.
    #[inline(never)]
    pub(crate) fn cbc_encrypt(&self, iv: &[u8; 16], buf: &mut [u8]) {
        let cbc = CbcEncrypt { iv, buf };
        match self {
            Cipher::A128(c) => c.encrypt_with_backend(cbc),
            #[cfg(feature = "aes192")]
            Cipher::A192(c) => c.encrypt_with_backend(cbc),
            #[cfg(feature = "aes256")]
            Cipher::A256(c) => c.encrypt_with_backend(cbc),
        }
    }

    /// CBC decryption of `input`'s whole blocks into `out` (the key size
    /// matched once, as for encryption): no copy of the ciphertext first.
    #[inline(never)]
    pub(crate) fn cbc_decrypt_into(&self, iv: &[u8; 16], input: &[u8], out: &mut [u8]) {
        match self {
            Cipher::A128(c) => cbc_decrypt_into_with(c, iv, input, out),
            #[cfg(feature = "aes192")]
            Cipher::A192(c) => cbc_decrypt_into_with(c, iv, input, out),
            #[cfg(feature = "aes256")]
            Cipher::A256(c) => cbc_decrypt_into_with(c, iv, input, out),
        }
    }

    /// CBC decryption in place over whole blocks (the key size matched
    /// once, as for encryption).
    #[inline(never)]
    pub(crate) fn cbc_decrypt_in_place(&self, iv: &[u8; 16], buf: &mut [u8]) {
        match self {
            Cipher::A128(c) => cbc_decrypt_with(c, iv, buf),
            #[cfg(feature = "aes192")]
            Cipher::A192(c) => cbc_decrypt_with(c, iv, buf),
            #[cfg(feature = "aes256")]
            Cipher::A256(c) => cbc_decrypt_with(c, iv, buf),
        }
    }
}

/// AES-CMAC (NIST SP 800-38B) with its AES key schedule built once.
///
/// It holds the keyed block cipher only; each MAC runs RustCrypto's `Cmac`
/// over a borrow of it (`Cmac<&Aes128Enc>`: the 32 bytes of CMAC state on
/// the stack, the schedule shared), so a MAC needs `&self`, and nothing is
/// cloned, reset or moved: the static keys serve every handshake as they
/// are, and a session keeps one schedule per key. The schedules are
/// zeroized on drop (`aes` with its `zeroize` feature).
#[derive(Clone)]
pub(crate) enum Mac {
    A128(Aes128Enc),
    #[cfg(feature = "aes192")]
    A192(Aes192Enc),
    #[cfg(feature = "aes256")]
    A256(Aes256Enc),
}

impl Mac {
    /// The MAC keyed with `key` (16, 24 or 32 bytes).
    pub(crate) fn new(key: &[u8]) -> Result<Mac, Scp03Error> {
        let mut slot = None;
        Mac::key_into(&mut slot, key)?;
        slot.ok_or(Scp03Error::InvalidKey)
    }

    /// Key the MAC in `slot` with `key` (16, 24 or 32 bytes), built there.
    #[inline(never)]
    pub(crate) fn key_into(slot: &mut Option<Mac>, key: &[u8]) -> Result<(), Scp03Error> {
        *slot = None;
        match key.len() {
            16 => key_sized(slot, key, Mac::A128),
            #[cfg(feature = "aes192")]
            24 => key_sized(slot, key, Mac::A192),
            #[cfg(feature = "aes256")]
            32 => key_sized(slot, key, Mac::A256),
            _ => return Err(Scp03Error::InvalidKey),
        }
        Ok(())
    }

    /// The MAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; 16] {
        // `Cmac` over a borrowed cipher: `&Aes*Enc` is a block cipher too.
        macro_rules! run {
            ($cipher:expr) => {{
                let mut m = CoreWrapper::from_core(CmacCore::inner_init($cipher));
                for p in parts {
                    cmac::Mac::update(&mut m, p);
                }
                let mut out = [0u8; 16];
                // Into `out` directly (no tag moved through a wrapper).
                FixedOutputReset::finalize_into_reset(
                    &mut m,
                    GenericArray::from_mut_slice(&mut out),
                );
                out
            }};
        }
        match self {
            Mac::A128(c) => run!(c),
            #[cfg(feature = "aes192")]
            Mac::A192(c) => run!(c),
            #[cfg(feature = "aes256")]
            Mac::A256(c) => run!(c),
        }
    }
}

/// The SCP03 KDF: `out.len()` bytes derived with derivation `constant`
/// over `context` (its parts concatenated), with `mac` as the PRF.
#[inline]
pub(crate) fn kdf_with(
    mac: &Mac,
    constant: u8,
    context: &[&[u8]],
    out: &mut [u8],
) -> Result<(), Scp03Error> {
    let l_bits = u16::try_from(out.len() * 8).map_err(|_| Scp03Error::InvalidKey)?;
    let [l_hi, l_lo] = l_bits.to_be_bytes();
    // label (11 x 00 || constant) || separation 00 || L || counter, then the
    // context: in one piece when it fits (always, in SCP03: two challenges
    // of 8 or 16 bytes, or a counter and an AID), one CMAC update per block
    // instead of one per part. Built once; only the counter changes.
    let mut data = [0u8; 64];
    data[11] = constant;
    data[13] = l_hi;
    data[14] = l_lo;
    let mut n = 16;
    let mut one_piece = true;
    for c in context {
        match data.get_mut(n..n + c.len()) {
            Some(d) => {
                d.copy_from_slice(c);
                n += c.len();
            }
            None => one_piece = false,
        }
    }
    for (i, chunk) in out.chunks_mut(16).enumerate() {
        data[15] = (i + 1) as u8;
        let mut block = if one_piece {
            mac.mac(&[data.get(..n).unwrap_or(&[])])
        } else {
            let mut parts: [&[u8]; 4] = [&data[..16], &[], &[], &[]];
            for (slot, c) in parts.iter_mut().skip(1).zip(context.iter()) {
                *slot = c;
            }
            mac.mac(&parts)
        };
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
    // proptest's assertion macros call `format!` unqualified (this crate is no_std).
    #[allow(unused_imports)]
    use std::format;

    fn hex(s: &str) -> Vec<u8> {
        ::hex::decode(s).unwrap()
    }

    /// The key sizes this build keys (the vectors of the others are left out).
    fn key_sizes_built() -> Vec<usize> {
        [16, 24, 32]
            .into_iter()
            .filter(|&n| crate::scp03::key_len_supported(n))
            .collect()
    }

    /// NIST SP 800-38B Appendix D.1-D.3 (the CMAC examples): AES-128/192/256
    /// over 0, 16, 40 and 64 bytes of the example message.
    const M: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                     30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

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
            if !crate::scp03::key_len_supported(key.len() / 2) {
                continue;
            }
            // One keyed MAC for all four messages: each MAC starts afresh.
            let mac = Mac::new(&hex(key)).unwrap();
            for (len, tag) in [0usize, 16, 40, 64].into_iter().zip(tags) {
                assert_eq!(
                    mac.mac(&[&m[..len]]).to_vec(),
                    hex(tag),
                    "key {key} len {len}"
                );
            }
        }
        assert!(Mac::new(&[0; 15]).is_err() && Cipher::new(&[0; 33]).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 500 }))]
        /// A message split into parts MACs as the whole message, with the
        /// keyed MAC reused between messages.
        #[test]
        fn parts_and_reuse(
            key_len in prop::sample::select(key_sizes_built()),
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
            let mac = Mac::new(&key).unwrap();
            let whole = mac.mac(&[&msg]);
            prop_assert_eq!(mac.mac(&parts), whole);
            prop_assert_eq!(Mac::new(&key).unwrap().mac(&[&msg]), whole);
        }
    }

    /// The KDF is its definition (SP 800-108 in counter mode, the counter
    /// last, as SCP03 lays it out) whether its derivation data fits the
    /// one-piece buffer or not: contexts of 0 to 100 bytes, in one part and
    /// in two, one block and two blocks of output.
    #[test]
    fn kdf_is_its_definition_at_every_context_length() {
        let mac = Mac::new(&[0x5A; 16]).unwrap();
        let context: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(37)).collect();
        // Miri interprets every AES round (all ten lengths took 78 s there):
        // one length below a block, one across, one above two blocks.
        let lens: &[usize] = if cfg!(miri) {
            &[0, 19, 49]
        } else {
            &[0, 8, 16, 19, 32, 47, 48, 49, 64, 100]
        };
        for &len in lens {
            let ctx = &context[..len];
            for out_len in [16usize, 32] {
                let mut want = std::vec![0u8; out_len];
                for (i, chunk) in want.chunks_mut(16).enumerate() {
                    let mut fixed = [0u8; 16];
                    fixed[11] = 0x04;
                    fixed[13..15].copy_from_slice(&((out_len * 8) as u16).to_be_bytes());
                    fixed[15] = i as u8 + 1;
                    chunk.copy_from_slice(&mac.mac(&[&fixed, ctx]));
                }
                let mut whole = std::vec![0u8; out_len];
                kdf_with(&mac, 0x04, &[ctx], &mut whole).unwrap();
                assert_eq!(whole, want, "context of {len} bytes, {out_len} out");
                let (a, b) = ctx.split_at(len / 2);
                let mut split = std::vec![0u8; out_len];
                kdf_with(&mac, 0x04, &[a, b], &mut split).unwrap();
                assert_eq!(split, want, "context of {len} bytes in two parts");
            }
        }
    }

    /// CBC (in place, and deciphered into another buffer) against the
    /// textbook chaining of single blocks.
    #[test]
    fn cbc_round_trip_in_place() {
        let c = Cipher::new(&[7; 16]).unwrap();
        let iv = [3u8; 16];
        let counts: &[usize] = if cfg!(miri) {
            &[1, 9]
        } else {
            &[1, 7, 8, 9, 17]
        };
        for &blocks in counts {
            let plain: Vec<u8> = (0..16 * blocks).map(|i| i as u8).collect();
            let mut buf = plain.clone();
            c.cbc_encrypt(&iv, &mut buf);
            let mut prev = iv;
            for (k, chunk) in plain.chunks(16).enumerate() {
                let mut b = [0u8; 16];
                for j in 0..16 {
                    b[j] = chunk[j] ^ prev[j];
                }
                c.encrypt_block(&mut b);
                assert_eq!(&buf[16 * k..16 * k + 16], &b);
                prev = b;
            }
            // Out of place: into a longer buffer, past which nothing is
            // written.
            let mut out = std::vec![0xEE; buf.len() + 16];
            c.cbc_decrypt_into(&iv, &buf, &mut out);
            assert_eq!(&out[..buf.len()], &plain[..], "{blocks} blocks, into");
            assert_eq!(&out[buf.len()..], &[0xEE; 16]);
            c.cbc_decrypt_in_place(&iv, &mut buf);
            assert_eq!(buf, plain, "{blocks} blocks");
        }
    }
}
