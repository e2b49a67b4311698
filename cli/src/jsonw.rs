//! A streaming JSON writer: output goes to the writer as it is produced, so
//! that no command holds text proportional to a count it read from hostile
//! input. The layout is serde_json's pretty one (two-space indent).

use std::io::{self, Write};

use serde::Serialize;

/// Writes one JSON value, object by object and array by array.
pub struct JsonWriter<'w> {
    w: &'w mut dyn Write,
    /// One entry per open container: whether it has items yet.
    open: Vec<bool>,
    /// A key was written and its value is expected next.
    after_key: bool,
}

impl<'w> JsonWriter<'w> {
    /// A writer that writes to `w`.
    pub fn new(w: &'w mut dyn Write) -> JsonWriter<'w> {
        JsonWriter {
            w,
            open: Vec::new(),
            after_key: false,
        }
    }

    fn indent(&mut self) -> io::Result<()> {
        for _ in 0..self.open.len() {
            self.w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Before a value: the comma and line break an array item needs.
    fn before_value(&mut self) -> io::Result<()> {
        if self.after_key {
            self.after_key = false;
            return Ok(());
        }
        if let Some(has_items) = self.open.last_mut() {
            let first = !*has_items;
            *has_items = true;
            self.w.write_all(if first { b"\n" } else { b",\n" })?;
            self.indent()?;
        }
        Ok(())
    }

    /// Open an object (as a value or an array item).
    pub fn begin_object(&mut self) -> io::Result<()> {
        self.before_value()?;
        self.w.write_all(b"{")?;
        self.open.push(false);
        Ok(())
    }

    /// Open an array.
    pub fn begin_array(&mut self) -> io::Result<()> {
        self.before_value()?;
        self.w.write_all(b"[")?;
        self.open.push(false);
        Ok(())
    }

    fn end(&mut self, close: &[u8]) -> io::Result<()> {
        let had_items = self.open.pop().unwrap_or(false);
        if had_items {
            self.w.write_all(b"\n")?;
            self.indent()?;
        }
        self.w.write_all(close)?;
        if self.open.is_empty() {
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// Close the innermost object.
    pub fn end_object(&mut self) -> io::Result<()> {
        self.end(b"}")
    }

    /// Close the innermost array.
    pub fn end_array(&mut self) -> io::Result<()> {
        self.end(b"]")
    }

    /// A key in the innermost object; its value follows.
    pub fn key(&mut self, k: &str) -> io::Result<()> {
        self.before_value()?;
        serde_json::to_writer(&mut *self.w, k)?;
        self.w.write_all(b": ")?;
        self.after_key = true;
        Ok(())
    }

    /// A complete value (as an object field after [`JsonWriter::key`], or an
    /// array item), written in the same pretty layout at this depth.
    pub fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> io::Result<()> {
        self.before_value()?;
        let text = serde_json::to_string_pretty(v)?;
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.w.write_all(first.as_bytes())?;
        }
        for line in lines {
            self.w.write_all(b"\n")?;
            self.indent()?;
            self.w.write_all(line.as_bytes())?;
        }
        if self.open.is_empty() {
            self.w.write_all(b"\n")?;
        }
        Ok(())
    }

    /// `key` then `value`.
    pub fn field<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) -> io::Result<()> {
        self.key(k)?;
        self.value(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The stream is byte for byte what serde_json's pretty printer writes
    /// for the same value.
    #[test]
    fn same_layout_as_serde_json() {
        let mut out = Vec::new();
        let mut j = JsonWriter::new(&mut out);
        j.begin_object().unwrap();
        j.field("a", &1).unwrap();
        j.key("list").unwrap();
        j.begin_array().unwrap();
        j.value(&json!({"x": [1, 2], "y": null})).unwrap();
        j.begin_object().unwrap();
        j.end_object().unwrap();
        j.begin_array().unwrap();
        j.end_array().unwrap();
        j.value("s").unwrap();
        j.end_array().unwrap();
        j.field("b", &json!({"nested": {"deep": true}})).unwrap();
        j.end_object().unwrap();
        let want = json!({
            "a": 1,
            "list": [{"x": [1, 2], "y": null}, {}, [], "s"],
            "b": {"nested": {"deep": true}},
        });
        let want = serde_json::to_string_pretty(&want).unwrap() + "\n";
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
