//! The one HTTP layer: per-service rate limits learnt from headers, bounded concurrency,
//! retries with backoff and `Retry-After`, coalescing of identical requests.
//!
//! Every request to an external service goes through [`HttpClient::fetch`]:
//!
//! 1. identical requests in flight are merged (one network call, every caller gets the answer);
//! 2. the service's semaphore bounds the requests in flight, its [`limiter::Limiter`] spaces
//!    them (configured rate, lowered by `x-rate-limit-*` headers, paused by `Retry-After`);
//! 3. [`retry::classify`] is the one place that decides what is retried: 429, 5xx, timeouts
//!    and connection errors, with exponential backoff plus jitter, never less than the server's
//!    `Retry-After`. 404 is an answer ("unknown id"); other 4xx fail at once;
//! 4. bodies are read up to [`MAX_BODY`] bytes; redirects are followed only to the same host,
//!    except for requests marked [`Request::follow_redirects`] (doi.org content negotiation,
//!    whose answer lives at the registration agency).
//!
//! API keys travel in [`Request::secret_query`] and [`Request::secret_headers`]; they are added
//! when the request is sent, never appear in [`Request::key`] (the store key), and every error
//! message is passed through [`redact`].

pub mod limiter;
pub mod retry;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OnceCell, Semaphore};

use crate::config::{Config, ServiceConfig};
use crate::model::Service;

use self::limiter::Limiter;
use self::retry::{backoff, classify, retry_after, Verdict};

/// The largest response body accepted (50 MB); bigger answers fail with a clear error.
pub const MAX_BODY: usize = 50 * 1024 * 1024;

/// The longest `Retry-After` we wait for; a service asking for more is reported as failed.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The project URL sent in the User-Agent.
pub const PROJECT_URL: &str = "https://github.com/publist/publist";

/// HTTP method of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// GET.
    Get,
    /// POST with a JSON body.
    Post,
}

/// What a request is for, so a run can tell id lookups from people and searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Purpose {
    /// Looking works up by identifier.
    #[default]
    Ids,
    /// A person's works.
    Person,
    /// A bibliographic search.
    Search,
}

/// One request to a service, described without its secrets.
#[derive(Debug, Clone)]
pub struct Request {
    /// The service (selects rate limit, concurrency, timeout and retries).
    pub service: Service,
    /// GET or POST.
    pub method: Method,
    /// Full URL with the public query (no API keys).
    pub url: String,
    /// JSON body for POST.
    pub body: Option<String>,
    /// `Accept` header.
    pub accept: String,
    /// Query parameters added only when sending (API keys).
    pub secret_query: Vec<(String, String)>,
    /// Headers added only when sending (API keys, tokens).
    pub secret_headers: Vec<(String, String)>,
    /// Follow redirects to other hosts (doi.org content negotiation only).
    pub follow_redirects: bool,
    /// Validators of a stored answer, for a conditional request: (ETag, Last-Modified).
    pub validators: Option<(Option<String>, Option<String>)>,
    /// What the request is for (counted separately).
    pub purpose: Purpose,
}

impl Request {
    /// A GET of `url` expecting `accept`.
    pub fn get(service: Service, url: impl Into<String>, accept: &str) -> Request {
        Request {
            service,
            method: Method::Get,
            url: url.into(),
            body: None,
            accept: accept.to_string(),
            secret_query: Vec::new(),
            secret_headers: Vec::new(),
            follow_redirects: false,
            validators: None,
            purpose: Purpose::Ids,
        }
    }

    /// A POST of a JSON `body` to `url`.
    pub fn post_json(service: Service, url: impl Into<String>, body: String) -> Request {
        Request {
            method: Method::Post,
            body: Some(body),
            ..Request::get(service, url, "application/json")
        }
    }

    /// The request's identity, used to merge identical requests and as the store key.
    /// Holds no secret: keys are added only when sending.
    pub fn key(&self) -> String {
        let method = match self.method {
            Method::Get => "GET",
            Method::Post => "POST",
        };
        match &self.body {
            Some(body) => format!("{method} {} {body}", self.url),
            None => format!("{method} {}", self.url),
        }
    }
}

