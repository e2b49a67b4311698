//! Helpers shared by the kernel's integration tests.

/// Bytes from hex text (white space ignored), for vectors written in tests.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    hex::decode(digits).expect("hex in a test vector")
}

/// Whether this build keys AES with `n`-byte keys (the kernel's features
/// `aes192` and `aes256`): vectors with other key sizes are left out.
#[allow(dead_code)]
pub fn key_size_built(n: usize) -> bool {
    n == 16 || (n == 24 && cfg!(feature = "aes192")) || (n == 32 && cfg!(feature = "aes256"))
}
