//! The period of a project, when the page says it: `start`/`end` fields in the front
//! matter, `Start date: 01-09-2021` / `End date: …` lines, "started in September 2019",
//! or a year range such as `2018–2022`; `finished: false` means it runs to the present.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Project;

/// A project's years; either bound may be unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First year.
    pub start: Option<i32>,
    /// Last year.
    pub end: Option<i32>,
}

/// Publications may appear this many years after a project ends.
pub const GRACE_AFTER: i32 = 2;
/// …and this many years before it starts (preliminary work).
pub const GRACE_BEFORE: i32 = 1;

const YEAR: &str = r"((?:19|20)\d{2})";

static BARE_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(YEAR).expect("static regex"));
static START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\bstart(?:ing)?[ _-]?(?:date)?\W{{0,6}}(?:\d{{1,2}}[-/.]){{0,2}}{YEAR}\b"
    ))
    .expect("static regex")
});
static END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:end|ending|finish)[ _-]?(?:date)?\W{{0,6}}(?:\d{{1,2}}[-/.]){{0,2}}{YEAR}\b"
    ))
    .expect("static regex")
});
static STARTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?i)\b(?:started|starts|began|begins|since|launched)\s+(?:in\s+|on\s+)?(?:[a-z]+\s+)?(?:\d{{1,2}}\s+)?{YEAR}\b"
    ))
    .expect("static regex")
});
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"\b{YEAR}\s*(?:-|–|—|to|until)\s*{YEAR}\b")).expect("static regex")
});

fn year(text: &str) -> Option<i32> {
    text.parse().ok()
}

/// Reads the period from a project page. `today` is the latest year the bibliography
/// knows, used as the end of unfinished projects (so output never depends on the clock).
pub fn of_project(project: &Project, today: i32) -> Period {
    let mut period = Period::default();
    for (key, value) in &project.meta {
        let k = key.to_ascii_lowercase();
        let y = || BARE_YEAR.find(value).and_then(|m| year(m.as_str()));
        match k.as_str() {
            "start" | "start_date" | "startdate" | "start_year" | "begin" => period.start = y(),
            "end" | "end_date" | "enddate" | "end_year" => period.end = y(),
            "period" | "years" | "duration" => {
                if let Some(c) = RANGE.captures(value) {
                    period.start = year(&c[1]);
                    period.end = year(&c[2]);
                }
            }
            _ => {}
        }
    }
    let text = &project.body;
    if period.start.is_none() {
        period.start = START
            .captures(text)
            .or_else(|| STARTED.captures(text))
            .and_then(|c| year(&c[1]));
    }
    if period.end.is_none() {
        period.end = END.captures(text).and_then(|c| year(&c[1]));
    }
    if period.start.is_none() && period.end.is_none() {
        // A plausible range written in the text: at most 10 years, not in the future.
        if let Some(c) = RANGE.captures_iter(text).find(|c| {
            matches!((year(&c[1]), year(&c[2])), (Some(a), Some(b)) if a <= b && b - a <= 10 && b <= today + 5)
        }) {
            period.start = year(&c[1]);
            period.end = year(&c[2]);
        }
    }
    if period.end.is_none() && project.finished == Some(false) && period.start.is_some() {
        period.end = Some(today.max(period.start.unwrap_or(today)));
    }
    if let (Some(s), Some(e)) = (period.start, period.end) {
        if e < s {
            period.end = None;
        }
    }
    period
}

impl Period {
    /// Years by which `year` lies outside the period (with grace); 0 inside or unknown.
    pub fn distance(&self, year: i32) -> i32 {
        let before = self.start.map_or(0, |s| (s - GRACE_BEFORE - year).max(0));
        let after = self.end.map_or(0, |e| (year - e - GRACE_AFTER).max(0));
        before + after
    }

    /// True when neither bound is known.
    pub fn is_unknown(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// `2019–2023`, `2019–`, `–2022`.
    pub fn label(&self) -> String {
        let f = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
        format!("{}–{}", f(self.start), f(self.end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(body: &str, finished: Option<bool>, meta: &[(&str, &str)]) -> Project {
        Project {
            body: body.into(),
            finished,
            meta: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Project::default()
        }
    }

    #[test]
    fn start_and_end_lines() {
        let p = project(
            "**Start date: 01-09-2021** <br>\n**End date: 28-02-2022**\n",
            Some(false),
            &[],
        );
        assert_eq!(
            of_project(&p, 2024),
            Period {
                start: Some(2021),
                end: Some(2022)
            }
        );
    }

    #[test]
    fn started_in_and_unfinished_runs_to_today() {
        let p = project(
            "The lab started in September 2019 with 6 PhDs.",
            Some(false),
            &[],
        );
        assert_eq!(
            of_project(&p, 2024),
            Period {
                start: Some(2019),
                end: Some(2024)
            }
        );
        let p = project("The lab started in September 2019.", Some(true), &[]);
        assert_eq!(of_project(&p, 2024).end, None);
    }

    #[test]
    fn empty_dates_and_ages_are_not_periods() {
        let p = project(
            "**Start date: ** <br>\n**End date: **\nmen aged 65–85 years",
            None,
            &[],
        );
        assert!(of_project(&p, 2024).is_unknown());
    }

    #[test]
    fn front_matter_fields_win() {
        let p = project(
            "started in 2001",
            None,
            &[("start", "2015-01-01"), ("end", "2019")],
        );
        assert_eq!(
            of_project(&p, 2024),
            Period {
                start: Some(2015),
                end: Some(2019)
            }
        );
        assert_eq!(of_project(&p, 2024).distance(2013), 1);
        assert_eq!(of_project(&p, 2024).distance(2021), 0);
        assert_eq!(of_project(&p, 2024).distance(2023), 2);
    }
}
