//! LaTeX → Unicode.
//!
//! One linear pass over the text, no regex. Two outputs share the pass:
//! - *plain* ([`to_unicode`]): accents and symbols decoded, case-protecting braces dropped,
//!   formatting commands dropped (their argument kept), whitespace folded;
//! - *markup* ([`to_markup`]): the same, but `{…}` case protection and the emphasis commands
//!   (`\emph`, `\textit`, `\textbf`, `\textsc`, `\textsuperscript`, `\textsubscript`) are kept,
//!   so a title can be written back to BibTeX or turned into CSL rich text.
//!
//! BibTeX accepts things LaTeX would not; so do we: a lone `$` is a dollar sign, a `%` is a
//! percent sign, an unknown command loses its name and keeps its argument.

use unicode_normalization::UnicodeNormalization;

/// Decodes LaTeX to plain Unicode: accents, symbols, dashes, `~`, escaped specials and simple
/// math; case-protecting braces and formatting commands dropped; whitespace folded to single
/// spaces and trimmed.
///
/// ```
/// use publist::bib::latex::to_unicode;
/// assert_eq!(to_unicode(r#"Ab{\'a}solo and {\"O}zt{\"u}rk"#), "Abásolo and Öztürk");
/// assert_eq!(to_unicode(r"{EEG} background--activity"), "EEG background–activity");
/// ```
pub fn to_unicode(text: &str) -> String {
    decode(text, false)
}

/// Decodes LaTeX to Unicode but keeps markup: `{…}` case protection and emphasis commands
/// (`\emph{…}`, `\textit{…}`, `\textbf{…}`, `\textsc{…}`, `\textsuperscript{…}`,
/// `\textsubscript{…}`). Braces that only wrap a special character (`{\"o}`) are dropped.
///
/// ```
/// use publist::bib::latex::to_markup;
/// assert_eq!(to_markup(r#"{EEG} of \emph{Pt{\"o}}"#), r"{EEG} of \emph{Ptö}");
/// ```
pub fn to_markup(text: &str) -> String {
    decode(text, true)
}

/// True when the text holds nothing that decoding would change.
fn is_plain(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut prev_space = true;
    for &b in bytes {
        match b {
            b'\\' | b'{' | b'}' | b'$' | b'~' | b'-' | b'`' | b'\'' | b'\t' | b'\r' | b'\n' => {
                return false
            }
            b' ' => {
                if prev_space {
                    return false;
                }
                prev_space = true;
            }
            _ => prev_space = false,
        }
    }
    !prev_space || bytes.is_empty()
}

fn decode(text: &str, markup: bool) -> String {
    if is_plain(text) {
        return text.to_string();
    }
    let mut d = Decoder {
        src: text,
        pos: 0,
        out: String::with_capacity(text.len()),
        markup,
        kept: Vec::new(),
    };
    d.run(false);
    fold_whitespace(&d.out)
}

/// Folds runs of ASCII whitespace to one space and trims. No-break spaces are kept.
fn fold_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars() {
        if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
            pending = !out.is_empty();
        } else {
            if pending {
                out.push(' ');
                pending = false;
            }
            out.push(c);
        }
    }
    out
}

struct Decoder<'a> {
    src: &'a str,
    pos: usize,
    out: String,
    markup: bool,
    /// For each open brace: whether it was written to the output (markup mode).
    kept: Vec<bool>,
}

