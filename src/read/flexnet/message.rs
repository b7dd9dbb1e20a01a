//! Everything in a FlexNet debug log that is not a usage line: banners,
//! date anchors, starts and stops, rereads, license-file lists, SLOG
//! statistics and the rest of the daemons' chatter.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

use crate::dating::{month_number, parse_mdy};
use crate::event::TimeSource;

#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// `FlexNet Licensing (v11.16.2.0 build 242433 x64_lsb) started on lic01 (linux) (1/3/2024)`
    Banner {
        product: &'a str,
        version: &'a str,
        host: &'a str,
        platform: &'a str,
        date: Date,
    },
    /// `Server's System Date and Time: Wed Mar 30 2016 01:56:00 Romance Daylight Time`
    SystemDate {
        date: Date,
        zone_name: Option<&'a str>,
    },
    /// `TIMESTAMP 1/4/2024`
    Timestamp { date: Date },
    /// `Server started on hqnas2 for: 500` (a vendor daemon is up)
    VendorStart { host: &'a str, features: &'a str },
    /// `EXITING DUE TO SIGNAL 15 Exit reason 3`
    Exiting {
        signal: &'a str,
        exit_reason: Option<&'a str>,
    },
    /// `SHUTDOWN request from root at node lic01`, `Shutdown requested from jdoe@ws1`
    ShutdownRequest {
        user: Option<&'a str>,
        host: Option<&'a str>,
    },
    /// `Rereading license file... Requested from upm@flexlm02`
    Reread {
        user: Option<&'a str>,
        host: Option<&'a str>,
    },
    /// `License file(s): /opt/flexlm/license.dat`
    LicenseFiles(&'a str),
    /// A summary-log (SLOG) request line, whose last group names the
    /// client: `… ms at 14:00:02(2/18/2017),#5,(root,moab.stage.example,21)`.
    SlogClient {
        user: Option<&'a str>,
        host: Option<&'a str>,
    },
    /// A client or host named by a line about connections:
    /// `REMOVING jdoe@ws1:/dev/pts/3 from MATLAB` (lmremove),
    /// `Lost connection to ws1`, `Host used in license file: lic01`.
    Client {
        topic: &'static str,
        user: Option<&'a str>,
        host: Option<&'a str>,
        /// The client's display (`Checkin failed …: user host display`).
        display: Option<&'a str>,
    },
    /// Free text, with a topic where one is recognised.
    Other { topic: Option<&'static str> },
}

impl Message<'_> {
    /// The date this line pins, if it is a date anchor.
    pub fn anchor(&self) -> Option<(Date, TimeSource)> {
        match *self {
            Message::Banner { date, .. } | Message::SystemDate { date, .. } => {
                Some((date, TimeSource::Banner))
            }
            Message::Timestamp { date } => Some((date, TimeSource::Timestamp)),
            _ => None,
        }
    }
}

static BANNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?<product>\S.*?) \((?<version>[^()]*)\) started on (?<host>\S+) \((?<platform>.*)\) \((?<date>\d{1,2}/\d{1,2}/\d{2,4})\)\s*$",
    )
    .expect("valid regex")
});

static SYSTEM_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^Server's System Date and Time: (?:[A-Za-z]{3} )?(?<mon>[A-Za-z]{3}) (?<day>\d{1,2}) (?<year>\d{4}) \d{1,2}:\d\d:\d\d(?: (?<zone>.+?))?\s*$",
    )
    .expect("valid regex")
});

static SHUTDOWN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?i:shutdown request(?:ed)?) (?:from|by) (?<who>\S+)(?: at node (?<node>\S+))?")
        .expect("valid regex")
});

