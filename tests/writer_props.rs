//! Property: whatever the events (any kind, names with spaces, quotes and
//! other scripts, times with or without a date, offset, fraction or leap
//! second, several servers), every vendor writer either writes or refuses
//! them with an error, never panics, and what it writes reads back with
//! that format's reader without a panic and with exactly the usage events
//! it was given, less those it declared it dropped (a usage event without a
//! feature or a date, for instance): a writer that writes nothing, or one
//! more, fails. (The events themselves, less what `-v` declares, are
//! compared on every golden input and sample by `tests/matrix.rs`.)

mod common;

use common::Shared;
use liclog::event::{Event, Kind, Time, clock_seconds};
use liclog::format::Format;
use liclog::lines::LineReader;
use liclog::read::{ReadOptions, Sink, reader_for};
use liclog::sessions::{Engine, Step};
use liclog::write::vendor::is_usage;
use liclog::write::{WriteOptions, writer_for};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Spec {
    kind: usize,
    format: usize,
    server: Option<String>,
    daemon: Option<String>,
    feature: Option<String>,
    version: Option<String>,
    user: Option<String>,
    host: Option<String>,
    count: Option<u64>,
    handle: Option<String>,
    code: Option<String>,
    time: Option<Clock>,
}

/// Seconds of the day, dated or not, a fraction, a UTC offset.
type Clock = (u32, bool, Option<(u32, u8)>, Option<i32>);

fn name() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(vec![
        "alice",
        "Mary Ann",
        "jo\"e",
        "山田",
        "ws-01.corp.example",
        "",
        "\"\"",
        "x y z",
        "MLM",
        "lmgrd",
        "demo",
        "a@b",
        "-",
        "(p)",
    ]))
    .prop_map(|n| n.map(str::to_string))
}

/// Mostly one server and vendor daemon (a second is refused, which ends
/// the case early).
fn one_of(names: &'static [&'static str]) -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::sample::select(names)).prop_map(|n| n.map(str::to_string))
}

fn spec() -> impl Strategy<Value = Spec> {
    let time = prop::option::of((
        0u32..86_400,
        any::<bool>(),
        prop::option::of((0u32..10_000, 1u8..5)),
        prop::option::of(prop::sample::select(vec![0, 3600, -18_000, 19_800])),
    ));
    (
        (
            0..Kind::ALL.len(),
            0usize..4,
            one_of(&["lic 01"]),
            one_of(&["MLM", "lmgrd"]),
            name(),
            name(),
        ),
        (
            name(),
            name(),
            prop::option::of(0u64..20),
            name(),
            name(),
            time,
        ),
    )
        .prop_map(
            |(
                (kind, format, server, daemon, feature, version),
                (user, host, count, handle, code, time),
            )| Spec {
                kind,
                format,
                server,
                daemon,
                feature,
                version,
                user,
                host,
                count,
                handle,
                code,
                time,
            },
        )
}

const FORMATS: [Format; 4] = [
    Format::Flexnet,
    Format::RlmReport,
    Format::RlmDebug,
    Format::Sentinel,
];

fn event(s: &Spec) -> Event<'_> {
    let mut e = Event::new("p.log", 1, FORMATS[s.format], Kind::ALL[s.kind], "");
    e.has_raw = false;
    e.server = s.server.as_deref();
    e.daemon = s.daemon.as_deref();
    e.feature = s.feature.as_deref();
    e.version = s.version.as_deref();
    e.user = s.user.as_deref();
    e.host = s.host.as_deref();
    e.count = s.count;
    e.handle = s.handle.as_deref();
    e.code = s.code.as_deref();
    e.time = s.time.map(|(seconds, dated, fraction, offset)| {
        let (h, m, sec) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        let mut t = Time::of_day(clock_seconds(
            h,
            m,
            if sec == 59 && dated { 60 } else { sec },
        ));
        t.date = dated.then(|| jiff::civil::date(2024, 2, 29));
        t.fraction = fraction;
        t.offset = offset;
        t
    });
    e
}

/// Usage events, counting an `inuse` record that opens a session (RLM
/// writes it as such, the others as its checkout).
#[derive(Default)]
struct Count(u64, Engine);

impl Count {
    fn add(&mut self, e: &Event<'_>) {
        let opened = matches!(self.1.step(e), Step::Opened { .. });
        self.0 += u64::from(is_usage(e.kind) || (e.kind == Kind::Inuse && opened));
    }
}

impl Sink for Count {
    fn event(&mut self, e: &Event<'_>) -> liclog::Result<()> {
        self.add(e);
        Ok(())
    }
    fn warn(&mut self, _: u64, _: &str) {}
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn writers_never_panic_and_write_what_reads_back(specs in prop::collection::vec(spec(), 0..40), strict in any::<bool>()) {
        'targets: for target in [Format::Flexnet, Format::RlmReport, Format::Sentinel] {
            let out = Shared::default();
            let options = WriteOptions { strict, ..WriteOptions::default() };
            let mut writer = writer_for(target, Box::new(out.clone()), options).unwrap();
            let mut given = Count::default();
            for s in &specs {
                let e = event(s);
                if writer.write(&e).is_err() {
                    // Several servers, or --strict: refused, not a panic;
                    // the run fails and its output is never committed.
                    continue 'targets;
                }
                given.add(&e);
            }
            let _ = writer.finish();
            let dropped = writer.dropped_usage();
            let bytes = out.0.lock().unwrap().clone();
            let mut reader = reader_for(target, "back", &ReadOptions::default(), None).unwrap();
            let mut sink = Count::default();
            let mut lines = LineReader::new(bytes.as_slice());
            while let Ok(Some(line)) = lines.next_line() {
                reader.line(&line, &mut sink).unwrap();
            }
            reader.finish(&mut sink).unwrap();
            let given = given.0;
            prop_assert_eq!(sink.0, given - dropped, "{}: usage events read back, of {} given less {} dropped, from {:?}", target, given, dropped, String::from_utf8_lossy(&bytes));
        }
    }
}
