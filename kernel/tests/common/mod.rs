//! Helpers shared by the kernel's integration tests. Each test binary
//! includes this module and uses some of them.
#![allow(dead_code)]

/// Bytes from hex text (white space ignored), for vectors written in tests.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: String = s.split_whitespace().collect();
    hex::decode(digits).expect("hex in a test vector")
}

/// `levels` context-specific `[0]` elements, each holding the next (short
/// lengths: up to 127 levels).
pub fn nested_a0(levels: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for _ in 0..levels {
        let inner = std::mem::take(&mut v);
        v = vec![0xA0, inner.len() as u8];
        v.extend(inner);
    }
    v
}