/// An answer (2xx, 304 or 404; other statuses are [`HttpError`]s).
#[derive(Debug, Clone)]
pub struct Response {
    /// The request URL (without secrets).
    pub url: String,
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, lowercased, without parameters.
    pub content_type: String,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
    /// The body (decompressed).
    pub body: Vec<u8>,
}

impl Response {
    /// True for 404 / 410: the service does not know the id.
    pub fn is_not_found(&self) -> bool {
        self.status == 404 || self.status == 410
    }

    /// True for 304: the stored answer is still current.
    pub fn is_not_modified(&self) -> bool {
        self.status == 304
    }

    /// Fails unless the content type is JSON.
    pub fn expect_json(&self) -> Result<(), HttpError> {
        self.expect_type(&["json"])
    }

    /// Fails unless the content type is XML (or Atom).
    pub fn expect_xml(&self) -> Result<(), HttpError> {
        self.expect_type(&["xml"])
    }

    fn expect_type(&self, wanted: &[&str]) -> Result<(), HttpError> {
        if wanted.iter().any(|w| self.content_type.contains(w)) {
            Ok(())
        } else {
            Err(HttpError::ContentType {
                url: self.url.clone(),
                expected: wanted.join(" or "),
                got: if self.content_type.is_empty() {
                    "no content type".into()
                } else {
                    self.content_type.clone()
                },
            })
        }
    }
}