pub fn classify(body: &str) -> Message<'_> {
    let first = body.as_bytes().first().copied().unwrap_or(b' ');
    match first {
        b'T' => {
            if let Some(rest) = body.strip_prefix("TIMESTAMP ")
                && let Some(date) = parse_mdy(rest.trim())
            {
                return Message::Timestamp { date };
            }
        }
        b'S' => {
            if let Some(c) = SYSTEM_DATE.captures(body)
                && let Some(m) = month_number(&c["mon"])
                && let Ok(date) = Date::new(
                    c["year"].parse().unwrap_or(0),
                    m,
                    c["day"].parse().unwrap_or(0),
                )
                && let Some(date) = crate::dating::plausible(date)
            {
                let zone_name = c.name("zone").map(|z| z.as_str());
                return Message::SystemDate { date, zone_name };
            }
            if let Some(rest) = body.strip_prefix("Server started on ")
                && let Some((host, features)) = rest.split_once(" for:")
            {
                return Message::VendorStart {
                    host,
                    features: features.trim(),
                };
            }
            if body.starts_with("SLOG: ") {
                return Message::Other {
                    topic: Some("slog"),
                };
            }
        }
        b'E' => {
            if let Some(rest) = body.strip_prefix("EXITING DUE TO SIGNAL ") {
                let mut words = rest.split_ascii_whitespace();
                let signal = words.next().unwrap_or("");
                let exit_reason = rest
                    .split_once("Exit reason ")
                    .and_then(|(_, r)| r.split_ascii_whitespace().next());
                return Message::Exiting {
                    signal,
                    exit_reason,
                };
            }
        }
        b'L' => {
            if let Some(files) = body.strip_prefix("License file(s): ") {
                return Message::LicenseFiles(files.trim());
            }
        }
        b'C' => {
            if let Some(m) = checkin_failed(body) {
                return m;
            }
        }
        b'R' if body.starts_with("RESERVING ") => return reserving(body),
        b'H' => {
            if let Some(m) = host_after(body, "Host used in license file: ", "license_files") {
                return m;
            }
        }
        b'R' if body.starts_with("REMOVING ") => {
            let who = body["REMOVING ".len()..].split_ascii_whitespace().next();
            let (user, host) = user_at_host(who.unwrap_or(""));
            // `host:display`: the display is not part of the name.
            let host = host.map(|h| h.split_once(':').map_or(h, |(h, _)| h));
            return Message::Client {
                topic: "remove",
                user,
                host,
                display: None,
            };
        }
        b'R' if body.starts_with("Rereading license file")
            || body.starts_with("Reread of license file") =>
        {
            let (user, host) = body
                .split_once("equested from ")
                .map_or((None, None), |(_, who)| user_at_host(who.trim()));
            return Message::Reread { user, host };
        }
        b'(' if body.starts_with("(@") && body.contains("-SLOG@)") => {
            return match slog_client(body) {
                Some((user, host)) => Message::SlogClient { user, host },
                None => Message::Other {
                    topic: Some("slog"),
                },
            };
        }
        _ => {}
    }
    if let Some(m) = connection(body) {
        return m;
    }
    if first.is_ascii_alphabetic()
        && let Some(c) = SHUTDOWN.captures(body)
    {
        let who = c.name("who").map_or("", |m| m.as_str());
        let (user, mut host) = user_at_host(who);
        if let Some(node) = c.name("node") {
            host = Some(node.as_str());
        }
        return Message::ShutdownRequest { user, host };
    }
    if first.is_ascii_alphabetic()
        && body.contains(" started on ")
        && let Some(c) = BANNER.captures(body)
        && let Some(date) = parse_mdy(&c["date"])
    {
        let get = |n: &str| c.name(n).map_or("", |m| m.as_str());
        return Message::Banner {
            product: get("product"),
            version: get("version"),
            host: get("host"),
            platform: get("platform"),
            date,
        };
    }
    Message::Other { topic: topic(body) }
}

/// A line about a connection to another server or a client
/// ([`read::prose::connection`](crate::read::prose::connection)).
fn connection(body: &str) -> Option<Message<'_>> {
    Some(Message::Client {
        topic: "network",
        user: None,
        host: crate::read::prose::connection(body)?,
        display: None,
    })
}

/// `Checkin failed feature "F": user host display`: the client who could
/// not check in.
fn checkin_failed(body: &str) -> Option<Message<'_>> {
    let rest = body.strip_prefix("Checkin failed")?;
    let (_, who) = rest.split_once("\": ")?;
    let mut words = who.splitn(3, ' ');
    fn named(w: Option<&str>) -> Option<&str> {
        w.map(str::trim).filter(|w| !w.is_empty())
    }
    Some(Message::Client {
        topic: "checkin",
        user: named(words.next()),
        host: named(words.next()),
        display: named(words.next()),
    })
}

/// `RESERVING 1 F/… license(s) for USER jdoe` (or `HOST`, `DISPLAY`,
/// `INTERNET`): a reservation of the options file for one client. Groups
/// (`USER_GROUP`, `HOST_GROUP`) are names the site gave, kept as written.
fn reserving(body: &str) -> Message<'_> {
    let target = body
        .rsplit_once(" for ")
        .map(|(_, t)| t.trim())
        .and_then(|t| t.split_once(' '))
        .map(|(kind, name)| (kind, name.trim()));
    let (mut user, mut host, mut display) = (None, None, None);
    match target {
        Some(("USER", name)) => user = Some(name),
        Some(("HOST" | "INTERNET", name)) => host = Some(name),
        Some(("DISPLAY", name)) => display = Some(name),
        _ => {}
    }
    Message::Client {
        topic: "reserve",
        user,
        host,
        display,
    }
}

