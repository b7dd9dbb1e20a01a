//! Each command's help, completions and manual pages.

mod common;

use std::path::Path;
use std::process::Command;

use common::{liclog, stderr};

const COMMANDS: [&str; 9] = [
    "convert",
    "report",
    "detect",
    "anonymize",
    "keygen",
    "verify",
    "schema",
    "completions",
    "man",
];

fn help(command: &str) -> String {
    let o = liclog(&[command, "--help"], Path::new("."));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    String::from_utf8(o.stdout).unwrap()
}

/// The examples of a help text, continuation lines joined.
fn examples(help: &str) -> Vec<String> {
    let section = help
        .split("\nExamples:\n")
        .nth(1)
        .expect("an Examples section");
    let mut out: Vec<String> = Vec::new();
    for line in section.lines() {
        let line = line.trim();
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

#[test]
fn each_command_ends_with_its_own_examples_and_exit_codes() {
    for command in COMMANDS {
        let text = help(command);
        let last = text.trim_end().rsplit("\n\n").next().unwrap();
        assert!(last.starts_with("Examples:"), "{command}: {last}");
        assert!(text.contains("Exit codes:\n  0  success"), "{command}");
        for example in examples(&text) {
            let words: Vec<&str> = example.split_whitespace().collect();
            let own = words
                .windows(2)
                .any(|w| w[0] == "liclog" && w[1] == command);
            assert!(own, "{command} --help shows another command: {example}");
        }
    }
    // Only the codes a command can return.
    assert!(!help("keygen").contains("  6  "));
    assert!(!help("report").contains("  1  --strict"));
    assert!(help("convert").contains("  6  an original identifier"));
}

#[cfg(unix)]
#[test]
fn the_examples_that_make_their_own_input_run_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_liclog")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let key = dir.path().join("site.key");
    assert!(
        liclog(&["keygen", "-o", key.to_str().unwrap()], dir.path())
            .status
            .success()
    );
    let mut ran = 0;
    for command in COMMANDS {
        for example in examples(&help(command))
            .iter()
            .filter(|e| e.starts_with("printf"))
        {
            let example = example.replace("~/.liclog.key", key.to_str().unwrap());
            let o = Command::new("sh")
                .args(["-c", &example])
                .env("PATH", &path)
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{example}: {}", stderr(&o));
            assert!(!o.stdout.is_empty(), "{example}");
            ran += 1;
        }
    }
    assert!(ran >= 5, "{ran}");
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = liclog(&["completions", shell], Path::new("."));
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = String::from_utf8(o.stdout).unwrap();
        assert!(
            script.contains("anonymize") && script.contains("key-file"),
            "{shell}"
        );
    }
    let o = liclog(&["completions", "tcsh"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_pages_in_roff() {
    let o = liclog(&["man"], Path::new("."));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH liclog 1"),
        "{page}"
    );
    let o = liclog(&["man", "convert"], Path::new("."));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH liclog-convert 1"), "{page}");
    assert!(page.contains("\\-\\-anonymize") || page.contains("--anonymize"));
    let o = liclog(&["man", "nope"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the commands are convert"),
        "{}",
        stderr(&o)
    );

    let dir = tempfile::tempdir().unwrap();
    let o = liclog(&["man", "-o", "pages"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for name in [
        "liclog.1",
        "liclog-convert.1",
        "liclog-report.1",
        "liclog-man.1",
    ] {
        assert!(dir.path().join("pages").join(name).is_file(), "{name}");
    }
}
