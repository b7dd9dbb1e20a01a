//! The FlexNet reader must never panic, and must turn every line into
//! exactly one event, whatever the bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use liclog::Event;
use liclog::lines::LineReader;
use liclog::read::flexnet::FlexnetReader;
use liclog::read::{ReadOptions, Reader, Sink};

struct Count(u64);

impl Sink for Count {
    fn event(&mut self, _: &Event<'_>) -> liclog::Result<()> {
        self.0 += 1;
        Ok(())
    }
    fn warn(&mut self, _: u64, _: &str) {}
}

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions {
        date: Some(jiff::civil::date(2024, 1, 1)),
        tz: None,
    };
    let mut reader = FlexnetReader::new("fuzz", &options, None);
    let mut sink = Count(0);
    let mut lines = LineReader::new(data);
    let mut n = 0;
    while let Ok(Some(line)) = lines.next_line() {
        n += 1;
        reader.line(&line, &mut sink).unwrap();
    }
    reader.finish(&mut sink).unwrap();
    assert_eq!(sink.0, n);
});