/// A line that names a host after a fixed `prefix`.
fn host_after<'a>(body: &'a str, prefix: &str, topic: &'static str) -> Option<Message<'a>> {
    let word = body.strip_prefix(prefix)?.split_ascii_whitespace().next();
    // `Lost connection to lmgrd, heartbeat …`: the sentence's comma is no
    // part of the name, and lmgrd is a daemon, not a host.
    let host = word
        .map(|w| w.trim_end_matches([',', ';', ':', '.']))
        .filter(|h| !h.is_empty() && *h != "lmgrd");
    Some(Message::Client {
        topic,
        user: None,
        host,
        display: None,
    })
}

/// The `,(user,node,FD)` group that ends an SLOG request line: the user
/// (which may hold spaces, or be empty), the node, and where the group
/// stands in `text`, from its `(` to its `)`. The FD is a number.
pub fn slog_tuple(text: &str) -> Option<(&str, &str, std::ops::Range<usize>)> {
    let inner = text.strip_suffix(')')?;
    let open = inner.rfind(",(")? + 2;
    let mut parts = inner[open..].rsplitn(3, ',');
    let fd = parts.next()?;
    let host = parts.next()?;
    let user = parts.next()?;
    if fd.is_empty() || !fd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((user, host, open - 1..text.len()))
}

/// The user and host of an SLOG request line, each `None` when empty.
fn slog_client(body: &str) -> Option<(Option<&str>, Option<&str>)> {
    let (user, host, _) = slog_tuple(body)?;
    fn named(s: &str) -> Option<&str> {
        (!s.trim().is_empty()).then_some(s)
    }
    Some((named(user), named(host)))
}

fn user_at_host(who: &str) -> (Option<&str>, Option<&str>) {
    match who.rsplit_once('@') {
        Some((u, h)) => (
            Some(u).filter(|s| !s.is_empty()),
            Some(h).filter(|s| !s.is_empty()),
        ),
        None => (Some(who).filter(|s| !s.is_empty()), None),
    }
}

