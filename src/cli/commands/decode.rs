//! `decode`: name and explain WinHTTP Status / Info flags, error codes and HRESULTs pasted from
//! a log.

use std::io::Write;

use tlsinspect::wincodes::{Decoded, Explanation, decode_pasted};

use crate::cli::args::{DecodeArgs, DecodeFormat};
use crate::cli::config::{usage, write_stdout};
use crate::cli::{CliError, Exit};

/// Each value is decoded on its own: one that cannot be read is said on stderr (exit 2) and
/// never hides the others.
pub(crate) fn run(args: &DecodeArgs) -> Result<Exit, CliError> {
    let mut decoded = Vec::new();
    let mut refused = Vec::new();
    for input in &args.values {
        match decode_pasted(input) {
            Ok(readings) => decoded.push(Decoded {
                input: input.clone(),
                readings,
            }),
            Err(error) => refused.push(error.to_string()),
        }
    }
    if decoded.is_empty() {
        return Err(usage(refused.join("; ")));
    }
    // A few lines: written whole, once (a reader that left is no failure).
    let mut text = Vec::new();
    match args.format {
        DecodeFormat::Json => {
            tlsinspect::render::write_document(&decoded, &mut text)?;
        }
        DecodeFormat::Text => {
            for (index, item) in decoded.iter().enumerate() {
                if index > 0 {
                    writeln!(text)?;
                }
                for reading in &item.readings {
                    write_reading(&mut text, reading)?;
                }
            }
        }
    }
    write_stdout(&text)?;
    if refused.is_empty() {
        return Ok(Exit::Clean);
    }
    for error in &refused {
        crate::cli::say(&format!("tlsinspect: error: {error}"));
    }
    Ok(Exit::Operational)
}

fn write_reading(out: &mut impl Write, reading: &Explanation) -> std::io::Result<()> {
    let what = match reading.reading {
        tlsinspect::wincodes::Reading::Error => "error code",
        tlsinspect::wincodes::Reading::Hresult => "HRESULT",
        tlsinspect::wincodes::Reading::InfoFlags => "Info flags",
        tlsinspect::wincodes::Reading::Status => "Status",
    };
    let names = if reading.names.is_empty() {
        "(no name in the tables)".to_owned()
    } else {
        reading.names.join(" | ")
    };
    writeln!(out, "{} as {what}: {names}", reading.value)?;
    if let Some(family) = &reading.family {
        writeln!(out, "  family: {family}")?;
    }
    writeln!(out, "  meaning: {}", reading.meaning)?;
    for code in &reading.findings {
        writeln!(out, "  a live check reports {code}: {}", code.advice())?;
    }
    Ok(())
}
