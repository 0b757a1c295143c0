//! The scanner: text → items, keeping every byte.
//!
//! The grammar is the one of `docs/dotenv.md` (compose-go's dialect). Each item keeps its exact source
//! text (`raw`, line ending included) so printing a document is the concatenation of its items.

use std::ops::Range;

use super::{Assign, Bare, Item, ItemKind, ParseError, ParseErrorKind, Quote, QuoteChar};

/// Characters that may start a key.
pub(crate) fn is_key_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

/// Characters that may continue a key.
pub(crate) fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-'
}

/// Whether `key` is a key of the dialect: `[A-Za-z_][A-Za-z0-9_.-]*`.
pub fn is_valid_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty() && is_key_start(b[0]) && b[1..].iter().all(|&c| is_key_char(c))
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

pub(crate) struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// 1-based line number at `pos`.
    line: usize,
    /// Byte offset of the start of the current line.
    line_start: usize,
    /// Line offset added to reported line numbers (for re-parsing a single item).
    base_line: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Parser { text, bytes: text.as_bytes(), pos: 0, line: 1, line_start: 0, base_line: 0 }
    }

    fn err_at(&self, pos: usize, kind: ParseErrorKind) -> ParseError {
        // `pos` is on the current line or on an earlier one we remember by (line, line_start).
        self.err_at_line(self.line, self.line_start, pos, kind)
    }

    fn err_at_line(&self, line: usize, line_start: usize, pos: usize, kind: ParseErrorKind) -> ParseError {
        let column = self.text[line_start..pos].chars().count() + 1;
        ParseError { line: line + self.base_line, column, kind }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> usize {
        let start = self.pos;
        while self.pos < self.bytes.len() && is_ws(self.bytes[self.pos]) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Position of the end of the current line's content (before `\n`, `\r\n` or EOF), checking that
    /// no lone CR comes first.
    fn line_end(&self, from: usize) -> Result<usize, ParseError> {
        let mut i = from;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'\n' => return Ok(i),
                b'\r' => {
                    if self.bytes.get(i + 1) == Some(&b'\n') {
                        return Ok(i);
                    }
                    return Err(self.err_at(i, ParseErrorKind::LoneCarriageReturn));
                }
                _ => i += 1,
            }
        }
        Ok(i)
    }

    /// Consumes the line ending at `pos` (which must be at a line end or EOF).
    fn eat_eol(&mut self) {
        match self.peek() {
            Some(b'\n') => self.pos += 1,
            Some(b'\r') => self.pos += 2, // line_end() guaranteed the `\n`
            _ => return,
        }
        self.line += 1;
        self.line_start = self.pos;
    }

    /// Parses every item of the text.
    pub(crate) fn parse_all(mut self) -> Result<Vec<Item>, ParseError> {
        // (The guess at the number of items is capped: 64 MiB of text guessed 2.8 M items, 245 MB.)
        let mut items = Vec::with_capacity((self.bytes.len() / 24 + 1).min(1 << 16));
        while self.pos < self.bytes.len() {
            if items.len() == super::MAX_ITEMS {
                return Err(self.err_at(self.pos, ParseErrorKind::TooManyLines));
            }
            items.push(self.item()?);
        }
        Ok(items)
    }

    /// Parses exactly one item that must span the whole text (used to check edits).
    pub(crate) fn parse_one(text: &'a str, base_line: usize) -> Result<Item, ParseError> {
        let mut p = Parser::new(text);
        p.base_line = base_line;
        let item = p.item()?;
        if p.pos != text.len() {
            return Err(p.err_at(p.pos, ParseErrorKind::TextAfterQuote));
        }
        Ok(item)
    }

    fn item(&mut self) -> Result<Item, ParseError> {
        let start = self.pos;
        self.skip_ws();
        let kind = match self.peek() {
            None | Some(b'\n') | Some(b'\r') => {
                let end = self.line_end(self.pos)?;
                self.pos = end;
                ItemKind::Blank
            }
            Some(b'#') => {
                self.pos = self.line_end(self.pos)?;
                ItemKind::Comment
            }
            Some(_) => self.assignment(start)?,
        };
        self.eat_eol();
        Ok(Item { raw: self.text[start..self.pos].to_owned(), kind })
    }

    fn assignment(&mut self, start: usize) -> Result<ItemKind, ParseError> {
        let mut export = false;
        if self.text[self.pos..].starts_with("export") && self.bytes.get(self.pos + 6).is_some_and(|&c| is_ws(c)) {
            let save = self.pos;
            self.pos += 6;
            self.skip_ws();
            if self.peek().is_some_and(is_key_start) {
                export = true;
            } else {
                // `export = 1` or `export` alone: the key is `export`.
                self.pos = save;
            }
        }

        let key_start = self.pos;
        match self.peek() {
            Some(c) if is_key_start(c) => {}
            Some(c @ (b'"' | b'\'')) => {
                return Err(self.err_at(self.pos, ParseErrorKind::QuotedKey(c as char)));
            }
            _ => {
                let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                return Err(self.err_at(self.pos, ParseErrorKind::InvalidKeyStart(c)));
            }
        }
        while self.peek().is_some_and(is_key_char) {
            self.pos += 1;
        }
        let key_end = self.pos;
        let key = rel(start, key_start..key_end);
        let ws = self.skip_ws();
        match self.peek() {
            Some(b'=') => self.pos += 1,
            None | Some(b'\n') | Some(b'\r') => {
                self.pos = self.line_end(self.pos)?;
                return Ok(ItemKind::Bare(Bare { key, export }));
            }
            Some(b'#') if ws > 0 => {
                self.pos = self.line_end(self.pos)?;
                return Ok(ItemKind::Bare(Bare { key, export }));
            }
            Some(b':') => return Err(self.err_at(self.pos, ParseErrorKind::ColonSeparator)),
            Some(_) if ws == 0 => {
                let c = self.text[self.pos..].chars().next().unwrap_or(' ');
                return Err(self.err_at(self.pos, ParseErrorKind::InvalidKeyChar(c)));
            }
            Some(_) => return Err(self.err_at(self.pos, ParseErrorKind::ExpectedEquals)),
        }
        let eq_end = self.pos;
        self.skip_ws();
        let (value_raw, value, quote) = match self.peek() {
            Some(b'"') => self.quoted(start, QuoteChar::Double)?,
            Some(b'\'') => self.quoted(start, QuoteChar::Single)?,
            _ => self.unquoted(start, eq_end)?,
        };
        Ok(ItemKind::Assignment(Assign { export, key, value_raw, value, quote }))
    }

    /// An unquoted value. An empty one sits right after the `=` (so setting a value keeps the spacing
    /// before a following comment).
    fn unquoted(&mut self, start: usize, eq_end: usize) -> Result<(Range<usize>, String, Quote), ParseError> {
        let vstart = self.pos;
        let end = self.line_end(vstart)?;
        let seg = &self.bytes[vstart..end];
        let mut vend = vstart;
        if seg.first() != Some(&b'#') {
            let mut cut = seg.len();
            for i in 1..seg.len() {
                if seg[i] == b'#' && is_ws(seg[i - 1]) {
                    cut = i;
                    break;
                }
            }
            let mut t = cut;
            while t > 0 && is_ws(seg[t - 1]) {
                t -= 1;
            }
            vend = vstart + t;
        }
        self.pos = end;
        if vend == vstart {
            return Ok((rel(start, eq_end..eq_end), String::new(), Quote::None));
        }
        let value = self.text[vstart..vend].to_owned();
        Ok((rel(start, vstart..vend), value, Quote::None))
    }

    fn quoted(&mut self, start: usize, q: QuoteChar) -> Result<(Range<usize>, String, Quote), ParseError> {
        let (open_line, open_line_start, open) = (self.line, self.line_start, self.pos);
        let quote = q.byte();
        let mut value = String::new();
        let mut i = open + 1;
        let mut chunk = i;
        loop {
            let Some(&c) = self.bytes.get(i) else {
                return Err(self.err_at_line(open_line, open_line_start, open, ParseErrorKind::UnterminatedQuote(q)));
            };
            match c {
                b'\\' => {
                    let next = self.bytes.get(i + 1).copied();
                    let decoded = match (q, next) {
                        (QuoteChar::Double, Some(b'n')) => Some('\n'),
                        (QuoteChar::Double, Some(b'r')) => Some('\r'),
                        (QuoteChar::Double, Some(b't')) => Some('\t'),
                        (QuoteChar::Double, Some(b'\\')) => Some('\\'),
                        (QuoteChar::Double, Some(b'"')) => Some('"'),
                        (QuoteChar::Double, Some(b'$')) => Some('$'),
                        (QuoteChar::Single, Some(b'\'')) => Some('\''),
                        _ => None,
                    };
                    if let Some(d) = decoded {
                        value.push_str(&self.text[chunk..i]);
                        value.push(d);
                        i += 2;
                        chunk = i;
                    } else {
                        // Any other backslash is kept as typed; the next character is read normally.
                        i += 1;
                    }
                }
                b'\r' => {
                    if self.bytes.get(i + 1) != Some(&b'\n') {
                        return Err(self.err_at(i, ParseErrorKind::LoneCarriageReturn));
                    }
                    // CRLF inside a quoted value reads as LF (compose-go normalises line endings).
                    value.push_str(&self.text[chunk..i]);
                    value.push('\n');
                    i += 2;
                    chunk = i;
                    self.line += 1;
                    self.line_start = i;
                }
                b'\n' => {
                    i += 1;
                    self.line += 1;
                    self.line_start = i;
                }
                c if c == quote => {
                    value.push_str(&self.text[chunk..i]);
                    i += 1;
                    break;
                }
                _ => i += 1,
            }
        }
        let token = rel(start, open..i);
        self.pos = i;
        self.skip_ws();
        match self.peek() {
            None | Some(b'\n') | Some(b'\r') => {
                self.pos = self.line_end(self.pos)?;
            }
            Some(b'#') => self.pos = self.line_end(self.pos)?,
            Some(_) => return Err(self.err_at(self.pos, ParseErrorKind::TextAfterQuote)),
        }
        let quote = match q {
            QuoteChar::Single => Quote::Single,
            QuoteChar::Double => Quote::Double,
        };
        Ok((token, value, quote))
    }
}

fn rel(start: usize, r: Range<usize>) -> Range<usize> {
    r.start - start..r.end - start
}
