//! Discord's "slow down" (HTTP 429) answered by waiting and trying again, a bounded number of
//! times, for every request that carries a reply: messages, interaction responses and
//! follow-ups.
//!
//! Without a proxy, serenity's own ratelimiter already waits out a 429 (it reads `Retry-After`)
//! and tries again, so these retries rarely fire. Behind `DISCORD_PROXY_URL` serenity's
//! ratelimiter is off (it would send its requests to Discord, not to the proxy), and serenity
//! reports the 429 as an error without its `Retry-After`: a reply would be lost. Here the wait
//! doubles from half a second (0.5, 1, 2, 4 s, each with up to a quarter more at random so
//! that a burst of replies does not come back at the same instant), which covers Discord's
//! per-route and global limits of a few seconds; after the fourth retry the error stands.

use std::future::Future;
use std::time::Duration;

use serenity::all::{HttpError, StatusCode};

/// The waits before each retry; their number bounds the attempts.
const WAITS: [Duration; 4] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
];

/// Runs `request` until it is not refused with a 429, at most `WAITS.len() + 1` times; `what`
/// names it in the log.
pub(crate) async fn on_rate_limit<T, F, Fut>(
    what: &'static str,
    mut request: F,
) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut waits = WAITS.iter();
    loop {
        match request().await {
            Err(error) if is_rate_limited(&error) => {
                let Some(wait) = waits.next() else {
                    return Err(error);
                };
                let wait = jittered(*wait);
                tracing::debug!(what, ?wait, "rate limited by Discord; trying again");
                tokio::time::sleep(wait).await;
            }
            outcome => return outcome,
        }
    }
}

/// Whether Discord (or the proxy) answered 429 Too Many Requests.
pub(crate) fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(HttpError::UnsuccessfulRequest(response))
            if response.status_code == StatusCode::TOO_MANY_REQUESTS
    )
}

/// `wait` plus up to a quarter more, at random (so that many waiters do not wake together).
pub(crate) fn jittered(wait: Duration) -> Duration {
    wait + wait.mul_f64(fastrand::f64() / 4.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::atomic::{AtomicUsize, Ordering};

    use serenity::all::ErrorResponse;

    async fn refusal(status: u16) -> serenity::Error {
        let answer = http::Response::builder()
            .status(status)
            .body(r#"{"code": 0, "message": "You are being rate limited.", "retry_after": 0.5}"#)
            .expect("a response");
        let answer = ErrorResponse::from_response(answer.into(), reqwest::Method::POST).await;
        serenity::Error::Http(HttpError::UnsuccessfulRequest(answer))
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_is_retried_until_the_request_goes_through() {
        let calls = AtomicUsize::new(0);
        let outcome = on_rate_limit("test", || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0..=2 => Err(refusal(429).await),
                _ => Ok("sent"),
            }
        })
        .await;
        assert_eq!(outcome.expect("sent on the fourth try"), "sent");
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_other_errors_are_not_retried() {
        let calls = AtomicUsize::new(0);
        let outcome: Result<(), _> = on_rate_limit("test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(refusal(429).await)
        })
        .await;
        assert!(outcome.is_err_and(|error| is_rate_limited(&error)));
        assert_eq!(calls.load(Ordering::SeqCst), WAITS.len() + 1);

        calls.store(0, Ordering::SeqCst);
        let outcome: Result<(), _> = on_rate_limit("test", || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(refusal(500).await)
        })
        .await;
        assert!(outcome.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "a 500 is not a rate limit");
    }
}
