//! Errors of the reference model: a class name and an offset.

/// An error: `class` uses the kernel's error-kind names ("Truncated",
/// "LengthExceedsParent", ...), `offset` the same byte-position rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefError {
    /// The error class.
    pub class: &'static str,
    /// The byte offset in the input.
    pub offset: usize,
    /// Free text for people.
    pub detail: String,
}

/// Result of the reference model.
pub type RefResult<T> = Result<T, RefError>;

/// Build an error.
pub fn err<T>(class: &'static str, offset: usize, detail: impl Into<String>) -> RefResult<T> {
    Err(RefError {
        class,
        offset,
        detail: detail.into(),
    })
}
