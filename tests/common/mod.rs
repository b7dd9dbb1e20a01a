//! Helpers shared by the integration tests (each test crate uses some).
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// An output the test can read back after the writer thread is done.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs the liclog binary in `dir`.
pub fn liclog(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_liclog"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).unwrap();
    }
    dir
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// Asserts a run's exit code and that its stderr says `message`.
pub fn assert_exit(o: &Output, code: i32, message: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{err}");
    assert!(err.contains(message), "expected {message:?} in: {err}");
}

/// `n` FlexNet checkout lines without any date anchor (`10:MM:SS`).
pub fn anchorless_usage(n: usize) -> String {
    let mut log = String::new();
    for i in 0..n {
        log.push_str(&format!(
            "10:{:02}:{:02} (MLM) OUT: \"F\" u{i}@h\n",
            i / 60 % 60,
            i % 60
        ));
    }
    log
}

/// The liclog binary in `dir` with every stream piped, ready to spawn.
pub fn piped(args: &[&str], dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_liclog"));
    c.args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// `liclog anonymize --key-file k.key ARGS` in `dir` (which holds `k.key`).
pub fn anonymize(args: &[&str], dir: &Path) -> Output {
    let mut all = vec!["anonymize", "--key-file", "k.key"];
    all.extend_from_slice(args);
    liclog(&all, dir)
}

/// Every vendor-format golden input (each file of an `inputs/` directory
/// too), with its case's `args` lines and its format; then, when
/// `LICLOG_SAMPLES` is set, every readable real sample.
pub fn vendor_logs() -> Vec<(std::path::PathBuf, Vec<String>, &'static str)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    let mut out = Vec::new();
    for format in ["flexnet", "rlm-report", "rlm-debug", "sentinel", "lmx"] {
        for case in std::fs::read_dir(root.join(format)).unwrap() {
            let case = case.unwrap().path();
            let args: Vec<String> = std::fs::read_to_string(case.join("args"))
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .collect();
            for file in std::fs::read_dir(&case).unwrap() {
                let file = file.unwrap().path();
                let name = file.file_name().unwrap().to_string_lossy().into_owned();
                if name == "inputs" {
                    for member in std::fs::read_dir(&file).unwrap() {
                        out.push((member.unwrap().path(), args.clone(), format));
                    }
                } else if name.starts_with("input") {
                    out.push((file, args.clone(), format));
                }
            }
        }
    }
    if let Some(samples) = std::env::var_os("LICLOG_SAMPLES") {
        for (sub, format) in [
            ("flexlm", "flexnet"),
            ("rlm", "rlm-report"),
            ("rlm-debug", "rlm-debug"),
            ("lmx", "lmx"),
        ] {
            for file in std::fs::read_dir(Path::new(&samples).join(sub)).unwrap() {
                out.push((file.unwrap().path(), Vec::new(), format));
            }
        }
    }
    out.sort();
    out
}

/// The golden cases' key (`golden/anonymize/test.key`), copied to a private
/// file in `dir` (a key file others can read is refused).
pub fn private_test_key(dir: &Path) -> std::path::PathBuf {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/anonymize/test.key");
    let key = dir.join("k.key");
    std::fs::write(&key, std::fs::read(golden).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    key
}

/// Runs `c` with `data` on its stdin, written beside the read of its
/// output (a large input would otherwise fill both pipes); also returns
/// how writing stdin went.
pub fn fed(mut c: Command, data: &[u8]) -> (Output, std::io::Result<()>) {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = data.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    (out, writer.join().unwrap())
}
