//! Time: the center's [`Clock`] (scenario time, scaled), wall-clock time and the identifiers
//! derived from it (request IDs, receipt IDs, SS-MIX2 file timestamps), in one place so their
//! formats stay consistent.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// The center's clock. Scenario durations are nominal; the clock multiplies them by the time
/// scale, so a scenario that says "maintenance for 30 s" runs in 300 ms at scale 0.01. Every wait
/// the center makes on purpose (delays, stalls, windows, down time) goes through it.
///
/// The clock can also live at an offset from the machine's (`[setup] center_clock_offset`): the
/// center then issues its certificates for, judges client certificates at, and states
/// (`whoami`'s `server_time`, `Date`) a time that is not the uploader's, as a center would
/// whose clock and the facility's disagree. Journal times stay the machine's, so evidence lines
/// up with the uploader's own logs.
#[derive(Debug, Clone)]
pub struct Clock {
    scale: f64,
    started: Instant,
    offset: time::Duration,
}

impl Clock {
    /// A clock with this scale (1.0 = real time), starting now.
    pub fn new(scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            scale,
            started: Instant::now(),
            offset: time::Duration::ZERO,
        }
    }

    /// The same clock living `offset` away from the machine's (negative: behind).
    pub fn with_offset(mut self, offset: time::Duration) -> Self {
        self.offset = offset;
        self
    }

    /// How far the center's time is from the machine's.
    pub fn offset(&self) -> time::Duration {
        self.offset
    }

    /// The center's idea of the current time: the machine's, plus the offset.
    pub fn now(&self) -> OffsetDateTime {
        now() + self.offset
    }

    /// The center's time for rustls, which judges client certificates by it.
    pub fn tls_time(&self) -> std::sync::Arc<dyn rustls::time_provider::TimeProvider> {
        std::sync::Arc::new(TlsTime(self.offset))
    }

    /// The time scale.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// A nominal duration in real time.
    pub fn scaled(&self, nominal: Duration) -> Duration {
        Duration::from_secs_f64(nominal.as_secs_f64() * self.scale)
    }

    /// A safety timeout (`[limits]`) in real time: scaled like every nominal duration, but never
    /// below the smaller of its nominal value and one second. A fast run (scale 0.01) shortens
    /// the waits a scenario asks for; it must not cut a client that is merely slow to be
    /// scheduled on a busy machine.
    pub fn scaled_timeout(&self, nominal: Duration) -> Duration {
        self.scaled(nominal).max(nominal.min(Self::TIMEOUT_FLOOR))
    }

    /// See [`Clock::scaled_timeout`].
    const TIMEOUT_FLOOR: Duration = Duration::from_secs(1);

    /// Real time since the center started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The monotonic instant now.
    pub fn instant(&self) -> Instant {
        Instant::now()
    }

    /// Sleeps for a nominal duration, scaled. An injected wait, never synchronisation.
    pub async fn sleep(&self, nominal: Duration) {
        tokio::time::sleep(self.scaled(nominal)).await;
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::new(1.0)
    }
}

/// [`Clock::tls_time`]: the machine's time plus an offset.
#[derive(Debug)]
struct TlsTime(time::Duration);

impl rustls::time_provider::TimeProvider for TlsTime {
    fn current_time(&self) -> Option<rustls::pki_types::UnixTime> {
        let secs = u64::try_from((now() + self.0).unix_timestamp()).ok()?;
        Some(rustls::pki_types::UnixTime::since_unix_epoch(
            Duration::from_secs(secs),
        ))
    }
}

