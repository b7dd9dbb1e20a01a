//! `liclog schema`

use std::io::Write;

use crate::exit;

pub fn run() -> u8 {
    let text =
        serde_json::to_string_pretty(&liclog::schema::json_schema()).expect("schema serialises");
    match writeln!(std::io::stdout(), "{text}") {
        Ok(()) => exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            diag!("liclog: error: writing output: {e}");
            exit::OUTPUT
        }
    }
}
