//! Helpers shared by the reference model's tests.

/// Bytes from hex text (white space ignored), for vectors written in tests.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    hex::decode(digits).expect("hex in a test vector")
}
