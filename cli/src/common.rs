//! What every `dualp` layer shares: input reading, hex, errors with exit
//! statuses, and the two output forms (JSON lines and a readable tree).

use serde_json::Value;
use std::fmt::Write as _;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

/// A `dualp` failure and its exit status.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input (malformed frame, bad hex, bad JSON): exit status 1.
    #[error("{0}")]
    BadInput(String),
    /// A cryptographic check failed (tag, MIC, signature): exit status 1.
    #[error("cryptographic check failed: {0}")]
    Crypto(String),
    /// An I/O error: exit status 1.
    #[error("{0}")]
    Io(String),
    /// A usage error: exit status 2.
    #[error("{0}")]
    Usage(String),
}

impl CliError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::BadInput(_) | CliError::Crypto(_) | CliError::Io(_) => 1,
            CliError::Usage(_) => 2,
        }
    }

    /// A bad-input error from any displayable decoder error.
    pub fn bad(e: impl std::fmt::Display) -> Self {
        CliError::BadInput(e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e.to_string())
    }
}

/// Input options every `decode` layer takes.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DecodeIo {
    /// The frame as hex (case-insensitive; spaces, colons and a 0x prefix allowed).
    /// Without it, the frame comes from --file or standard input.
    #[arg(value_name = "HEX", num_args = 0..)]
    pub hex: Vec<String>,
    /// Read the frame from this file (hex text, or bytes with --raw).
    #[arg(long, value_name = "F")]
    pub file: Option<PathBuf>,
    /// The file (or standard input) holds the frame's bytes, not hex text.
    #[arg(long)]
    pub raw: bool,
    /// Print JSON (one object per frame, one per line) instead of a tree.
    #[arg(long)]
    pub json: bool,
}

impl DecodeIo {
    /// The input bytes: from HEX, --file or standard input (empty when none
    /// is given and standard input is a terminal).
    pub fn read(&self) -> Result<Vec<u8>, CliError> {
        if !self.hex.is_empty() {
            return parse_hex(&self.hex.join(" "));
        }
        let data = match &self.file {
            Some(p) => {
                std::fs::read(p).map_err(|e| CliError::Io(format!("{}: {e}", p.display())))?
            }
            None => {
                let mut v = Vec::new();
                let stdin = std::io::stdin();
                if !stdin.is_terminal() {
                    stdin.lock().read_to_end(&mut v)?;
                }
                v
            }
        };
        if self.raw {
            Ok(data)
        } else {
            parse_hex(&String::from_utf8_lossy(&data))
        }
    }
}

/// Parses hex text: case-insensitive digits; whitespace, colons and a `0x`
/// prefix (per chunk) are ignored. Errors give the character offset.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, CliError> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut hi: Option<(u8, usize)> = None;
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let at_chunk_start = i == 0
            || bytes
                .get(i - 1)
                .is_some_and(|p| p.is_ascii_whitespace() || *p == b':');
        if at_chunk_start
            && c == b'0'
            && matches!(bytes.get(i + 1), Some(b'x' | b'X'))
            && hi.is_none()
        {
            i += 2;
            continue;
        }
        if c.is_ascii_whitespace() || c == b':' {
            i += 1;
            continue;
        }
        let v = (c as char).to_digit(16).ok_or_else(|| {
            CliError::BadInput(format!("invalid hex digit {:?} at offset {i}", c as char))
        })? as u8;
        match hi.take() {
            None => hi = Some((v, i)),
            Some((h, _)) => out.push(h << 4 | v),
        }
        i += 1;
    }
    if let Some((_, at)) = hi {
        return Err(CliError::BadInput(format!(
            "odd number of hex digits (lone digit at offset {at})"
        )));
    }
    Ok(out)
}

/// Lowercase hex, as every JSON byte string is written.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Reads a hex string field of a JSON object.
pub fn json_hex(v: &Value, key: &str) -> Result<Vec<u8>, CliError> {
    let s = v
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::BadInput(format!("missing hex string field `{key}`")))?;
    parse_hex(s)
}

/// Reads an unsigned integer field of a JSON object (a number, or a string in
/// decimal or 0x hex).
pub fn json_u64(v: &Value, key: &str) -> Result<u64, CliError> {
    match v.get(key) {
        Some(Value::Number(n)) => n
            .as_u64()
            .ok_or_else(|| CliError::BadInput(format!("field `{key}` is not an unsigned integer"))),
        Some(Value::String(s)) => parse_number(s).map_err(CliError::BadInput),
        _ => Err(CliError::BadInput(format!("missing integer field `{key}`"))),
    }
}

/// Parses a number in decimal or `0x` hex (for numeric options such as `--cluster 0x0702`).
pub fn parse_number(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let r = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => t.parse::<u64>(),
    };
    r.map_err(|_| format!("`{s}` is not a decimal or 0x-hex number"))
}

/// A clap value parser for u16 options in decimal or hex.
pub fn parse_u16(s: &str) -> Result<u16, String> {
    parse_number(s)
        .and_then(|v| u16::try_from(v).map_err(|_| format!("`{s}` does not fit 16 bits")))
}

/// Reads the `encode` input: one JSON value, or JSON lines, from a file or
/// standard input (`-` or no file).
pub fn read_json_input(file: Option<&PathBuf>) -> Result<Vec<Value>, CliError> {
    let text = match file {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read_to_string(p).map_err(|e| CliError::Io(format!("{}: {e}", p.display())))?
        }
        _ => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s)?;
            s
        }
    };
    let mut out = Vec::new();
    for v in serde_json::Deserializer::from_str(&text).into_iter::<Value>() {
        out.push(v.map_err(|e| CliError::BadInput(format!("bad JSON: {e}")))?);
    }
    Ok(out)
}

/// Renders a decoded frame as an indented tree for people.
pub fn render_tree(v: &Value) -> String {
    let mut s = String::new();
    tree(&mut s, v, 0);
    s
}

fn tree(out: &mut String, v: &Value, depth: usize) {
    let pad = "  ".repeat(depth);
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                match val {
                    Value::Object(_) | Value::Array(_) if !is_empty(val) => {
                        let _ = writeln!(out, "{pad}{k}:");
                        tree(out, val, depth + 1);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}{k}: {}", scalar(val));
                    }
                }
            }
        }
        Value::Array(a) => {
            for (i, val) in a.iter().enumerate() {
                match val {
                    Value::Object(_) | Value::Array(_) if !is_empty(val) => {
                        let _ = writeln!(out, "{pad}[{i}]");
                        tree(out, val, depth + 1);
                    }
                    _ => {
                        let _ = writeln!(out, "{pad}[{i}] {}", scalar(val));
                    }
                }
            }
        }
        other => {
            let _ = writeln!(out, "{pad}{}", scalar(other));
        }
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(parse_hex("0x0A:bc de").unwrap(), vec![0x0a, 0xbc, 0xde]);
        assert_eq!(parse_hex("0X01 0x02").unwrap(), vec![1, 2]);
        assert_eq!(parse_hex("").unwrap(), Vec::<u8>::new());
        let e = parse_hex("01 0g").unwrap_err().to_string();
        assert!(e.contains("offset 4"), "{e}");
        let e = parse_hex("abc").unwrap_err().to_string();
        assert!(e.contains("odd number"), "{e}");
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u16("0x0702"), Ok(0x0702));
        assert_eq!(parse_u16("1794"), Ok(1794));
        assert!(parse_u16("70000").is_err());
        assert!(parse_u16("zz").is_err());
    }
}