/// Recognised families of chatter, so that messages can be filtered.
fn topic(body: &str) -> Option<&'static str> {
    if body.starts_with("Started ") || body.contains(" exited with status ") {
        Some("vendor_daemon")
    } else if body.contains("TCP-port") || body.contains("tcp-port") || body.contains("tcp_port") {
        Some("network")
    } else if body.contains("ereading")
        || body.starts_with("==== Reread")
        || body.starts_with("Updating feature")
    {
        Some("reread")
    } else if body.starts_with("EXPIRED: ") {
        Some("expired")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn banners() {
        let m = classify("FlexNet (v9.50) started on hqnas2 (IBM PC) (5/9/2005)");
        assert_eq!(
            m,
            Message::Banner {
                product: "FlexNet",
                version: "v9.50",
                host: "hqnas2",
                platform: "IBM PC",
                date: date(2005, 5, 9)
            }
        );
        let m = classify(
            "FlexNet Licensing (v11.13.1.2 build 173085 x64_lsb) started on flux-license1.miserver.it.umich.edu (linux) (1/8/2017)",
        );
        assert!(matches!(
            m,
            Message::Banner {
                host: "flux-license1.miserver.it.umich.edu",
                ..
            }
        ));
    }

    #[test]
    fn anchors() {
        assert_eq!(
            classify("TIMESTAMP 1/4/2024").anchor(),
            Some((date(2024, 1, 4), TimeSource::Timestamp))
        );
        let m = classify(
            "Server's System Date and Time: Wed Mar 30 2016 01:56:00 Romance Daylight Time",
        );
        assert_eq!(
            m,
            Message::SystemDate {
                date: date(2016, 3, 30),
                zone_name: Some("Romance Daylight Time")
            }
        );
        assert_eq!(classify("TIMESTAMP soon").anchor(), None);
    }

    #[test]
    fn stops_and_rereads() {
        assert_eq!(
            classify("EXITING DUE TO SIGNAL 15 Exit reason 3"),
            Message::Exiting {
                signal: "15",
                exit_reason: Some("3")
            }
        );
        assert_eq!(
            classify("SHUTDOWN request from root at node lic01"),
            Message::ShutdownRequest {
                user: Some("root"),
                host: Some("lic01")
            }
        );
        assert_eq!(
            classify("Rereading license file... Requested from upm@flexlm02"),
            Message::Reread {
                user: Some("upm"),
                host: Some("flexlm02")
            }
        );
        assert_eq!(
            classify("(@adskflex-SLOG@) === Memory ==="),
            Message::Other {
                topic: Some("slog")
            }
        );
    }

    #[test]
    fn slog_request_lines_name_their_client() {
        let m = classify(
            "(@ansyslmd-SLOG@) 00000000 ms at 14:00:02(2/18/2017),#5,(root,moab.stage.example.edu,21)",
        );
        assert_eq!(
            m,
            Message::SlogClient {
                user: Some("root"),
                host: Some("moab.stage.example.edu")
            }
        );
        let m = classify(
            "(@maplelmg-SLOG@) 16 ms at 10:25:28(6/7/2016),#1,(0K),(Profesor X,UPMETSA-3O9RRRC,820)",
        );
        assert_eq!(
            m,
            Message::SlogClient {
                user: Some("Profesor X"),
                host: Some("UPMETSA-3O9RRRC")
            }
        );
        let m = classify("(@maplelmg-SLOG@) 0 ms at 10:25:28(6/7/2016),#1,(0K),(,,820)");
        assert_eq!(
            m,
            Message::SlogClient {
                user: None,
                host: None
            }
        );
        let m = classify(
            "(@ansyslmd-SLOG@) Request processing time, when, #concurrent clients, client info (user, node, FD)",
        );
        assert_eq!(
            m,
            Message::Other {
                topic: Some("slog")
            }
        );
    }

    #[test]
    fn connection_lines_name_their_client() {
        assert_eq!(
            classify("REMOVING jdoe@ws1:/dev/pts/3 from MATLAB"),
            Message::Client {
                topic: "remove",
                user: Some("jdoe"),
                host: Some("ws1"),
                display: None
            }
        );
        assert_eq!(
            classify("Lost connection to ws-build04.corp.example"),
            Message::Client {
                topic: "network",
                user: None,
                host: Some("ws-build04.corp.example"),
                display: None
            }
        );
        assert_eq!(
            classify("Lost connection to ws7, heartbeat timeout"),
            Message::Client {
                topic: "network",
                user: None,
                host: Some("ws7"),
                display: None
            }
        );
        assert_eq!(
            classify("Lost connection to lmgrd, heartbeat timeout"),
            Message::Client {
                topic: "network",
                user: None,
                host: None,
                display: None
            }
        );
        let client = |topic, user, host, display| Message::Client {
            topic,
            user,
            host,
            display,
        };
        assert_eq!(
            classify(r#"Checkin failed feature "87561RVT_2022_0F": UPM upm00010 MacBook-Pro-de-"#),
            client(
                "checkin",
                Some("UPM"),
                Some("upm00010"),
                Some("MacBook-Pro-de-")
            )
        );
        assert_eq!(
            classify("RESERVING 1 MATLAB/lic01 license for USER jdoe"),
            client("reserve", Some("jdoe"), None, None)
        );
        assert_eq!(
            classify("RESERVING 2 MATLAB/lic01 licenses for HOST ws-07"),
            client("reserve", None, Some("ws-07"), None)
        );
        assert_eq!(
            classify("RESERVING 10 85730ACD_2012_0F/145D 7797  licenses for USER_GROUP GROUP01"),
            client("reserve", None, None, None)
        );
        for (line, host) in [
            (r#""lic-b": Not a valid server hostname, exiting."#, "lic-b"),
            ("lic-c: Not a valid server hostname", "lic-c"),
            (
                "Trying connection to lic-b.corp.example ...",
                "lic-b.corp.example",
            ),
            ("MLM: lost connection to host ws9 (timeout)", "ws9"),
            ("Connected to \"lic-c\"", "lic-c"),
        ] {
            assert_eq!(
                classify(line),
                client("network", None, Some(host), None),
                "{line}"
            );
        }
        assert_eq!(
            classify("Unable to connect to the license server"),
            client("network", None, None, None)
        );
        assert_eq!(
            classify("Host used in license file: lic01"),
            Message::Client {
                topic: "license_files",
                user: None,
                host: Some("lic01"),
                display: None
            }
        );
    }
}
