//! The words the log formats write as structure: record keywords, header
//! words, the fixed words of the messages the readers recognise, and the
//! names of days and months. A user or host named like one (`started`,
//! `lmgrd`, `Report`, `version`, `Startup`) is replaced in its fields, but
//! not looked for in free text, where replacing it would break the line
//! (a banner that no longer says `started on`, an RLM header without
//! `version`). Its occurrences in text cannot be told from the keyword.

/// Compared without regard to ASCII letter case.
const WORDS: &[&str] = &[
    // FlexNet / FLEXlm debug logs
    "lmgrd",
    "OUT",
    "IN",
    "DENIED",
    "UNSUPPORTED",
    "QUEUED",
    "DEQUEUED",
    "TIMESTAMP",
    "started",
    "Server",
    "Licensing",
    "FlexNet",
    "FLEXlm",
    "License",
    "licenses",
    "file",
    "SLOG",
    "EXITING",
    "DUE",
    "SIGNAL",
    "Exit",
    "reason",
    "SHUTDOWN",
    "request",
    "requested",
    "from",
    "node",
    "Rereading",
    "REMOVING",
    "Lost",
    "connection",
    "Host",
    "used",
    "System",
    "Date",
    "Time",
    // RLM reportlogs and debug logs
    "RLM",
    "Report",
    "Log",
    "Format",
    "version",
    "authenticated",
    "ISV",
    "START",
    "END",
    "SWITCH",
    "TIMEZONE",
    "AUTH",
    "BADAUTH",
    "REPROCESSED",
    "rlmanon",
    "liclog",
    "PRODUCT",
    "DENY",
    "QUE",
    "DEQUE",
    "INUSE",
    "METER_DEC",
    "ROAM_EXTEND",
    "DYNRES",
    "TEMP",
    "TIMEJUMP",
    "REREAD",
    "log",
    "Logfile",
    "Copyright",
    "Reprise",
    "Software",
    "errors",
    "sessions",
    "authentication",
    "sections",
    // Sentinel RMS usage logs
    "Startup",
    "Shutdown",
    "Sentinel",
    "RMS",
    "Manager",
    "Development",
    "Kit",
    // words of messages and headers (`client info (user, node, FD)`)
    "users",
    "hosts",
    "nodes",
    "servers",
    "feature",
    "features",
    "client",
    "clients",
    "daemon",
    "vendor",
    "port",
    "status",
    "product",
    "error",
    "warning",
    "info",
    // the lines liclog adds to an anonymized log (the Sentinel header)
    "user",
    "host",
    "comment",
    "client-ID",
    "fields",
    "replaced",
    "keyed",
    "pseudonyms",
    "record",
    "checksums",
    "longer",
    "match",
    // ctime dates
    "Mon",
    "Tue",
    "Wed",
    "Thu",
    "Fri",
    "Sat",
    "Sun",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
];

/// Whether `word` is one of the formats' own words.
pub fn is_structure_word(word: &str) -> bool {
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Whether `word` names a day or a month as ctime dates write them.
pub fn is_calendar_word(word: &str) -> bool {
    let calendar = &WORDS[WORDS.iter().position(|w| *w == "Mon").expect("days")..];
    calendar.iter().any(|w| w.eq_ignore_ascii_case(word))
}

/// Every structure word, for tests and documentation.
pub fn words() -> &'static [&'static str] {
    WORDS
}
