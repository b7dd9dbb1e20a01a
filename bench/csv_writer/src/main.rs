//! Writes the same rows with liclog's CSV cell writer and with the csv
//! crate's `Writer`, checks the bytes are identical, and prints the best of
//! several runs of each.
//!
//!     cargo run --release -- ROWS.csv [RUNS]
//!
//! ROWS.csv is canonical CSV from `liclog convert --to csv`: its cells are
//! read once into memory, so only the writing is timed.

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().expect("usage: csv-writer-bench ROWS.csv [RUNS]");
    let runs: usize = args.get(1).map_or(7, |r| r.parse().expect("RUNS"));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).expect("open");
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a CSV record").iter().map(String::from).collect())
        .collect();

    let ours = || {
        let mut out = Vec::with_capacity(1 << 26);
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                liclog::write::csv_cell(&mut out, cell.as_bytes());
            }
            out.push(b'\n');
        }
        out
    };
    let crate_writer = || {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::with_capacity(1 << 26));
        for row in &rows {
            w.write_record(row).expect("write");
        }
        w.into_inner().expect("flush")
    };
    assert!(ours() == crate_writer(), "the two writers differ");
    let best = |f: &dyn Fn() -> Vec<u8>| {
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed()
            })
            .min()
            .unwrap_or(Duration::ZERO)
    };
    let (a, b) = (best(&ours), best(&crate_writer));
    println!(
        "{} rows: liclog cell writer {:.1} ms, csv crate Writer {:.1} ms, ratio {:.2}",
        rows.len(),
        a.as_secs_f64() * 1e3,
        b.as_secs_f64() * 1e3,
        a.as_secs_f64() / b.as_secs_f64()
    );
}
