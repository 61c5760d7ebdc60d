//! Line-oriented output with the layout the minimiser relies on: one
//! statement per line, every block opened by a line ending in `{` and closed
//! by a line holding just `}` (or `} else {`), four-space indentation.

#[derive(Default)]
pub struct Out {
    lines: Vec<String>,
    indent: usize,
}

impl Out {
    /// One complete statement or item line.
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.lines.push(format!("{}{}", "    ".repeat(self.indent), text.as_ref()));
    }

    /// `head {` and indent.
    pub fn open(&mut self, head: impl AsRef<str>) {
        self.line(format!("{} {{", head.as_ref()));
        self.indent += 1;
    }

    /// A closing line `}`.
    pub fn close(&mut self) {
        assert!(self.indent > 0, "unbalanced close");
        self.indent -= 1;
        self.line("}");
    }

    /// `} else {` (or `} else if c {`): close one block and open the next.
    pub fn reopen(&mut self, middle: impl AsRef<str>) {
        assert!(self.indent > 0, "unbalanced reopen");
        self.indent -= 1;
        self.line(format!("}} {} {{", middle.as_ref()));
        self.indent += 1;
    }

    /// A line taken as is (already indented).
    pub fn raw(&mut self, text: &str) {
        self.lines.push(text.to_string());
    }

    pub fn blank(&mut self) {
        self.lines.push(String::new());
    }

    /// Appends a finished, balanced piece of output.
    pub fn append(&mut self, other: Out) {
        assert_eq!(other.indent, 0, "appending an unbalanced fragment");
        for l in other.lines {
            if l.is_empty() {
                self.lines.push(l);
            } else {
                self.line(l);
            }
        }
    }

    /// The text so far (for reference scans).
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn finish(self) -> String {
        assert_eq!(self.indent, 0, "unbalanced output");
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }
}