impl Decoder<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_byte(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    /// Decodes until the end of the text (or, in math mode, until the closing `$`).
    fn run(&mut self, math: bool) {
        while let Some(c) = self.peek() {
            match c {
                '\\' => self.command(math),
                '{' => {
                    self.pos += 1;
                    let keep = self.markup && !self.starts_special_char();
                    if keep {
                        self.out.push('{');
                    }
                    self.kept.push(keep);
                }
                '}' => {
                    self.pos += 1;
                    if self.kept.pop() == Some(true) {
                        self.out.push('}');
                    }
                }
                '$' if !math => {
                    self.pos += 1;
                    match self.src[self.pos..].find('$').map(|i| self.pos + i) {
                        // A `$` with no partner is a dollar sign, as BibTeX sees it.
                        // Math is short; a partner far away is another lone `$`.
                        Some(end) if end > self.pos && end - self.pos <= 80 => {
                            // Decode the math on a shortened view of the same text, so
                            // positions stay valid.
                            let src = self.src;
                            let saved = std::mem::replace(&mut self.src, &src[..end]);
                            self.run(true);
                            self.src = saved;
                            self.pos = end + 1;
                        }
                        Some(end) if end == self.pos => self.pos = end + 1,
                        _ => self.out.push('$'),
                    }
                }
                '^' | '_' if math => {
                    self.pos += 1;
                    let arg = self.argument();
                    let decoded = decode(arg, false);
                    let mapped: Option<String> = if decoded == "\\circ" || decoded == "∘" {
                        Some("°".to_string())
                    } else if c == '^' {
                        decoded.chars().map(superscript).collect()
                    } else {
                        decoded.chars().map(subscript).collect()
                    };
                    self.out.push_str(mapped.as_deref().unwrap_or(&decoded));
                }
                '~' => {
                    self.pos += 1;
                    self.out.push('\u{a0}');
                }
                '-' => {
                    let rest = &self.src.as_bytes()[self.pos..];
                    if rest.starts_with(b"---") {
                        self.pos += 3;
                        self.out.push('—');
                    } else if rest.starts_with(b"--") {
                        self.pos += 2;
                        self.out.push('–');
                    } else {
                        self.pos += 1;
                        self.out.push('-');
                    }
                }
                '`' if self.src[self.pos..].starts_with("``") => {
                    self.pos += 2;
                    self.out.push('“');
                }
                '\'' if self.src[self.pos..].starts_with("''") => {
                    self.pos += 2;
                    self.out.push('”');
                }
                _ => {
                    self.pos += c.len_utf8();
                    self.out.push(c);
                }
            }
        }
    }

    /// After a `{`: does the group hold a BibTeX "special character" such as `{\"o}`?
    fn starts_special_char(&self) -> bool {
        let rest = &self.src[self.pos..];
        let Some(after) = rest.strip_prefix('\\') else {
            return false;
        };
        let name: &str = match after.chars().next() {
            Some(c) if c.is_ascii_alphabetic() => {
                let n = after.bytes().take_while(u8::is_ascii_alphabetic).count();
                &after[..n]
            }
            Some(c) => &after[..c.len_utf8()],
            None => return false,
        };
        accent_mark(name).is_some() || symbol(name).is_some()
    }

    /// Reads a command name after `\`.
    fn command_name(&mut self) -> &str {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut end = start;
        while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
            end += 1;
        }
        if end == start {
            if let Some(c) = self.src[start..].chars().next() {
                end = start + c.len_utf8();
            }
            self.pos = end;
            return &self.src[start..end];
        }
        self.pos = end;
        // A control word eats the spaces after it.
        while self.peek_byte() == Some(b' ') {
            self.pos += 1;
        }
        &self.src[start..end]
    }

    /// Reads one argument: a brace group (returned without braces) or one character.
    fn argument(&mut self) -> &str {
        while self.peek_byte() == Some(b' ') {
            self.pos += 1;
        }
        match self.peek() {
            Some('{') => {
                let start = self.pos + 1;
                let mut depth = 0usize;
                for (i, b) in self.src.as_bytes()[self.pos..].iter().enumerate() {
                    match b {
                        b'{' => depth += 1,
                        b'}' => {
                            depth -= 1;
                            if depth == 0 {
                                let end = self.pos + i;
                                self.pos = end + 1;
                                return &self.src[start..end];
                            }
                        }
                        _ => {}
                    }
                }
                // Unclosed: take the rest.
                self.pos = self.src.len();
                &self.src[start..]
            }
            Some('\\') => {
                let start = self.pos;
                self.pos += 1;
                let _ = self.command_name();
                &self.src[start..self.pos]
            }
            Some(c) => {
                let start = self.pos;
                self.pos += c.len_utf8();
                &self.src[start..self.pos]
            }
            None => "",
        }
    }

    fn command(&mut self, math: bool) {
        self.pos += 1; // the backslash
        let name = self.command_name().to_string();
        if name.is_empty() {
            self.out.push('\\');
            return;
        }
        if let Some(mark) = accent_mark(&name) {
            let arg = self.argument().to_string();
            let base = decode(&arg, false);
            let base = match base.as_str() {
                "ı" => "i".to_string(),
                "ȷ" => "j".to_string(),
                _ => base,
            };
            let mut chars = base.chars();
            match chars.next() {
                Some(first) => {
                    let composed: String = [first, mark].iter().collect::<String>().nfc().collect();
                    self.out.push_str(&composed);
                    self.out.extend(chars);
                }
                None => self.out.push(spacing_accent(&name)),
            }
            return;
        }
        if let Some(s) = symbol(&name) {
            self.out.push_str(s);
            return;
        }
        // Greek letters and the like also appear outside math in the wild.
        if let Some(s) = math_symbol(&name).filter(|_| math || name.len() > 1) {
            self.out.push_str(s);
            return;
        }
        if self.markup && KEPT_COMMANDS.contains(&name.as_str()) {
            self.out.push('\\');
            self.out.push_str(&name);
            // The argument's brace group follows and is kept as markup.
            if self.peek() != Some('{') {
                let arg = self.argument().to_string();
                self.out.push('{');
                self.out.push_str(&decode(&arg, true));
                self.out.push('}');
            }
        }
        // Otherwise an unknown or formatting command: drop the name, keep what follows.
    }
}

