//! The one place that decides what is retried and how long to wait.

use std::time::Duration;

use rand::Rng as _;
use reqwest::header::HeaderMap;

/// What to do with an attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// An answer: 2xx, 304, or 404/410 (the id is unknown).
    Done,
    /// Worth another attempt: 429, 5xx, timeouts, connection errors.
    Retry,
    /// Fails now: other 4xx, other errors.
    Fail,
}

/// Classifies an attempt.
pub fn classify(outcome: &Result<reqwest::Response, reqwest::Error>) -> Verdict {
    match outcome {
        Ok(resp) => classify_status(resp.status().as_u16()),
        Err(e) if e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() => {
            if e.is_redirect() || e.is_builder() {
                Verdict::Fail
            } else {
                Verdict::Retry
            }
        }
        Err(_) => Verdict::Fail,
    }
}

/// Classifies a status code.
pub fn classify_status(status: u16) -> Verdict {
    match status {
        200..=299 | 304 | 404 | 410 => Verdict::Done,
        429 | 500..=599 => Verdict::Retry,
        _ => Verdict::Fail,
    }
}

/// `Retry-After` as a duration: seconds, or an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let when =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let wait = when - time::OffsetDateTime::now_utc();
    Some(Duration::try_from(wait).unwrap_or(Duration::ZERO))
}

/// Exponential backoff with full jitter (base 500 ms, cap 30 s), never below `retry_after`.
pub fn backoff(attempt: u32, retry_after: Option<Duration>) -> Duration {
    let exp = Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)));
    let exp = exp.min(Duration::from_secs(30));
    let jittered = exp.mul_f64(0.5 + rand::rng().random::<f64>() * 0.5);
    match retry_after {
        Some(wait) => wait.max(Duration::from_millis(50)) + jittered / 10,
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_throttling_and_server_errors_retry() {
        assert_eq!(classify_status(429), Verdict::Retry);
        assert_eq!(classify_status(503), Verdict::Retry);
        assert_eq!(classify_status(404), Verdict::Done);
        assert_eq!(classify_status(400), Verdict::Fail);
        assert_eq!(classify_status(403), Verdict::Fail);
    }

    #[test]
    fn backoff_respects_retry_after() {
        let wait = Duration::from_secs(2);
        for attempt in 1..5 {
            assert!(backoff(attempt, Some(wait)) >= wait);
        }
        assert!(backoff(1, None) <= Duration::from_millis(500));
    }

    #[test]
    fn retry_after_parses_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
    }
}
