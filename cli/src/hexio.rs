//! Reading input files (raw or hex text) and writing lowercase hex.

use std::io::Read;

pub use scboot_card::{from_hex, to_hex};

/// Read `path` (`-` for stdin), as hex text when `hex` is set, refusing
/// input above `max` bytes (hex text: above `4 * max` characters, room for
/// separators) without reading more than one byte past the limit.
pub fn read_input(path: &str, hex: bool, max: usize) -> Result<Vec<u8>, String> {
    let limit = if hex { 4 * max } else { max };
    let mut raw = Vec::new();
    let too_big =
        || format!("{path}: input is larger than {max} bytes (64 KiB), the largest card file");
    let read = if path == "-" {
        std::io::stdin()
            .lock()
            .take(limit as u64 + 1)
            .read_to_end(&mut raw)
            .map_err(|e| format!("cannot read stdin: {e}"))
    } else {
        std::fs::File::open(path)
            .and_then(|f| f.take(limit as u64 + 1).read_to_end(&mut raw))
            .map_err(|e| format!("cannot read {path}: {e}"))
    };
    read?;
    if raw.len() > limit {
        return Err(too_big());
    }
    if hex {
        let text = String::from_utf8(raw).map_err(|_| format!("{path}: hex input is not text"))?;
        let bytes = from_hex(&text)?;
        if bytes.len() > max {
            return Err(too_big());
        }
        Ok(bytes)
    } else {
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_whitespace() {
        assert_eq!(from_hex("0A 1b\n\tff").unwrap(), vec![0x0A, 0x1B, 0xFF]);
        assert_eq!(to_hex(&[0x0A, 0x1B, 0xFF]), "0a1bff");
        assert!(from_hex("abc").unwrap_err().contains("odd"));
        assert!(from_hex("zz").unwrap_err().contains("invalid"));
        assert_eq!(from_hex("0a:1b").unwrap(), vec![0x0A, 0x1B]);
    }
}