/// The current UTC time of the machine.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// RFC 3339 UTC with exactly three fractional digits, e.g. `2026-11-24T10:15:00.120Z`.
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// An IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`, for `Retry-After`.
pub fn http_date(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[at.weekday().number_days_from_monday() as usize],
        at.day(),
        MONTHS[u8::from(at.month()) as usize - 1],
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Japan Standard Time, UTC+09:00 all year (Japan has no daylight saving).
const JST: time::UtcOffset = time::macros::offset!(+9);

/// The 17-digit SS-MIX2 occurrence timestamp `YYYYMMDDHHMMSSFFF` (`PROTO-STORE-005`) in Japan
/// time: the facilities and tools that read a Japanese storage take the digits as local time.
pub fn ssmix2_timestamp(at: OffsetDateTime) -> String {
    let at = at.to_offset(JST);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}{:03}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Hands out strictly increasing millisecond instants, so two documents stored in the same
/// millisecond still get distinct SS-MIX2 file names.
#[derive(Debug, Default)]
pub struct MonotonicMillis {
    /// Last instant handed out, in Unix milliseconds.
    last: AtomicI64,
}

impl MonotonicMillis {
    /// A fresh instant, at least 1 ms after the previous one.
    pub fn next(&self) -> OffsetDateTime {
        let wall = (now().unix_timestamp_nanos() / 1_000_000) as i64;
        let mut previous = self.last.load(Ordering::Relaxed);
        loop {
            let candidate = wall.max(previous + 1);
            match self.last.compare_exchange_weak(
                previous,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    return OffsetDateTime::from_unix_timestamp_nanos(
                        i128::from(candidate) * 1_000_000,
                    )
                    .unwrap_or_else(|_| now());
                }
                Err(actual) => previous = actual,
            }
        }
    }

    /// Makes sure later instants come after `at` (used after replaying the transaction log).
    pub fn observe(&self, at_millis: i64) {
        self.last.fetch_max(at_millis, Ordering::Relaxed);
    }
}

/// `req-` + 26 Crockford base32 characters: a time-sortable request ID (`PROTO-CONN-002`).
pub fn request_id() -> String {
    format!("req-{}", ulid())
}

/// `rcpt-` + 26 characters (`PROTO-UP-013`).
pub fn receipt_id() -> String {
    format!("rcpt-{}", ulid())
}

/// A ULID-shaped identifier: 48 bits of Unix milliseconds then 80 random bits, Crockford base32.
fn ulid() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let millis = (now().unix_timestamp_nanos() / 1_000_000) as u128 & ((1 << 48) - 1);
    let random = uuid::Uuid::new_v4().as_u128() & ((1 << 80) - 1);
    let value = (millis << 80) | random;
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safety_timeouts_scale_down_to_one_second_at_most() {
        let fast = Clock::new(0.01);
        let cases = [
            (60_000, 1_000),
            (200_000, 2_000),
            (300, 300),
            (1_500, 1_000),
        ];
        for (nominal, real) in cases {
            assert_eq!(
                fast.scaled_timeout(Duration::from_millis(nominal)),
                Duration::from_millis(real),
                "{nominal} ms"
            );
        }
        assert_eq!(
            Clock::new(2.0).scaled_timeout(Duration::from_millis(300)),
            Duration::from_millis(600)
        );
    }

    #[test]
    fn formats_match_the_protocol_examples() {
        let at = time::macros::datetime!(2026-11-24 10:15:00.123456 UTC);
        assert_eq!(rfc3339(at), "2026-11-24T10:15:00.123Z");
        let round = time::macros::datetime!(2026-11-24 10:15:00.1 UTC);
        assert_eq!(rfc3339(round), "2026-11-24T10:15:00.100Z");
        assert_eq!(ssmix2_timestamp(at), "20261124191500123");
        assert_eq!(http_date(at), "Tue, 24 Nov 2026 10:15:00 GMT");
        let id = receipt_id();
        assert_eq!(id.len(), "rcpt-".len() + 26);
        assert!(id.starts_with("rcpt-"));
    }

    // PROTO-STORE-005: 15:30 UTC is already the next day in Japan.
    #[test]
    fn ss_mix2_timestamps_are_japan_time_across_midnight() {
        let cases = [
            (
                time::macros::datetime!(2026-11-24 15:30:00.250 UTC),
                "20261125003000250",
            ),
            (
                time::macros::datetime!(2026-11-24 14:59:59.999 UTC),
                "20261124235959999",
            ),
            (
                time::macros::datetime!(2026-12-31 15:00:00.000 UTC),
                "20270101000000000",
            ),
            (
                time::macros::datetime!(2026-11-25 00:30:00.250 +9),
                "20261125003000250",
            ),
        ];
        for (at, expected) in cases {
            assert_eq!(ssmix2_timestamp(at), expected, "{at}");
        }
    }

    #[test]
    fn monotonic_millis_never_repeat() {
        let clock = MonotonicMillis::default();
        let a = clock.next();
        let b = clock.next();
        assert!(b > a);
    }
}
