//! Parse + validate throughput on realistic ~2 KB ISO-2022-JP SS-MIX2 messages, next to a
//! baseline measured in the same run on the same bytes: a plain encoding_rs ISO-2022-JP decode
//! (the least any correct reader must do). Not a timed test: it prints figures, asserts nothing.
//!
//! `cargo bench -p idlink-formats --bench throughput`

use std::hint::black_box;
use std::time::{Duration, Instant};

use idlink_formats::hl7::{Message, ParseOptions};
use idlink_formats::{CheckOptions, DocumentKind, check};

const MESSAGES: &[(&str, &[u8])] = &[
    (
        "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1",
        include_bytes!(
            "../tests/data/valid/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"
        ),
    ),
    (
        "9999013_-_ADT-00_999999999999999_20111220224447339_-_1",
        include_bytes!(
            "../tests/data/valid/9999013_-_ADT-00_999999999999999_20111220224447339_-_1"
        ),
    ),
    (
        "9999013_20111219_OML-11_000000011000354_20111220103059000_01_1",
        include_bytes!(
            "../tests/data/valid/9999013_20111219_OML-11_000000011000354_20111220103059000_01_1"
        ),
    ),
];

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), so figures stay meaningful
/// on a shared, loaded machine; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Run `f` over every message until `budget` has passed. Returns (wall MB/s, on-CPU MB/s),
/// with MB = 10^6 bytes.
fn measure(budget: Duration, mut f: impl FnMut(&str, &[u8])) -> (f64, Option<f64>) {
    // Warm-up (also builds the JIS tables and grammars once).
    for (name, bytes) in MESSAGES {
        f(name, bytes);
    }
    let cpu_start = cpu_ns();
    let start = Instant::now();
    let mut bytes_done = 0usize;
    while start.elapsed() < budget {
        for _ in 0..100 {
            for (name, bytes) in MESSAGES {
                f(name, bytes);
                bytes_done += bytes.len();
            }
        }
    }
    let wall = bytes_done as f64 / start.elapsed().as_secs_f64() / 1e6;
    let cpu = match (cpu_start, cpu_ns()) {
        (Some(a), Some(b)) if b > a => Some(bytes_done as f64 / ((b - a) as f64 / 1e9) / 1e6),
        _ => None,
    };
    (wall, cpu)
}

fn show(label: &str, (wall, cpu): (f64, Option<f64>), baseline: Option<f64>) {
    let cpu_text = cpu
        .map(|c| format!("{c:8.1} MB/s on-CPU"))
        .unwrap_or_default();
    let ratio = match (baseline, cpu) {
        (Some(b), Some(c)) => format!(" ({:.2}x baseline time)", b / c),
        _ => String::new(),
    };
    println!("{label}: {wall:8.1} MB/s wall, {cpu_text}{ratio}");
}

fn main() {
    let budget = Duration::from_secs(2);
    let sizes: Vec<usize> = MESSAGES.iter().map(|(_, b)| b.len()).collect();
    println!(
        "messages: {} ISO-2022-JP SS-MIX2 files, {:?} bytes",
        MESSAGES.len(),
        sizes
    );

    let baseline = measure(budget, |_, bytes| {
        let decoded =
            encoding_rs::ISO_2022_JP.decode_without_bom_handling_and_without_replacement(bytes);
        black_box(decoded);
    });
    let parse = measure(budget, |_, bytes| {
        black_box(Message::parse(bytes, &ParseOptions::default()).ok());
    });
    let full = measure(budget, |name, bytes| {
        let options = CheckOptions {
            file_name: Some(name.to_owned()),
            ..CheckOptions::default()
        };
        let report = check(bytes, DocumentKind::Hl7, &options);
        assert!(!report.has_errors());
        black_box(report);
    });
    show("baseline  encoding_rs ISO-2022-JP decode ", baseline, None);
    show(
        "parse     Message::parse                 ",
        parse,
        baseline.1,
    );
    show(
        "check     parse + validate (all layers)  ",
        full,
        baseline.1,
    );
    let per_core = full.1.unwrap_or(full.0);
    println!(
        "target    >= 100 MB/s parse + validate on one core: {} ({per_core:.1} MB/s)",
        if per_core >= 100.0 { "met" } else { "NOT met" }
    );
}
