//! Synthetic bibliographies and sites with realistic shapes, for benchmarks at scale.
//!
//! Shapes follow the real DIAG data: two-level journal macros in a separate strings file,
//! 1–15 authors per paper drawn from a Zipf-like family-name distribution (so namesakes are
//! common), particles, accents written as LaTeX, hyphenated names, abstracts of ~150 words,
//! house-style keys with a/b/c suffixes, group tags in `optnote`, DOIs and PMIDs on most
//! entries. Person and project pages are Pelican headers like the real site. Generation is
//! deterministic (a fixed-seed SplitMix64), so every run benchmarks the same bytes.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Sizes of one synthetic corpus.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Bib entries.
    pub entries: usize,
    /// Person pages.
    pub people: usize,
    /// Project pages.
    pub projects: usize,
}

impl Scale {
    /// The three sizes the benchmarks use: 1k/50/20, 10k/500/200, 100k/5000/2000.
    pub const SMALL: Scale = Scale {
        entries: 1_000,
        people: 50,
        projects: 20,
    };
    /// Medium.
    pub const MEDIUM: Scale = Scale {
        entries: 10_000,
        people: 500,
        projects: 200,
    };
    /// Large.
    pub const LARGE: Scale = Scale {
        entries: 100_000,
        people: 5_000,
        projects: 2_000,
    };
}

/// Deterministic SplitMix64.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    /// Zipf-like pick in `0..n`: low indices much more likely.
    pub fn zipf(&mut self, n: usize) -> usize {
        let u = ((self.next() >> 11) as f64 / (1u64 << 53) as f64).max(1e-12);
        let x = (n as f64).powf(u) - 1.0;
        (x as usize).min(n.saturating_sub(1))
    }
    /// A random element.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "Bram",
    "Clara",
    "Jeroen",
    "Cornelia",
    "Ajay",
    "Anil",
    "Keelin",
    "Nikolas",
    "Geert",
    "Francesco",
    "Colin",
    "Henkjan",
    "Ecem",
    "Jonas",
    "Nadieh",
    "Caner",
    "Meyke",
    "Péter",
    "Thomas",
    "Wouter",
    "Mart",
    "Hans",
    "Oscar",
    "Bart",
    "Coen",
    "Daan",
    "Elias",
    "James",
    "Joeran",
    "Judith",
    "Khrystyna",
    "Matin",
    "Matthieu",
    "Nikita",
    "Noa",
    "Rashindra",
    "Renate",
    "Ward",
    "Witali",
    "Alessa",
    "Anindo",
    "Babak",
    "Carlijn",
    "Cristina",
    "José",
    "Zoë",
    "Jean-Paul",
    "Marie-Louise",
    "Søren",
    "Łukasz",
];

const FAMILY: &[&str] = &[
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "Sánchez",
    "González",
    "Abràmoff",
    "Schaefer-Prokop",
    "Ehteshami Bejnordi",
    "Patel",
    "Müller",
    "Schäfer",
    "Nguyen",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Kim",
    "Park",
    "Rossi",
    "Ferrari",
    "Novák",
    "Dvořák",
    "Kowalski",
    "Nowak",
    "Öztürk",
    "Şahin",
    "Ødegaard",
];

const WORDS: &[&str] = &[
    "deep",
    "learning",
    "detection",
    "segmentation",
    "lung",
    "nodule",
    "computed",
    "tomography",
    "CT",
    "MRI",
    "prostate",
    "cancer",
    "pathology",
    "whole-slide",
    "images",
    "retinal",
    "screening",
    "chest",
    "radiography",
    "tuberculosis",
    "COVID-19",
    "convolutional",
    "neural",
    "networks",
    "classification",
    "breast",
    "mammography",
    "TILs",
    "lymphocytes",
    "survival",
    "prediction",
    "artificial",
    "intelligence",
    "clinical",
    "validation",
    "multicenter",
    "cohort",
    "automated",
    "quantification",
    "emphysema",
    "airway",
    "vessel",
    "registration",
    "reconstruction",
    "uncertainty",
    "federated",
    "challenge",
    "benchmark",
    "dataset",
    "annotation",
    "weakly",
    "supervised",
    "transformer",
    "attention",
    "histopathology",
    "immunohistochemistry",
    "kidney",
    "transplant",
    "biopsy",
    "glomeruli",
    "colorectal",
    "metastases",
    "lymph",
    "node",
    "diabetic",
    "retinopathy",
    "optical",
    "coherence",
];

