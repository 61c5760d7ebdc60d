//! Compiler diagnostics and their rendering (through codespan-reporting).
//!
//! Every diagnostic has one primary span, rendered as
//!
//! ```text
//! error: unknown field `z` on struct `Point`
//!   --> demo.berth:3:7
//!    |
//!  3 |     p.z = 1;
//!    |       ^ `Point` has fields `x`, `y`
//! ```

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, Chars, Config, termcolor::WriteColor};

use crate::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One line, lower case, no final period.
    pub message: String,
    pub span: Span,
    /// Printed beside the caret; may be empty.
    pub label: String,
    /// Extra lines printed under the snippet as `= note: ...`.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), span, label: String::new(), notes: Vec::new() }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(span, message) }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// A source file as diagnostics show it: the name the user gave and the text.
pub struct SourceFile<'a> {
    file: SimpleFile<&'a str, &'a str>,
}

impl<'a> SourceFile<'a> {
    pub fn new(name: &'a str, text: &'a str) -> SourceFile<'a> {
        SourceFile { file: SimpleFile::new(name, text) }
    }

    /// Renders diagnostics in source order (errors and warnings interleaved
    /// as they occur in the file), each followed by a blank line.
    pub fn emit(&self, out: &mut dyn WriteColor, diagnostics: &[Diagnostic]) {
        let config = Config { chars: Chars::ascii(), ..Config::default() };
        let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
        sorted.sort_by_key(|d| (d.span.start, d.span.end));
        let len = self.file.source().len();
        for d in sorted {
            let start = (d.span.start as usize).min(len);
            let end = (d.span.end as usize).clamp(start, len);
            let severity = match d.severity {
                Severity::Error => CsSeverity::Error,
                Severity::Warning => CsSeverity::Warning,
            };
            let cs = CsDiagnostic::new(severity)
                .with_message(&d.message)
                .with_labels(vec![Label::primary((), start..end).with_message(&d.label)])
                .with_notes(d.notes.iter().map(|n| format!("note: {n}")).collect());
            // Writing to an in-memory or standard stream only fails if the
            // stream is closed, and then there is no one left to tell.
            let _ = term::emit(out, &config, &self.file, &cs);
        }
    }

    /// The rendered diagnostics as plain text (no colour), as tests see them.
    pub fn render(&self, diagnostics: &[Diagnostic]) -> String {
        let mut out = term::termcolor::NoColor::new(Vec::new());
        self.emit(&mut out, diagnostics);
        String::from_utf8_lossy(&out.into_inner()).into_owned()
    }
}
