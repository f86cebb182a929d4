//! The library's error type.

use crate::exact::rational::ParseError;

/// Everything that can go wrong, with the facts a user needs to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The text is not valid JSON.
    #[error("{source_name}:{line}:{column}: invalid JSON: {message}")]
    Json {
        /// The file (or `<input>`).
        source_name: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// The JSON is well formed but not a valid relucheck file.
    #[error("{source_name}: at {path}: {message}")]
    Format {
        /// The file (or `<input>`).
        source_name: String,
        /// Where in the document, e.g. `layers[2].weights[1][0]`.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Layer sizes do not chain.
    #[error("layer {layer} ({kind}): expected {expected}, found {found}{}", hint_suffix(.hint))]
    Shape {
        /// 0-based index of the layer in `layers`.
        layer: usize,
        /// The layer type.
        kind: String,
        /// What the previous layer produces (or the layer needs).
        expected: String,
        /// What this layer states.
        found: String,
        /// How to fix it.
        hint: Option<String>,
    },
    /// A layer's parameters are invalid (e.g. `hard_tanh` with `min >= max`).
    #[error("layer {layer} ({kind}): {message}")]
    Layer {
        /// 0-based index of the layer.
        layer: usize,
        /// The layer type.
        kind: String,
        /// What is wrong.
        message: String,
    },
    /// A residual block's branches are invalid or do not fit.
    #[error("layer {layer} (residual): at {path}: {message}")]
    Residual {
        /// 0-based index of the block in the network's `layers`.
        layer: usize,
        /// Where inside the block, e.g. `layers[2]`, `skip[0]`, `layers[1].layers[0]`.
        path: String,
        /// What is wrong, starting with the inner layer's type.
        message: String,
    },
    /// An input point has the wrong length.
    #[error("input has {found} values, the network takes {expected}")]
    InputLength {
        /// The network's input size.
        expected: usize,
        /// The given length.
        found: usize,
    },
    /// A number could not be parsed.
    #[error("{context}: {source}")]
    Number {
        /// Where the number was.
        context: String,
        /// Why it is not a number.
        source: ParseError,
    },
    /// Anything else the user supplied that is invalid, with how to fix it.
    #[error("{0}")]
    Invalid(String),
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!(" ({h})")).unwrap_or_default()
}

/// Shorthand for results with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