const JOURNALS: &[(&str, &str)] = &[
    ("RADIOL", "Radiology"),
    ("MIA", "Medical Image Analysis"),
    ("TMI", "IEEE Transactions on Medical Imaging"),
    ("SCIREP", "Scientific Reports"),
    ("EURRAD", "European Radiology"),
    ("MODPATH", "Modern Pathology"),
    ("JAMA", "Journal of the American Medical Association"),
    ("NATCOM", "Nature Communications"),
    ("INVRAD", "Investigative Radiology"),
    ("OPHTH", "Ophthalmology"),
];

const GROUPS: &[&str] = &["diag", "pathology", "retina", "rse", "rtc", "neuro"];

/// A synthetic person.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    /// Slug.
    pub slug: String,
    /// Given name.
    pub given: String,
    /// Family name (with particle).
    pub family: String,
    /// Groups.
    pub groups: Vec<&'static str>,
}

/// A generated corpus, in memory.
#[derive(Debug, Clone)]
pub struct Corpus {
    /// `@string` file text.
    pub strings_bib: String,
    /// Entries file text.
    pub entries_bib: String,
    /// (file name, text) of person pages.
    pub people: Vec<(String, String)>,
    /// (file name, text) of project pages.
    pub projects: Vec<(String, String)>,
}

fn latex(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            'á' => out.push_str("\\'{a}"),
            'à' => out.push_str("\\`{a}"),
            'é' => out.push_str("\\'{e}"),
            'ë' => out.push_str("\\\"{e}"),
            'ö' => out.push_str("{\\\"o}"),
            'ü' => out.push_str("{\\\"u}"),
            'ä' => out.push_str("{\\\"a}"),
            'ø' => out.push_str("{\\o}"),
            'Ø' => out.push_str("{\\O}"),
            'č' => out.push_str("\\v{c}"),
            'ř' => out.push_str("\\v{r}"),
            'Ł' => out.push_str("{\\L}"),
            'ş' => out.push_str("\\c{s}"),
            'Ş' => out.push_str("\\c{S}"),
            'Ö' => out.push_str("{\\\"O}"),
            _ => out.push(c),
        }
    }
    out
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.below(WORDS.len())]);
    }
    s
}

