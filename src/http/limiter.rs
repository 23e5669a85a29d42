//! Per-service request spacing: a single "next free slot" clock, slowed down (never sped up
//! past the configured rate) by what the service's headers say, and paused by `Retry-After`.

use std::sync::Mutex;
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// Safety margin on a learnt limit: space requests 10 % wider than the service allows, so
/// network jitter never pushes a sliding window over the limit.
const MARGIN: f64 = 1.1;

/// The longest spacing we ever adopt (one request per minute).
const MAX_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct State {
    interval: Duration,
    next: Instant,
    paused_until: Instant,
}

/// Spaces the requests of one service.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
}

impl Limiter {
    /// A limiter allowing `rate` requests per second.
    pub fn new(rate: f64) -> Limiter {
        let now = Instant::now();
        Limiter {
            state: Mutex::new(State {
                interval: interval_of(rate),
                next: now,
                paused_until: now,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current spacing between requests.
    pub fn interval(&self) -> Duration {
        self.lock().interval
    }

    /// Waits for the next free slot. A pause decided while waiting (a 429 seen by another
    /// task) sends the caller back for a new slot after the pause.
    pub async fn acquire(&self) {
        loop {
            let slot = {
                let mut s = self.lock();
                let now = Instant::now();
                let slot = now.max(s.next).max(s.paused_until);
                s.next = slot + s.interval;
                slot
            };
            tokio::time::sleep_until(slot).await;
            if self.lock().paused_until <= slot {
                return;
            }
        }
    }

    /// Sends nothing for `wait`.
    pub fn pause_for(&self, wait: Duration) {
        let mut s = self.lock();
        let until = Instant::now() + wait;
        s.paused_until = s.paused_until.max(until);
        s.next = s.next.max(until);
    }

    /// A 429: pause for `Retry-After` (or one interval) and halve the rate.
    pub fn throttled(&self, retry_after: Option<Duration>) {
        let mut s = self.lock();
        s.interval = (s.interval * 2).min(MAX_INTERVAL);
        let until = Instant::now() + retry_after.unwrap_or(s.interval);
        s.paused_until = s.paused_until.max(until);
        s.next = s.next.max(until);
    }

    /// Adapts to rate-limit headers: `x-rate-limit-limit` + `x-rate-limit-interval`
    /// (Crossref), and `x-ratelimit-remaining: 0` with `x-ratelimit-reset` (pause until reset).
    pub fn learn(&self, headers: &HeaderMap) {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        if let (Some(limit), Some(window)) =
            (get("x-rate-limit-limit"), get("x-rate-limit-interval"))
        {
            if let (Ok(limit), Some(window)) = (limit.parse::<f64>(), parse_window(window)) {
                if limit > 0.0 {
                    let learnt = window.mul_f64(MARGIN / limit).min(MAX_INTERVAL);
                    let mut s = self.lock();
                    if learnt > s.interval {
                        s.interval = learnt;
                    }
                }
            }
        }
        let remaining = get("x-ratelimit-remaining").and_then(|v| v.parse::<f64>().ok());
        if remaining.is_some_and(|r| r <= 0.0) {
            if let Some(reset) = get("x-ratelimit-reset").and_then(|v| v.parse::<f64>().ok()) {
                let now_epoch = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0);
                // Either seconds to wait or an epoch time.
                let wait = if reset > 1.0e9 {
                    reset - now_epoch
                } else {
                    reset
                };
                if wait > 0.0 && wait < 3600.0 {
                    self.pause_for(Duration::from_secs_f64(wait));
                }
            }
        }
    }
}

fn interval_of(rate: f64) -> Duration {
    if rate <= 0.0 || !rate.is_finite() {
        MAX_INTERVAL
    } else {
        Duration::from_secs_f64(1.0 / rate).min(MAX_INTERVAL)
    }
}

/// Parses `1s`, `2s`, `500ms`, `1m`, or a bare number of seconds.
fn parse_window(text: &str) -> Option<Duration> {
    let t = text.trim().to_ascii_lowercase();
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t.as_str(), "s"),
    };
    let n: f64 = num.parse().ok()?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "sec" | "" => n,
        "m" | "min" => n * 60.0,
        "h" => n * 3600.0,
        _ => return None,
    };
    (secs > 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossref_headers_slow_the_limiter_down_only() {
        let limiter = Limiter::new(50.0);
        let mut h = HeaderMap::new();
        h.insert("x-rate-limit-limit", "10".parse().unwrap());
        h.insert("x-rate-limit-interval", "1s".parse().unwrap());
        limiter.learn(&h);
        assert_eq!(limiter.interval(), Duration::from_millis(110));
        let fast = Limiter::new(1.0);
        fast.learn(&h);
        assert_eq!(fast.interval(), Duration::from_secs(1));
    }

    #[test]
    fn windows_parse() {
        assert_eq!(parse_window("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_window("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_window("x"), None);
    }

    #[tokio::test]
    async fn throttled_pauses_and_halves() {
        let limiter = Limiter::new(10.0);
        limiter.throttled(Some(Duration::from_millis(200)));
        assert_eq!(limiter.interval(), Duration::from_millis(200));
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_millis(200));
    }
}
