//! `decode`: name and explain WinHTTP Status / Info flags, error codes and HRESULTs pasted from
//! a log.

use std::io::Write;

use tlsinspect::trace::codes::{Decoded, Explanation, decode};

use crate::cli::args::{DecodeArgs, DecodeFormat};
use crate::cli::config::usage;
use crate::cli::{CliError, Exit};

pub(crate) fn run(args: &DecodeArgs) -> Result<Exit, CliError> {
    let decoded = args
        .values
        .iter()
        .map(|input| {
            decode(input)
                .map(|readings| Decoded {
                    input: input.clone(),
                    readings,
                })
                .map_err(|error| usage(error.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut stdout = std::io::stdout().lock();
    match args.format {
        DecodeFormat::Json => {
            serde_json::to_writer_pretty(&mut stdout, &decoded).map_err(std::io::Error::other)?;
            writeln!(stdout)?;
        }
        DecodeFormat::Text => {
            for (index, item) in decoded.iter().enumerate() {
                if index > 0 {
                    writeln!(stdout)?;
                }
                for reading in &item.readings {
                    write_reading(&mut stdout, reading)?;
                }
            }
        }
    }
    stdout.flush()?;
    Ok(Exit::Clean)
}

fn write_reading(out: &mut impl Write, reading: &Explanation) -> std::io::Result<()> {
    let what = match reading.reading {
        tlsinspect::trace::codes::Reading::Error => "error code",
        tlsinspect::trace::codes::Reading::Hresult => "HRESULT",
        tlsinspect::trace::codes::Reading::InfoFlags => "Info flags",
        tlsinspect::trace::codes::Reading::Status => "Status",
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
