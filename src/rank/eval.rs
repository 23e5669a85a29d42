//! Ranking quality: precision@5, recall@10 and mean reciprocal rank, per project and
//! averaged over projects (macro average: every project counts once).

use std::collections::BTreeSet;

use serde::Serialize;

/// The scores of one ranking against its truth.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Metrics {
    /// Share of the first 5 ranked keys that are true.
    pub precision_at_5: f64,
    /// Share of the true keys among the first 10 ranked.
    pub recall_at_10: f64,
    /// 1 / rank of the first true key (0 when none is ranked).
    pub mrr: f64,
}

/// Scores `ranked` (keys, best first) against `truth` (keys); case-insensitive.
/// An empty truth scores zero everywhere (callers leave such projects out).
pub fn score(ranked: &[String], truth: &[String]) -> Metrics {
    let truth: BTreeSet<String> = truth.iter().map(|k| k.to_lowercase()).collect();
    if truth.is_empty() {
        return Metrics::default();
    }
    let hit = |k: &String| truth.contains(&k.to_lowercase());
    let in5 = ranked.iter().take(5).filter(|k| hit(k)).count();
    let in10 = ranked.iter().take(10).filter(|k| hit(k)).count();
    let first = ranked.iter().position(hit);
    Metrics {
        precision_at_5: in5 as f64 / 5.0,
        recall_at_10: in10 as f64 / truth.len() as f64,
        mrr: first.map_or(0.0, |r| 1.0 / (r as f64 + 1.0)),
    }
}

/// The mean of several projects' metrics.
pub fn mean(all: &[Metrics]) -> Metrics {
    if all.is_empty() {
        return Metrics::default();
    }
    let n = all.len() as f64;
    Metrics {
        precision_at_5: all.iter().map(|m| m.precision_at_5).sum::<f64>() / n,
        recall_at_10: all.iter().map(|m| m.recall_at_10).sum::<f64>() / n,
        mrr: all.iter().map(|m| m.mrr).sum::<f64>() / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn metrics_by_hand() {
        let ranked = k(&["a", "B", "c", "d", "e", "f", "g", "h", "i", "j", "x"]);
        let m = score(&ranked, &k(&["b", "x", "e"]));
        assert_eq!(m.precision_at_5, 0.4);
        assert!((m.recall_at_10 - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(m.mrr, 0.5);
        assert_eq!(score(&ranked, &k(&["zz"])).mrr, 0.0);
        let avg = mean(&[m, Metrics::default()]);
        assert_eq!(avg.mrr, 0.25);
    }
}
