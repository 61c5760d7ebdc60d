//! Reading a source file and reporting diagnostics against it.

use std::io::IsTerminal;
use std::path::Path;

use berth_syntax::codespan::term::termcolor::{ColorChoice, StandardStream};
use berth_syntax::{Diagnostic, SourceFile, Span};

pub struct Source {
    /// The path as the user wrote it; diagnostics show it this way.
    pub name: String,
    pub text: String,
}

/// The largest file spans can address.
const MAX_SOURCE_BYTES: usize = u32::MAX as usize;

impl Source {
    /// Reads a file. On failure the error is already reported.
    pub fn load(path: &Path) -> Result<Source, ()> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| {
            eprintln!("error: cannot read `{name}`: {}", io_reason(&error));
        })?;
        if bytes.len() > MAX_SOURCE_BYTES {
            eprintln!("error: `{name}` is too large (over 4 GiB)");
            return Err(());
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Source { name, text }),
            Err(error) => {
                // Show the file as far as it reads, with the bad byte marked.
                let at = error.utf8_error().valid_up_to();
                let bad = error.as_bytes()[at];
                let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
                let source = Source { name, text };
                let diagnostic = Diagnostic::error(Span::new(at, at + 1), "source file is not valid UTF-8")
                    .with_label(format!("byte 0x{bad:02x} does not start or continue a UTF-8 character"));
                source.report(&[diagnostic]);
                Err(())
            }
        }
    }

    /// Prints diagnostics to stderr, coloured when it is a terminal.
    pub fn report(&self, diagnostics: &[Diagnostic]) {
        if diagnostics.is_empty() {
            return;
        }
        let choice = if std::io::stderr().is_terminal() { ColorChoice::Auto } else { ColorChoice::Never };
        let mut stderr = StandardStream::stderr(choice);
        SourceFile::new(&self.name, &self.text).emit(&mut stderr, diagnostics);
    }
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => error.to_string(),
    }
}
