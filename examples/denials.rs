//! Lists who was denied what, from any license-server log liclog reads.
//!
//! ```sh
//! cargo run --example denials -- golden/flexnet/spec-excerpt/input.log
//! ```

use std::collections::BTreeMap;

use liclog::{ConvertOptions, Kind};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: denials LOG");
        std::process::exit(2);
    };
    let mut denials: BTreeMap<(String, String), u64> = BTreeMap::new();
    let summary = liclog::read_events(&path, &ConvertOptions::default(), |ev| {
        if ev.kind == Kind::Denial {
            let who = ev.user.unwrap_or("?").to_string();
            let what = ev.feature.unwrap_or("?").to_string();
            *denials.entry((what, who)).or_default() += 1;
        }
    })?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    println!("feature,user,denials");
    for ((feature, user), n) in denials {
        println!("{feature},{user},{n}");
    }
    Ok(())
}
