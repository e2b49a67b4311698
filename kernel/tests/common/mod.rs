//! Helpers shared by the kernel's integration tests.

/// Bytes from hex text (white space ignored), for vectors written in tests.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    hex::decode(digits).expect("hex in a test vector")
}