/// Commands kept in markup mode.
const KEPT_COMMANDS: &[&str] = &[
    "emph",
    "textit",
    "textbf",
    "textsc",
    "textsuperscript",
    "textsubscript",
];

/// The combining mark of an accent command.
fn accent_mark(name: &str) -> Option<char> {
    Some(match name {
        "'" => '\u{301}',
        "`" => '\u{300}',
        "^" => '\u{302}',
        "\"" => '\u{308}',
        "~" => '\u{303}',
        "=" => '\u{304}',
        "." => '\u{307}',
        "u" => '\u{306}',
        "v" => '\u{30c}',
        "H" => '\u{30b}',
        "c" => '\u{327}',
        "k" => '\u{328}',
        "r" => '\u{30a}',
        "d" => '\u{323}',
        "b" => '\u{331}',
        _ => return None,
    })
}

/// What an accent command gives with an empty argument (`\^{}`).
fn spacing_accent(name: &str) -> char {
    match name {
        "^" => '^',
        "~" => '~',
        "'" => '´',
        "`" => '`',
        "\"" => '¨',
        _ => ' ',
    }
}

/// Text-mode symbols and escaped specials.
fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "ss" => "ß",
        "o" => "ø",
        "O" => "Ø",
        "aa" => "å",
        "AA" => "Å",
        "ae" => "æ",
        "AE" => "Æ",
        "oe" => "œ",
        "OE" => "Œ",
        "l" => "ł",
        "L" => "Ł",
        "i" => "ı",
        "j" => "ȷ",
        "dh" => "ð",
        "DH" => "Ð",
        "th" => "þ",
        "TH" => "Þ",
        "dj" => "đ",
        "DJ" => "Đ",
        "ng" => "ŋ",
        "NG" => "Ŋ",
        "&" => "&",
        "%" => "%",
        "$" => "$",
        "#" => "#",
        "_" => "_",
        "{" => "{",
        "}" => "}",
        " " | "\n" | "\r" | "\t" => " ",
        "," | ";" | ":" | "quad" | "qquad" | "enspace" | "thinspace" => " ",
        "!" | "-" | "/" | "@" => "",
        "\\" | "newline" | "par" => " ",
        "textendash" => "–",
        "textemdash" => "—",
        "textquoteright" => "’",
        "textquoteleft" => "‘",
        "textquotedblleft" => "“",
        "textquotedblright" => "”",
        "textregistered" => "®",
        "texttrademark" => "™",
        "copyright" | "textcopyright" => "©",
        "textdegree" | "degree" => "°",
        "textmu" => "µ",
        "textperiodcentered" => "·",
        "textbullet" => "•",
        "dots" | "ldots" | "textellipsis" => "…",
        "textasciitilde" => "~",
        "textasciicircum" => "^",
        "textbackslash" => "\\",
        "textunderscore" => "_",
        "textbar" => "|",
        "textless" => "<",
        "textgreater" => ">",
        "S" => "§",
        "P" => "¶",
        "pounds" | "textsterling" => "£",
        "euro" | "texteuro" => "€",
        "LaTeX" => "LaTeX",
        "TeX" => "TeX",
        "guillemotleft" => "«",
        "guillemotright" => "»",
        _ => return None,
    })
}

/// Math-mode symbols.
fn math_symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" | "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" | "vartheta" => "θ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" | "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "div" => "÷",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "neq" | "ne" => "≠",
        "approx" => "≈",
        "sim" => "∼",
        "simeq" => "≃",
        "infty" => "∞",
        "circ" => "∘",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "leftrightarrow" => "↔",
        "Rightarrow" => "⇒",
        "uparrow" => "↑",
        "downarrow" => "↓",
        "sqrt" => "√",
        "sum" => "∑",
        "int" => "∫",
        "partial" => "∂",
        "nabla" => "∇",
        "propto" => "∝",
        "in" => "∈",
        "ll" => "≪",
        "gg" => "≫",
        "prime" => "′",
        "lt" => "<",
        "gt" => ">",
        _ => return None,
    })
}

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' | '–' => '⁻',
        'n' => 'ⁿ',
        'i' => 'ⁱ',
        _ => return None,
    })
}

fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' | '–' => '₋',
        _ => return None,
    })
}