fn slug_of(given: &str, family: &str) -> String {
    let mut s = String::new();
    for c in format!("{given} {family}").to_lowercase().chars() {
        let c = match c {
            'á' | 'à' | 'ä' => 'a',
            'é' | 'ë' => 'e',
            'ö' | 'ø' => 'o',
            'ü' => 'u',
            'č' => 'c',
            'ř' => 'r',
            'ł' => 'l',
            'ş' => 's',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches('-').to_string()
}

/// Generates a corpus of the given scale, deterministically from `seed`.
pub fn generate(scale: Scale, seed: u64) -> Corpus {
    let mut rng = Rng::new(seed);
    // People: distinct slugs, family names drawn Zipf-like so namesakes occur.
    let mut people: Vec<SynthPerson> = Vec::with_capacity(scale.people);
    let mut seen = std::collections::HashSet::new();
    while people.len() < scale.people {
        let given = rng.pick(GIVEN).to_string();
        let base = FAMILY[rng.zipf(FAMILY.len())];
        // Multiply the family-name space at scale with a numeric-free suffix syllable.
        let family = if scale.people > 200 && rng.chance(0.8) {
            format!(
                "{base}{}",
                ["son", "man", "ink", "er", "s", "el", "ema", "stra"][rng.below(8)]
            )
        } else {
            base.to_string()
        };
        let slug = slug_of(&given, &family);
        if !seen.insert(slug.clone()) {
            continue;
        }
        let groups = vec![GROUPS[rng.zipf(GROUPS.len())]];
        people.push(SynthPerson {
            slug,
            given,
            family,
            groups,
        });
    }

    let mut strings_bib = String::from("% Encoding: UTF-8\n\n");
    for (_, full) in JOURNALS {
        let _ = writeln!(
            strings_bib,
            "@String {{ _{}_ = {{{full}}} }}",
            full.replace(' ', "_")
        );
    }
    let mut entries_bib = String::new();
    for (abbr, full) in JOURNALS {
        let _ = writeln!(
            entries_bib,
            "@string{{{abbr} = _{}_}}",
            full.replace(' ', "_")
        );
    }
    entries_bib.push('\n');

    let mut key_counts: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    for i in 0..scale.entries {
        let n_authors = 1 + rng.below(15);
        let mut authors = Vec::with_capacity(n_authors);
        for _ in 0..n_authors {
            if !people.is_empty() && rng.chance(0.35) {
                let p = &people[rng.zipf(people.len())];
                let given = if rng.chance(0.6) {
                    let first = p.given.chars().next().unwrap_or('X');
                    format!("{first}.")
                } else {
                    p.given.clone()
                };
                authors.push(format!("{} {}", latex(&given), latex(&p.family)));
            } else {
                let g = rng.pick(GIVEN);
                let f = FAMILY[rng.zipf(FAMILY.len())];
                authors.push(format!("{}. {}", g.chars().next().unwrap_or('X'), latex(f)));
            }
        }
        let year = 1990 + rng.below(35) as i32;
        let first_family = authors[0].rsplit(' ').next().unwrap_or("X").to_string();
        let stem: String = first_family
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .take(4)
            .collect();
        let stem = if stem.is_empty() {
            "Anon".to_string()
        } else {
            stem
        };
        let mut stem_chars = stem.chars();
        let stem = match stem_chars.next() {
            Some(c) => c.to_ascii_uppercase().to_string() + stem_chars.as_str(),
            None => "Anon".into(),
        };
        let base = format!("{stem}{:02}", year % 100);
        let count = key_counts.entry(base.clone()).or_insert(0);
        let key = if *count == 0 {
            base.clone()
        } else {
            // a..z, then aa..zz: the real file never needs more, large corpora do.
            let n = *count - 1;
            let suffix = if n < 26 {
                ((b'a' + n as u8) as char).to_string()
            } else {
                format!(
                    "{}{}",
                    (b'a' + ((n / 26 - 1) % 26) as u8) as char,
                    (b'a' + (n % 26) as u8) as char
                )
            };
            format!("{base}{suffix}")
        };
        *count += 1;
        let kind = rng.below(10);
        let title = {
            let n = 6 + rng.below(8);
            let mut t = sentence(&mut rng, n);
            if let Some(c) = t.get(0..1) {
                t = c.to_uppercase() + &t[1..];
            }
            t
        };
        let groups: Vec<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(GROUPS)).collect();
        let optnote = groups
            .iter()
            .map(|g| g.to_ascii_uppercase())
            .collect::<Vec<_>>()
            .join(", ");
        let (etype, venue) = match kind {
            0..=5 => (
                "article",
                format!("journal = {},", JOURNALS[rng.below(JOURNALS.len())].0),
            ),
            6..=7 => (
                "inproceedings",
                "booktitle = {Medical Imaging},".to_string(),
            ),
            8 => (
                "phdthesis",
                "school = {Radboud University, Nijmegen},".to_string(),
            ),
            _ => ("article", "journal = {arXiv:2106.05735},".to_string()),
        };
        let _ = writeln!(entries_bib, "@{etype}{{{key},");
        let _ = writeln!(entries_bib, "  author = {{{}}},", authors.join(" and "));
        let _ = writeln!(entries_bib, "  title = {{{title}}},");
        let _ = writeln!(entries_bib, "  {venue}");
        let _ = writeln!(entries_bib, "  year = {{{year}}},");
        if rng.chance(0.7) {
            let _ = writeln!(entries_bib, "  volume = {{{}}},", 1 + rng.below(300));
            let p = 1 + rng.below(3000);
            let _ = writeln!(entries_bib, "  pages = {{{p}--{}}},", p + 1 + rng.below(15));
        }
        if rng.chance(0.65) {
            let _ = writeln!(
                entries_bib,
                "  doi = {{10.{}/synth.{i}}},",
                1000 + rng.below(8000)
            );
        }
        if rng.chance(0.45) {
            let _ = writeln!(entries_bib, "  pmid = {{{}}},", 10_000_000 + i);
        }
        if rng.chance(0.8) {
            let n = 100 + rng.below(100);
            let abs = sentence(&mut rng, n);
            let _ = writeln!(
                entries_bib,
                "  abstract = {{{abs}. Results were 80\\% better.}},"
            );
        }
        let _ = writeln!(entries_bib, "  optnote = {{{optnote}}},");
        if rng.chance(0.5) {
            let _ = writeln!(entries_bib, "  month = {{{}}},", 1 + rng.below(12));
            let _ = writeln!(entries_bib, "  gscites = {{{}}},", rng.zipf(2000));
        }
        entries_bib.push_str("}\n\n");
    }

    let people_pages = people
        .iter()
        .map(|p| {
            let text = format!(
                "title: {g} {f}\nname: {g} {f}\ntemplate: people-single\nactive: yes\ngroups: {groups}\n\n{g} works on {w}.\n",
                g = p.given,
                f = p.family,
                groups = p.groups.join(", "),
                w = sentence(&mut rng, 12),
            );
            (format!("{}.md", p.slug), text)
        })
        .collect();

    let projects = (0..scale.projects)
        .map(|i| {
            let n = 2 + rng.below(6);
            let names: Vec<String> = (0..n)
                .map(|_| {
                    if !people.is_empty() && rng.chance(0.8) {
                        let p = &people[rng.zipf(people.len())];
                        format!("{} {}", p.given, p.family)
                    } else {
                        format!("{} {}", rng.pick(GIVEN), rng.pick(FAMILY))
                    }
                })
                .collect();
            let text = format!(
                "title: {t}\nfinished: {fin}\ntemplate: project-single\ngroups: {g}\ndescription: {d}\npeople: {p}\nbibkeys: \n\n{body}\n",
                t = sentence(&mut rng, 4),
                fin = rng.chance(0.5),
                g = rng.pick(GROUPS),
                d = sentence(&mut rng, 15),
                p = names.join(", "),
                body = sentence(&mut rng, 120),
            );
            (format!("project-{i:05}.md"), text)
        })
        .collect();

    Corpus {
        strings_bib,
        entries_bib,
        people: people_pages,
        projects,
    }
}

/// Writes a corpus under `dir`: `bib/strings.bib`, `bib/entries.bib`, `people/`, `projects/`,
/// and a `publist.toml` that points at them. Returns the config path.
pub fn write(corpus: &Corpus, dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir.join("bib"))?;
    std::fs::create_dir_all(dir.join("people"))?;
    std::fs::create_dir_all(dir.join("projects"))?;
    std::fs::write(dir.join("bib/strings.bib"), &corpus.strings_bib)?;
    std::fs::write(dir.join("bib/entries.bib"), &corpus.entries_bib)?;
    for (name, text) in &corpus.people {
        std::fs::write(dir.join("people").join(name), text)?;
    }
    for (name, text) in &corpus.projects {
        std::fs::write(dir.join("projects").join(name), text)?;
    }
    let cfg = dir.join("publist.toml");
    std::fs::write(
        &cfg,
        "[bib]\nfiles = [\"bib/strings.bib\", \"bib/entries.bib\"]\n\n[site]\npeople = [\"people\"]\nprojects = [\"projects\"]\n\n[output]\ndir = \"out\"\n",
    )?;
    Ok(cfg)
}

/// The bench sizes: 1k and 10k, plus 100k when `PUBLIST_BENCH_LARGE` is set (loading it
/// alone takes seconds).
pub fn scales() -> Vec<(&'static str, Scale)> {
    let mut scales = vec![("1k", Scale::SMALL), ("10k", Scale::MEDIUM)];
    if std::env::var_os("PUBLIST_BENCH_LARGE").is_some() {
        scales.push(("100k", Scale::LARGE));
    }
    scales
}

/// Writes the corpus of `scale` into `dir` and loads it as publist's commands do (parse,
/// site, attribution); `None` after printing why when that fails.
pub fn load(scale: Scale, dir: &Path) -> Option<publist::commands::common::Inputs> {
    let corpus = generate(scale, 42);
    let config_path = write(&corpus, dir)
        .map_err(|e| eprintln!("cannot write the corpus: {e}"))
        .ok()?;
    let overrides = publist::config::Overrides {
        config: Some(config_path),
        ..publist::config::Overrides::default()
    };
    let config = publist::config::Config::load(&overrides)
        .map_err(|e| eprintln!("config: {e}"))
        .ok()?;
    Some(publist::commands::common::load_inputs(config))
}
