//! `@string` macros: one table for all files, resolved lazily.
//!
//! BibTeX macro names are case-insensitive, so the table is keyed by the lowercased name.
//! Definitions from every file go in before any entry is resolved, so file order does not
//! matter; a chain (`CLINNP` → `_Clinical_Neurophysiology_` → `{Clinical Neurophysiology}`)
//! resolves through any number of steps, with a guard against cycles. The twelve month macros
//! (`jan` … `dec`) are predefined, as in BibTeX; a file's own definition wins.

use std::collections::HashMap;

use super::parse::Piece;

/// Where a macro was defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// Index of the file in load order.
    pub file: usize,
    /// Byte offset of the definition.
    pub offset: usize,
}

/// Why a value could not be fully resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// No definition for this macro (name as written).
    Undefined(String),
    /// The macro refers to itself through this chain.
    Cycle(String),
}

/// The macro table.
#[derive(Debug, Default)]
pub struct Macros<'a> {
    defs: HashMap<String, (Vec<Piece<'a>>, Origin)>,
    cache: HashMap<String, Result<String, Unresolved>>,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl<'a> Macros<'a> {
    /// Defines (or redefines) a macro. Returns the previous origin when the name was
    /// already defined with a different value.
    pub fn define(&mut self, name: &str, value: Vec<Piece<'a>>, origin: Origin) -> Option<Origin> {
        let key = name.to_lowercase();
        let previous = self.defs.insert(key, (value, origin));
        previous.and_then(|(old, o)| {
            let new = &self.defs[&name.to_lowercase()].0;
            (old != *new).then_some(o)
        })
    }

    /// Number of definitions.
    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// True when nothing is defined.
    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// Resolves every definition once (in name order, so a cycle is always reported the same
    /// way). Call it after the last [`Macros::define`] and before [`Macros::resolve`]; the
    /// table is then only read, from as many threads as like.
    pub fn resolve_all(&mut self) {
        let mut names: Vec<String> = self.defs.keys().cloned().collect();
        names.sort();
        for name in names {
            let _ = self.lookup(&name, &mut Vec::new());
        }
    }

    /// Resolves a value's pieces to raw LaTeX text (after [`Macros::resolve_all`]). An
    /// undefined macro contributes its own name (so a journal shows something), and is
    /// reported with its offset.
    pub fn resolve(&self, pieces: &[Piece<'_>]) -> (String, Vec<(Unresolved, usize)>) {
        if let [Piece::Text(t)] = pieces {
            return (t.to_string(), Vec::new());
        }
        let mut out = String::new();
        let mut problems = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Macro(name, offset) => match self.resolved(name) {
                    Ok(v) => out.push_str(&v),
                    Err(e) => {
                        out.push_str(name);
                        problems.push((e, *offset));
                    }
                },
            }
        }
        (out, problems)
    }

    /// A macro's value from the resolved table; a name without a definition is a month
    /// (`nov`) or undefined.
    fn resolved(&self, name: &str) -> Result<String, Unresolved> {
        let key = name.to_lowercase();
        match self.cache.get(&key) {
            Some(hit) => hit.clone(),
            None => match month_number(&key) {
                Some(m) if !self.defs.contains_key(&key) => Ok(MONTHS[m as usize - 1].to_string()),
                _ => Err(Unresolved::Undefined(name.to_string())),
            },
        }
    }

    fn lookup(&mut self, name: &str, stack: &mut Vec<String>) -> Result<String, Unresolved> {
        let key = name.to_lowercase();
        if let Some(hit) = self.cache.get(&key) {
            return hit.clone();
        }
        if stack.contains(&key) {
            return Err(Unresolved::Cycle(name.to_string()));
        }
        let Some((pieces, _)) = self.defs.get(&key) else {
            return match month_number(&key) {
                Some(m) => Ok(MONTHS[m as usize - 1].to_string()),
                None => Err(Unresolved::Undefined(name.to_string())),
            };
        };
        let pieces: Vec<Piece<'static>> = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => Piece::Text(t.to_string().into()),
                Piece::Macro(m, o) => Piece::Macro(m.to_string().into(), *o),
            })
            .collect();
        stack.push(key.clone());
        let mut out = String::new();
        let mut result = Ok(());
        for piece in &pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Macro(m, _) => match self.lookup(m, stack) {
                    Ok(v) => out.push_str(&v),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                },
            }
        }
        stack.pop();
        let value = result.map(|()| out);
        self.cache.insert(key, value.clone());
        value
    }
}

/// `jan`, `January`, `Jan.`, `1`, `01` → 1 … 12.
pub fn month_number(text: &str) -> Option<u8> {
    let t = text.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Ok(n) = t.parse::<u8>() {
        return (1..=12).contains(&n).then_some(n);
    }
    if t.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| {
            let m = m.to_ascii_lowercase();
            m.starts_with(&t) || (t.len() == 4 && t == "sept" && m == "september")
        })
        .map(|i| i as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Piece<'_> {
        Piece::Text(s.into())
    }

    fn mac(s: &str) -> Piece<'_> {
        Piece::Macro(s.into(), 0)
    }

    #[test]
    fn chains_resolve_case_insensitively_in_any_order() {
        let mut m = Macros::default();
        let o = Origin { file: 0, offset: 0 };
        m.define("CLINNP", vec![mac("_Clinical_Neurophysiology_")], o);
        m.define("Radiology", vec![mac("_Radiology_")], o);
        m.define(
            "_Clinical_Neurophysiology_",
            vec![text("Clinical Neurophysiology")],
            o,
        );
        m.define("_radiology_", vec![text("Radiology")], o);
        m.resolve_all();
        assert_eq!(m.resolve(&[mac("CLINNP")]).0, "Clinical Neurophysiology");
        assert_eq!(m.resolve(&[mac("RADIOLOGY")]).0, "Radiology");
        let (v, problems) = m.resolve(&[mac("clinnp"), text(", "), mac("nov")]);
        assert_eq!(v, "Clinical Neurophysiology, November");
        assert!(problems.is_empty());
    }

    #[test]
    fn undefined_and_cycles_are_reported() {
        let mut m = Macros::default();
        let o = Origin { file: 0, offset: 0 };
        m.define("a", vec![mac("b")], o);
        m.define("b", vec![mac("a")], o);
        m.resolve_all();
        let (v, problems) = m.resolve(&[mac("NOPE")]);
        assert_eq!(v, "NOPE");
        assert_eq!(problems[0].0, Unresolved::Undefined("NOPE".into()));
        assert!(matches!(
            m.resolve(&[mac("a")]).1[0].0,
            Unresolved::Cycle(_)
        ));
    }

    #[test]
    fn months() {
        assert_eq!(month_number("4"), Some(4));
        assert_eq!(month_number("Sep."), Some(9));
        assert_eq!(month_number("sept"), Some(9));
        assert_eq!(month_number("December"), Some(12));
        assert_eq!(month_number("13"), None);
        assert_eq!(month_number("spring"), None);
    }
}
