//! Property: a name of any class, written in free text in another letter
//! case, Unicode normalisation or script context, is either replaced by
//! the rewrite or caught by the independent detector (exit 6); it never
//! reaches an output that `anonymize` commits.

mod common;

use common::{anonymize, dir_with};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

#[derive(Clone, Debug)]
enum Case {
    AsIs,
    Lower,
    Upper,
}

fn name() -> impl Strategy<Value = String> {
    // At least one letter outside a-f, so that no pseudonym's hex digits
    // can hold it by chance; accents, as real names have.
    (
        "[g-zG-Z][a-zA-Zéñüç]{2,8}",
        proptest::option::of("[A-Z][a-zéñ]{2,7}"),
    )
        .prop_map(|(a, b)| match b {
            Some(b) => format!("{a} {b}"),
            None => a,
        })
}

fn host() -> impl Strategy<Value = String> {
    ("[g-z][a-z]{2,6}-[0-9]{1,3}", any::<bool>()).prop_map(|(h, fqdn)| {
        if fqdn { format!("{h}.corp.example") } else { h }
    })
}

fn variant(name: &str, case: &Case, nfd: bool) -> String {
    let cased = match case {
        Case::AsIs => name.to_string(),
        Case::Lower => name.to_lowercase(),
        Case::Upper => name.to_uppercase(),
    };
    if nfd { cased.nfd().collect() } else { cased }
}

/// Lowercase and NFC, how the check compares.
fn fold(text: &str) -> String {
    text.nfc().flat_map(char::to_lowercase).collect()
}

/// Whether `name` stands in `text` as a whole token (a change of script
/// is a boundary, as in the rewrite).
fn survives(text: &str, name: &str) -> bool {
    text.match_indices(name)
        .any(|(i, _)| liclog::anon::names::is_token(text, i, i + name.len()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn names_in_free_text_never_survive(
        user in name(),
        host in host(),
        case in prop_oneof![Just(Case::AsIs), Just(Case::Lower), Just(Case::Upper)],
        nfd in any::<bool>(),
        japanese in any::<bool>(),
        which in 0..3usize,
    ) {
        let shown = match which {
            0 => variant(&user, &case, nfd),
            1 => variant(user.split(' ').next_back().unwrap_or(&user), &case, nfd),
            _ => variant(&host, &case, nfd),
        };
        let text = if japanese {
            format!("ユーザー{shown}がログイン")
        } else {
            format!("note: {shown} was here")
        };
        let log = format!(
            "10:00:00 (lmgrd) FlexNet Licensing (v11.16.2.0 build 1 x64_lsb) started on lic01 (linux) (1/3/2024)\n\
             10:00:01 (MLM) OUT: \"f\" {user}@{host}\n\
             10:00:02 (lmgrd) {text}\n"
        );
        let d = dir_with(&[("a.log", log.as_bytes()), ("k.key", &[b'a'; 64])]);
        let o = anonymize(&["-o", "out.log", "a.log"], d.path());
        match o.status.code() {
            Some(6) => prop_assert!(!d.path().join("out.log").exists()),
            Some(0) => {
                let out = fold(&std::fs::read_to_string(d.path().join("out.log")).unwrap());
                for part in user.split(' ').chain([host.as_str()]).filter(|p| p.chars().count() >= 3) {
                    let part = fold(part);
                    prop_assert!(!survives(&out, &part), "{part} survives in {out}");
                }
            }
            other => prop_assert!(false, "exit {other:?}: {}", String::from_utf8_lossy(&o.stderr)),
        }
    }
}
