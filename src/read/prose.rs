//! Names that free-text messages give bare, in any vendor's log: the host
//! a connection is made to, lost or refused. A name in an identifier shape
//! (`user@host`, a domain name, an address) is found wherever it stands;
//! these are the bare ones, which only the sentence around them reveals.

use std::sync::LazyLock;

use regex::Regex;

/// For a line about a connection, in any letter case and wherever it stands
/// in the line (`Lost connection to ws1`, `Trying connection to lic-b`,
/// `Connected to "lic-c"`, `"lic-b": Not a valid server hostname`), the
/// host it names, if it names one (`Lost connection to lmgrd` names a
/// daemon). `None` for any other line.
pub fn connection(body: &str) -> Option<Option<&str>> {
    static CONNECTION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?i)(?:lost connection to|trying connection to|connected to|unable to connect to|cannot connect to|connection (?:lost|closed) (?:to|from)) (?:(?:host|server|node|license server|the license server) )?["'(]?(?<host>[^\s"'(),;]+)|^["']?(?<bad>[^\s"':]+)["']?: (?i:not a valid server hostname)"#,
        )
        .expect("valid regex")
    });
    // A cheap test first: most lines hold neither word.
    let lower_has = |w: &[u8]| {
        body.as_bytes()
            .windows(w.len())
            .any(|x| x.eq_ignore_ascii_case(w))
    };
    if !lower_has(b"connect") && !lower_has(b"valid server") {
        return None;
    }
    let c = CONNECTION.captures(body)?;
    let host = c
        .name("host")
        .or_else(|| c.name("bad"))?
        .as_str()
        .trim_end_matches(['.', ':']);
    // `Lost connection to lmgrd`, `Unable to connect to the server`: a
    // daemon or a word, not a host.
    const WORDS: [&str; 15] = [
        "lmgrd", "rlm", "the", "a", "an", "port", "server", "host", "node", "license", "vendor",
        "daemon", "client", "it", "remote",
    ];
    let named = !host.is_empty() && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(host));
    Some(named.then_some(host))
}

#[cfg(test)]
mod tests {
    use super::connection;

    #[test]
    fn connection_lines_name_their_host_and_other_lines_none() {
        for (line, host) in [
            (
                r#""lic-b": Not a valid server hostname, exiting."#,
                Some("lic-b"),
            ),
            (
                "Trying connection to lic-b.corp.example ...",
                Some("lic-b.corp.example"),
            ),
            ("MLM: lost connection to host ws9 (timeout)", Some("ws9")),
            ("Connected to \"lic-c\"", Some("lic-c")),
            ("Lost connection to lmgrd, heartbeat timeout", None),
            ("Unable to connect to the license server", None),
            ("Connection closed from ws-12.", Some("ws-12")),
        ] {
            assert_eq!(connection(line), Some(host), "{line}");
        }
        assert_eq!(connection("OUT: \"f\" jdoe@ws1"), None);
        assert_eq!(connection("Server connected clients: 4"), None);
    }
}
