//! Rendering on worker threads writes exactly what rendering in place
//! writes: the same bytes, warnings and counts, in input order.

mod common;

use common::Shared;
use liclog::Event;
use liclog::lines::LineReader;
use liclog::read::flexnet::FlexnetReader;
use liclog::read::{ReadOptions, Reader, Rendered, Sink};
use liclog::write::{CsvWriter, Encoder, EventWriter, JsonlWriter, WriteOptions};

struct Collect {
    writer: Box<dyn EventWriter>,
    parallel: bool,
    warnings: Vec<(u64, String)>,
    events: u64,
    batches: u64,
}

impl Sink for Collect {
    fn event(&mut self, e: &Event<'_>) -> liclog::Result<()> {
        self.events += 1;
        self.writer.write(e).unwrap();
        Ok(())
    }
    fn warn(&mut self, line: u64, message: &str) {
        self.warnings.push((line, message.to_string()));
    }
    fn encoder(&mut self) -> Option<Box<dyn Encoder>> {
        self.parallel.then(|| self.writer.encoder()).flatten()
    }
    fn rendered(&mut self, batch: &mut Rendered) -> liclog::Result<()> {
        self.batches += 1;
        self.events += batch.counts.iter().sum::<u64>();
        self.warnings.append(&mut batch.warnings);
        self.writer.write_encoded(&mut batch.bytes).unwrap();
        Ok(())
    }
}

/// Many batches' worth of every shape the renderer treats differently:
/// banners that change `server` mid-batch, wrapped lines, malformed lines
/// (warnings), dates, rollovers and quoting.
fn input() -> String {
    let mut s = String::new();
    for i in 0..30_000u32 {
        let (h, m, sec) = (i / 1200 % 24, i / 20 % 60, i % 60);
        let t = format!("{h}:{m:02}:{sec:02}");
        match i % 997 {
            0 => s.push_str(&format!(
                "{t} (lmgrd) FlexNet Licensing (v11.16 build 1 x64) started on host{i} (linux) (1/3/2024)\n"
            )),
            1 => s.push_str(&format!(
                "{t} (lmgrd) License file(s): /a/b.lic\n/c/d,{i}.lic\n  /e/f.lic\n"
            )),
            2 => s.push_str(&format!("{t} cut line {i}\n")),
            3 => s.push_str(&format!("{t} (MLM) TIMESTAMP 1/{}/2024\n", 3 + i / 5000)),
            _ => s.push_str(&format!(
                "{t} (MLM) {} \"feat{}\" user {}@ws-{i}.corp  \n",
                ["OUT:", "IN:", "DENIED:"][i as usize % 3],
                i % 7,
                if i % 11 == 0 { "a,\"b\"" } else { "x" },
            )),
        }
    }
    s
}

fn run(input: &str, parallel: bool, jsonl: bool) -> (Vec<u8>, Collect) {
    let out = Shared::default();
    let writer: Box<dyn EventWriter> = if jsonl {
        Box::new(JsonlWriter::new(
            Box::new(out.clone()),
            WriteOptions::default(),
        ))
    } else {
        Box::new(CsvWriter::new(
            Box::new(out.clone()),
            WriteOptions::default(),
        ))
    };
    let mut sink = Collect {
        writer,
        parallel,
        warnings: Vec::new(),
        events: 0,
        batches: 0,
    };
    let mut reader = FlexnetReader::new("t.log", &ReadOptions::default(), None);
    let mut lines = LineReader::new(input.as_bytes());
    while let Some(line) = lines.next_line().unwrap() {
        reader.line(&line, &mut sink).unwrap();
    }
    reader.finish(&mut sink).unwrap();
    drop(reader);
    sink.writer.finish().unwrap();
    let bytes = out.0.lock().unwrap().clone();
    (bytes, sink)
}

#[test]
fn workers_write_what_one_thread_writes() {
    let input = input();
    for jsonl in [false, true] {
        let (one, seq) = run(&input, false, jsonl);
        let (many, par) = run(&input, true, jsonl);
        assert!(par.batches > 4, "the input should span several batches");
        assert_eq!(seq.batches, 0);
        assert_eq!(seq.events, par.events);
        assert_eq!(seq.warnings, par.warnings);
        assert!(!seq.warnings.is_empty());
        assert!(one == many, "outputs differ (jsonl: {jsonl})");
        let text = String::from_utf8(many).unwrap();
        assert!(
            text.contains("host29910"),
            "the last banner's server is used"
        );
    }
}