/// Why a request failed, after retries. Messages name the URL (without secrets) and say what
/// to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// A status that is not retried (4xx other than 404/429), or retries ran out.
    #[error("{url}: HTTP {status}{detail} (after {attempts} attempt(s)); check the service's base URL and status page, then run again")]
    Status {
        /// URL.
        url: String,
        /// Status.
        status: u16,
        /// A short extract of the body, or empty.
        detail: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The request timed out on every attempt.
    #[error("{url}: timed out after {attempts} attempt(s); the service is slow or unreachable, try again later or raise timeout_secs")]
    Timeout {
        /// URL.
        url: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Connection failed on every attempt.
    #[error("{url}: cannot connect ({message}) after {attempts} attempt(s); check the network and the base URL")]
    Connect {
        /// URL.
        url: String,
        /// Cause.
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The service asked us to wait longer than we are willing to.
    #[error("{url}: the service asks to wait {seconds} s (Retry-After); try again later")]
    WaitTooLong {
        /// URL.
        url: String,
        /// Seconds asked for.
        seconds: u64,
    },
    /// The body exceeded [`MAX_BODY`].
    #[error("{url}: response larger than {limit} bytes; refusing to read it")]
    TooLarge {
        /// URL.
        url: String,
        /// The cap.
        limit: usize,
    },
    /// The answer has the wrong content type (a login page, an HTML error page).
    #[error("{url}: expected {expected}, got {got}; is the base URL right?")]
    ContentType {
        /// URL.
        url: String,
        /// Expected type.
        expected: String,
        /// Received type.
        got: String,
    },
    /// The body could not be parsed.
    #[error("{url}: malformed answer: {message}")]
    Parse {
        /// URL.
        url: String,
        /// Parser message.
        message: String,
    },
    /// `--max-requests` was reached; the request was not sent.
    #[error("request budget (--max-requests) exhausted; {url} not sent")]
    Budget {
        /// URL.
        url: String,
    },
}

impl HttpError {
    /// True when the request was never sent because of the budget (not a service failure).
    pub fn is_budget(&self) -> bool {
        matches!(self, HttpError::Budget { .. })
    }
}

/// Replaces every secret value in `text` by `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// API keys read from the environment; none of them is ever logged or stored.
#[derive(Clone, Default)]
pub struct ApiKeys {
    /// `OPENALEX_API_KEY`.
    pub openalex: Option<String>,
    /// `S2_API_KEY`.
    pub s2: Option<String>,
    /// `NCBI_API_KEY`.
    pub ncbi: Option<String>,
    /// `ORCID_TOKEN`.
    pub orcid: Option<String>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |k: &Option<String>| if k.is_some() { "set" } else { "unset" };
        f.debug_struct("ApiKeys")
            .field("openalex", &set(&self.openalex))
            .field("s2", &set(&self.s2))
            .field("ncbi", &set(&self.ncbi))
            .field("orcid", &set(&self.orcid))
            .finish()
    }
}

impl ApiKeys {
    /// Reads the keys from the environment (empty values count as unset).
    pub fn from_env() -> ApiKeys {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        ApiKeys {
            openalex: var("OPENALEX_API_KEY"),
            s2: var("S2_API_KEY"),
            ncbi: var("NCBI_API_KEY"),
            orcid: var("ORCID_TOKEN"),
        }
    }

    /// Every key value, for [`redact`].
    pub fn values(&self) -> Vec<String> {
        [&self.openalex, &self.s2, &self.ncbi, &self.orcid]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

/// Counters of one service, readable while a run goes on.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests sent (every attempt).
    pub requests: AtomicU64,
    /// Attempts after the first.
    pub retries: AtomicU64,
    /// Requests that failed for good.
    pub failures: AtomicU64,
}

struct ServiceState {
    config: ServiceConfig,
    limiter: Limiter,
    permits: Semaphore,
    counters: Counters,
}

type Shared = Arc<OnceCell<Result<Arc<Response>, HttpError>>>;

/// The shared HTTP client. Cheap to share behind an `Arc`.
pub struct HttpClient {
    same_host: reqwest::Client,
    follow: reqwest::Client,
    services: HashMap<Service, ServiceState>,
    inflight: Mutex<HashMap<String, Shared>>,
    by_purpose: [AtomicU64; 3],
    budget: Option<AtomicU64>,
    secrets: Vec<String>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

/// The User-Agent: name, version, project URL and the contact address when configured.
pub fn user_agent(mailto: Option<&str>) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match mailto.filter(|m| !m.trim().is_empty()) {
        Some(m) => format!("publist/{version} (+{PROJECT_URL}; mailto:{})", m.trim()),
        None => format!("publist/{version} (+{PROJECT_URL})"),
    }
}

impl HttpClient {
    /// Builds the client from the config's service settings. `max_requests` caps the
    /// attempts of the whole run; `secrets` are redacted from every error message.
    pub fn new(
        config: &Config,
        max_requests: Option<u64>,
        secrets: Vec<String>,
    ) -> Result<HttpClient, String> {
        let ua = user_agent(config.mailto.as_deref());
        let same_host = reqwest::Client::builder()
            .user_agent(ua.clone())
            .gzip(true)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let same = attempt
                    .previous()
                    .first()
                    .is_some_and(|first| first.host_str() == attempt.url().host_str());
                if attempt.previous().len() > 5 || !same {
                    attempt.stop()
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let follow = reqwest::Client::builder()
            .user_agent(ua)
            .gzip(true)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::limited(8))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let services = config
            .services
            .iter()
            .map(|(&service, cfg)| {
                let state = ServiceState {
                    config: cfg.clone(),
                    limiter: Limiter::new(cfg.rate),
                    permits: Semaphore::new(cfg.concurrency.max(1)),
                    counters: Counters::default(),
                };
                (service, state)
            })
            .collect();
        Ok(HttpClient {
            same_host,
            follow,
            services,
            inflight: Mutex::new(HashMap::new()),
            by_purpose: Default::default(),
            budget: max_requests.map(AtomicU64::new),
            secrets,
        })
    }

    /// The counters of a service.
    pub fn counters(&self, service: Service) -> Option<&Counters> {
        self.services.get(&service).map(|s| &s.counters)
    }

    /// Requests sent (every attempt, every service) for one purpose.
    pub fn requests_for(&self, purpose: Purpose) -> u64 {
        self.by_purpose[purpose as usize].load(Ordering::Relaxed)
    }

    /// Redacts the configured secrets from `text`.
    pub fn redact(&self, text: &str) -> String {
        redact(text, &self.secrets)
    }

    /// Sends `req` (merged with an identical request in flight), retrying what is retryable.
    pub async fn fetch(&self, req: &Request) -> Result<Arc<Response>, HttpError> {
        let key = req.key();
        let cell: Shared = {
            let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(key.clone()).or_default().clone()
        };
        let out = cell
            .get_or_init(|| async { self.fetch_once(req).await.map(Arc::new) })
            .await
            .clone();
        let mut map = self.inflight.lock().unwrap_or_else(|p| p.into_inner());
        if map.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            map.remove(&key);
        }
        out
    }

    fn take_budget(&self) -> bool {
        match &self.budget {
            None => true,
            Some(left) => left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok(),
        }
    }

    async fn fetch_once(&self, req: &Request) -> Result<Response, HttpError> {
        let Some(state) = self.services.get(&req.service) else {
            return Err(HttpError::Connect {
                url: req.url.clone(),
                message: format!("service {} is not configured", req.service),
                attempts: 0,
            });
        };
        let retries = state.config.retries;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            if !self.take_budget() {
                return Err(HttpError::Budget {
                    url: req.url.clone(),
                });
            }
            let outcome = {
                let _permit = state.permits.acquire().await;
                state.limiter.acquire().await;
                state.counters.requests.fetch_add(1, Ordering::Relaxed);
                self.by_purpose[req.purpose as usize].fetch_add(1, Ordering::Relaxed);
                if attempt > 1 {
                    state.counters.retries.fetch_add(1, Ordering::Relaxed);
                }
                self.send(req, &state.config).await
            };
            if let Ok(resp) = &outcome {
                state.limiter.learn(resp.headers());
            }
            let wait_hint = outcome.as_ref().ok().and_then(|r| retry_after(r.headers()));
            match classify(&outcome) {
                Verdict::Done => {
                    return match outcome {
                        Ok(raw) => self.finish(req, raw).await,
                        Err(e) => {
                            let err = self.transport_error(req, e, attempt);
                            Err(self.fail(state, err, attempt))
                        }
                    };
                }
                Verdict::Fail => {
                    let err = match outcome {
                        Ok(raw) => self.status_error(req, raw, attempt).await,
                        Err(e) => self.transport_error(req, e, attempt),
                    };
                    return Err(self.fail(state, err, attempt));
                }
                Verdict::Retry => {
                    if let Some(wait) = wait_hint {
                        if wait > MAX_RETRY_AFTER {
                            let err = HttpError::WaitTooLong {
                                url: req.url.clone(),
                                seconds: wait.as_secs(),
                            };
                            return Err(self.fail(state, err, attempt));
                        }
                    }
                    let throttled = outcome.as_ref().is_ok_and(|r| r.status().as_u16() == 429);
                    if attempt > retries {
                        let err = match outcome {
                            Ok(raw) => self.status_error(req, raw, attempt).await,
                            Err(e) => self.transport_error(req, e, attempt),
                        };
                        return Err(self.fail(state, err, attempt));
                    }
                    if throttled {
                        state.limiter.throttled(wait_hint);
                    } else if let Some(wait) = wait_hint {
                        state.limiter.pause_for(wait);
                    }
                    let delay = backoff(attempt, wait_hint);
                    tracing::info!(
                        "{}: retry {attempt}/{retries} of {} in {:.1} s",
                        req.service,
                        self.redact(&req.url),
                        delay.as_secs_f64()
                    );
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }

    fn fail(&self, state: &ServiceState, err: HttpError, attempts: u32) -> HttpError {
        let _ = attempts;
        state.counters.failures.fetch_add(1, Ordering::Relaxed);
        err
    }

    async fn send(
        &self,
        req: &Request,
        cfg: &ServiceConfig,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let client = if req.follow_redirects {
            &self.follow
        } else {
            &self.same_host
        };
        let mut url = req.url.clone();
        if !req.secret_query.is_empty() {
            let sep = if url.contains('?') { '&' } else { '?' };
            url.push(sep);
            let pairs: Vec<String> = req
                .secret_query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            url.push_str(&pairs.join("&"));
        }
        let mut builder = match req.method {
            Method::Get => client.get(&url),
            Method::Post => client
                .post(&url)
                .header("content-type", "application/json")
                .body(req.body.clone().unwrap_or_default()),
        };
        builder = builder.header("accept", &req.accept).timeout(cfg.timeout);
        for (k, v) in &req.secret_headers {
            builder = builder.header(k, v);
        }
        if let Some((etag, modified)) = &req.validators {
            if let Some(etag) = etag {
                builder = builder.header("if-none-match", etag);
            }
            if let Some(modified) = modified {
                builder = builder.header("if-modified-since", modified);
            }
        }
        builder.send().await
    }

    async fn finish(&self, req: &Request, raw: reqwest::Response) -> Result<Response, HttpError> {
        let status = raw.status().as_u16();
        let header = |name: &str| {
            raw.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let etag = header("etag");
        let last_modified = header("last-modified");
        let body = self.read_body(req, raw).await?;
        Ok(Response {
            url: req.url.clone(),
            status,
            content_type,
            etag,
            last_modified,
            body,
        })
    }

    async fn read_body(
        &self,
        req: &Request,
        mut raw: reqwest::Response,
    ) -> Result<Vec<u8>, HttpError> {
        let too_large = || HttpError::TooLarge {
            url: req.url.clone(),
            limit: MAX_BODY,
        };
        if raw.content_length().is_some_and(|n| n > MAX_BODY as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            match raw.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) => {
                    return Err(HttpError::Connect {
                        url: req.url.clone(),
                        message: self.redact(&e.without_url().to_string()),
                        attempts: 1,
                    })
                }
            }
        }
    }

    async fn status_error(
        &self,
        req: &Request,
        raw: reqwest::Response,
        attempts: u32,
    ) -> HttpError {
        let status = raw.status().as_u16();
        let text = raw.text().await.unwrap_or_default();
        let snippet: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let snippet: String = snippet.chars().take(160).collect();
        let detail = if snippet.is_empty() {
            String::new()
        } else {
            format!(": {}", self.redact(&snippet))
        };
        HttpError::Status {
            url: req.url.clone(),
            status,
            detail,
            attempts,
        }
    }

    fn transport_error(&self, req: &Request, err: reqwest::Error, attempts: u32) -> HttpError {
        if err.is_timeout() {
            HttpError::Timeout {
                url: req.url.clone(),
                attempts,
            }
        } else if err.is_redirect() {
            HttpError::Connect {
                url: req.url.clone(),
                message: "redirect to another host refused".into(),
                attempts,
            }
        } else {
            let mut causes = String::new();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                causes.push_str(": ");
                causes.push_str(&cause.to_string());
                source = cause.source();
            }
            let message = format!("{}{causes}", err.without_url());
            HttpError::Connect {
                url: req.url.clone(),
                message: self.redact(&message),
                attempts,
            }
        }
    }
}

/// Percent-encodes a query component.
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_hides_every_secret() {
        let secrets = vec!["sekrit-key-123".to_string()];
        let msg = "http://x/works?api_key=sekrit-key-123&mailto=a";
        assert_eq!(redact(msg, &secrets), "http://x/works?api_key=***&mailto=a");
    }

    #[test]
    fn key_has_no_secret_and_includes_body() {
        let mut req = Request::post_json(
            Service::SemanticScholar,
            "http://x/paper/batch",
            "{\"ids\":[]}".into(),
        );
        req.secret_headers
            .push(("x-api-key".into(), "topsecret".into()));
        let key = req.key();
        assert!(key.contains("{\"ids\":[]}"));
        assert!(!key.contains("topsecret"));
    }

    #[test]
    fn user_agent_names_project_and_contact() {
        let ua = user_agent(Some("lab@example.org"));
        assert!(ua.contains(PROJECT_URL));
        assert!(ua.contains("mailto:lab@example.org"));
    }
}
