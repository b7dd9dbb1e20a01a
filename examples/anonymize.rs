//! Anonymizes one log with a key file, and writes it only if no
//! identifier survives.
//!
//! ```sh
//! cargo run -- keygen -o /tmp/site.key
//! cargo run --example anonymize -- /tmp/site.key golden/flexnet/spec-excerpt/input.log /tmp/clean.log
//! ```

use liclog::anon::{Key, anonymize_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [key_file, input, output] = args.as_slice() else {
        eprintln!("usage: anonymize KEYFILE INPUT OUTPUT");
        std::process::exit(2);
    };
    let (key, warning) = Key::load(key_file.as_ref())?;
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    anonymize_file(input.as_ref(), output.as_ref(), &key)?;
    eprintln!("wrote {output}");
    Ok(())
}
