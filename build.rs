//! `cfg(liclog_samples)` when `LICLOG_SAMPLES` names the real-sample
//! directory, so that without it the sample tests show as ignored, with
//! the reason, instead of passing without having run.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(liclog_samples)");
    println!("cargo::rerun-if-env-changed=LICLOG_SAMPLES");
    if std::env::var_os("LICLOG_SAMPLES").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=liclog_samples");
    }
}