/// Unescapes only what a verbatim field (URL, DOI, file) may escape: `\_`, `\%`, `\&`, `\#`,
/// `\$`, `\~`; folds whitespace. `~` stays a tilde, `--` stays two hyphens.
pub fn verbatim(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if matches!(n, '_' | '%' | '&' | '#' | '$' | '~') {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    fold_whitespace(&out)
}

/// Finds text that was UTF-8 decoded as Latin-1 or Windows-1252 (mojibake, `Ã¶` for `ö`).
/// Returns the byte offset of the first suspicious sequence and the sequence itself.
pub fn find_mojibake(text: &str) -> Option<(usize, String)> {
    if text.is_ascii() {
        return None;
    }
    let mut iter = text.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if matches!(c, 'Ã' | 'Â' | 'â' | 'Å') {
            if let Some(&(_, n)) = iter.peek() {
                let suspicious = match c {
                    'Ã' => {
                        ('\u{80}'..='\u{bf}').contains(&n)
                            || "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".contains(n)
                    }
                    'Â' => ('\u{80}'..='\u{bf}').contains(&n),
                    'â' => n == '€',
                    'Å' => "¡¾½¼¸·¶µ´³²±°¯®".contains(n),
                    _ => false,
                };
                if suspicious {
                    return Some((i, format!("{c}{n}")));
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_in_all_spellings() {
        assert_eq!(to_unicode(r"Ab\'{a}solo"), "Abásolo");
        assert_eq!(to_unicode(r"Ab{\'a}solo"), "Abásolo");
        assert_eq!(to_unicode(r"Abr{\`a}moff"), "Abràmoff");
        assert_eq!(to_unicode(r"Abr\`amoff"), "Abràmoff");
        assert_eq!(to_unicode(r#"M\"{u}ller {\"O}"#), "Müller Ö");
        assert_eq!(to_unicode(r"Gro{\ss}"), "Groß");
        assert_eq!(to_unicode(r"\v{C}apek \v c"), "Čapek č");
        assert_eq!(to_unicode(r"Fran\c{c}ois"), "François");
        assert_eq!(to_unicode(r"Mu\~{n}oz Mu\~noz"), "Muñoz Muñoz");
        assert_eq!(to_unicode(r"Sk{\l}odowska {\o}"), "Skłodowska ø");
        assert_eq!(
            to_unicode(r"Mart\'{\i}nez Mart{\'\i}nez"),
            "Martínez Martínez"
        );
        assert_eq!(to_unicode(r"Erd\H{o}s"), "Erdős");
    }

    #[test]
    fn dashes_ties_and_specials() {
        assert_eq!(to_unicode("12--19"), "12–19");
        assert_eq!(to_unicode("a---b"), "a—b");
        assert_eq!(to_unicode("J.~Smith"), "J.\u{a0}Smith");
        assert_eq!(
            to_unicode(r"50\% \& more \_x \#1 \$5"),
            "50% & more _x #1 $5"
        );
        assert_eq!(to_unicode("``quoted''"), "“quoted”");
    }

    #[test]
    fn lone_dollar_is_a_dollar() {
        assert_eq!(to_unicode("costs $5 only"), "costs $5 only");
        assert_eq!(
            to_unicode(r"score AC/aEURdegA$?60) or"),
            "score AC/aEURdegA$?60) or"
        );
    }

    #[test]
    fn simple_math() {
        assert_eq!(to_unicode(r"$\alpha$-synuclein"), "α-synuclein");
        assert_eq!(to_unicode(r"$^{18}$F-FDG"), "¹⁸F-FDG");
        assert_eq!(to_unicode(r"5 $\pm$ 2"), "5 ± 2");
        assert_eq!(to_unicode(r"90$^\circ$"), "90°");
        assert_eq!(to_unicode(r"T$_2$-weighted"), "T₂-weighted");
    }

    #[test]
    fn plain_drops_braces_markup_keeps_them() {
        let raw = r#"{EEG} of \emph{Pt{\"o}} and \textit{in vivo}"#;
        assert_eq!(to_unicode(raw), "EEG of Ptö and in vivo");
        assert_eq!(to_markup(raw), r"{EEG} of \emph{Ptö} and \textit{in vivo}");
    }

    #[test]
    fn whitespace_folds() {
        assert_eq!(to_unicode("  a\r\n   b\tc  "), "a b c");
        assert_eq!(to_unicode("plain text"), "plain text");
    }

    #[test]
    fn verbatim_keeps_urls() {
        assert_eq!(
            verbatim(r"https://x.org/~a/b\_c--d"),
            "https://x.org/~a/b_c--d"
        );
    }

    #[test]
    fn mojibake_is_found() {
        assert_eq!(find_mojibake("Ã¶zt").map(|m| m.1), Some("Ã¶".to_string()));
        assert_eq!(find_mojibake("Ã©tude").map(|m| m.0), Some(0));
        assert!(find_mojibake("Öztürk Ãlvaro").is_none());
        assert!(find_mojibake("plain").is_none());
    }
}
