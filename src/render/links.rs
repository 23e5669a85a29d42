//! Which URLs become links, and the link badges of a publication.
//!
//! Only absolute `http`/`https` URLs with a host are ever linked; anything else
//! (`javascript:`, `data:`, relative paths, garbage) is dropped, so data can never inject a
//! script through an `href`.

use serde::Serialize;

use crate::model::Publication;

/// Returns the URL when it is an absolute `http(s)` URL with a host, else `None`.
pub fn safe_url(text: &str) -> Option<String> {
    let t = text.trim();
    let url = url::Url::parse(t).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    Some(url.to_string())
}

/// One link badge under a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Badge {
    /// Visible text ("DOI", "PubMed", "Cited by 12").
    pub label: String,
    /// Target, always http(s); `None` for a badge that is only text.
    pub href: Option<String>,
    /// CSS class suffix (`doi`, `pubmed`, `arxiv`, `code`, `oa`, `video`, `cites`, …).
    pub class: &'static str,
    /// Longer description for assistive technology and tooltips.
    pub title: String,
}

impl Badge {
    fn link(label: &str, class: &'static str, title: &str, href: Option<String>) -> Option<Badge> {
        href.map(|h| Badge {
            label: label.to_string(),
            href: Some(h),
            class,
            title: title.to_string(),
        })
    }
}

fn field<'a>(p: &'a Publication, name: &str) -> Option<&'a str> {
    p.fields
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
}

/// Whether the publication is a medRxiv/bioRxiv preprint, by its URL, DOI prefix or venue.
pub fn rxiv_server(p: &Publication) -> Option<&'static str> {
    let hay = format!(
        "{} {} {}",
        p.url.as_deref().unwrap_or(""),
        p.journal.as_deref().unwrap_or(""),
        field(p, "journal").unwrap_or("")
    )
    .to_ascii_lowercase();
    if hay.contains("medrxiv") {
        Some("medRxiv")
    } else if hay.contains("biorxiv") {
        Some("bioRxiv")
    } else {
        None
    }
}

/// The badges of a publication, in a fixed order: DOI, PubMed, arXiv/medRxiv, code, algorithm,
/// open access, video, web page, cited by.
pub fn badges(p: &Publication) -> Vec<Badge> {
    let mut out = Vec::new();
    let mut push = |b: Option<Badge>| {
        if let Some(b) = b {
            if !out
                .iter()
                .any(|o: &Badge| o.href.is_some() && o.href == b.href)
            {
                out.push(b);
            }
        }
    };
    push(Badge::link(
        "DOI",
        "doi",
        "Publisher's version (DOI)",
        p.ids.doi.as_ref().and_then(|d| safe_url(&d.url())),
    ));
    push(Badge::link(
        "PubMed",
        "pubmed",
        "PubMed record",
        p.ids.pmid.as_ref().and_then(|id| safe_url(&id.url())),
    ));
    if let Some(pmcid) = &p.ids.pmcid {
        push(Badge::link(
            "PMC",
            "oa",
            "Free full text in PubMed Central",
            safe_url(&format!(
                "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
                pmcid.as_str()
            )),
        ));
    }
    push(Badge::link(
        "arXiv",
        "arxiv",
        "Preprint on arXiv",
        p.ids.arxiv.as_ref().and_then(|a| safe_url(&a.url())),
    ));
    if let Some(server) = rxiv_server(p) {
        let href = p.url.as_deref().and_then(safe_url).or_else(|| {
            p.ids
                .doi
                .as_ref()
                .filter(|d| d.as_str().starts_with("10.1101/"))
                .and_then(|d| safe_url(&d.url()))
        });
        push(Badge::link(
            server,
            "arxiv",
            &format!("Preprint on {server}"),
            href,
        ));
    }
    for name in ["code", "github"] {
        push(Badge::link(
            "Code",
            "code",
            "Source code",
            field(p, name).and_then(safe_url),
        ));
    }
    push(Badge::link(
        "Algorithm",
        "algorithm",
        "Try the algorithm online",
        field(p, "algorithm").and_then(safe_url),
    ));
    let oa = p
        .oa_url
        .as_deref()
        .or_else(|| field(p, "taverne_url"))
        .and_then(safe_url);
    push(Badge::link(
        "Open access",
        "oa",
        "Free full text (open access)",
        oa,
    ));
    for name in ["youtube", "vimeo", "video"] {
        push(Badge::link(
            "Video",
            "video",
            "Video",
            field(p, name).and_then(safe_url),
        ));
    }
    if rxiv_server(p).is_none() && p.ids.arxiv.is_none() {
        push(Badge::link(
            "Web page",
            "url",
            "Web page of this publication",
            p.url.as_deref().and_then(safe_url),
        ));
    }
    if let Some(n) = p.citations.filter(|&n| n > 0) {
        let href = p.ids.gsid.as_deref().and_then(|g| {
            g.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| format!("https://scholar.google.com/scholar?cites={g}"))
        });
        out.push(Badge {
            label: format!("Cited by {n}"),
            href,
            class: "cites",
            title: format!("Cited by {n} according to Google Scholar"),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_are_safe() {
        assert!(safe_url("https://doi.org/10.1/x").is_some());
        assert!(safe_url(" http://example.org/a?b=c ").is_some());
        for bad in [
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>",
            "/relative",
            "ftp://x.org/",
            "",
            "http://",
        ] {
            assert_eq!(safe_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn javascript_url_gives_no_badge() {
        let mut p = Publication {
            url: Some("javascript:alert(1)".into()),
            ..Publication::default()
        };
        p.fields.insert("code".into(), "javascript:alert(2)".into());
        assert!(badges(&p).is_empty());
    }

    #[test]
    fn badges_cover_ids_code_oa_video_and_cites() {
        let mut p = Publication {
            ids: crate::model::Ids {
                doi: crate::model::Doi::parse("10.1000/x"),
                pmid: crate::model::Pmid::parse("123"),
                gsid: Some("42".into()),
                ..Default::default()
            },
            citations: Some(7),
            ..Publication::default()
        };
        p.fields
            .insert("github".into(), "https://github.com/a/b".into());
        p.fields.insert(
            "taverne_url".into(),
            "https://repository.example.edu/h/1".into(),
        );
        p.fields
            .insert("youtube".into(), "https://www.youtube.com/watch?v=x".into());
        let labels: Vec<String> = badges(&p).into_iter().map(|b| b.label).collect();
        assert_eq!(
            labels,
            [
                "DOI",
                "PubMed",
                "Code",
                "Open access",
                "Video",
                "Cited by 7"
            ]
        );
    }
}
