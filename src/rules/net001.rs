use super::{Check, Hit, Rule, Severity, code_of, rule};
use crate::category::Category;
use crate::event::Event;

pub(super) static RULE: Rule = rule! {
    /// Downloads failed on the network path: DNS, proxy, TLS, timeouts or the service.
    ///
    /// ## What it finds
    /// WinINet/WinHTTP errors (0x80072EE2 timeout, 0x80072EE7 name not resolved, 0x80072EFD
    /// cannot connect, 0x80072EFE connection aborted, 0x80072F8F TLS decoding), Windows Update
    /// protocol errors (0x8024402C, 0x8024401B proxy authentication, HTTP 403/404/503),
    /// no connection (0x8024001F), BITS transfer and validation errors, certificate chain and
    /// clock problems, and repair content that could not be downloaded (0x800F0906,
    /// 0x800F0907).
    ///
    /// ## Why it matters
    /// These fail before anything is installed. Check the proxy, DNS, TLS inspection, the
    /// clock and any WSUS setting; the update itself is probably fine.
    id: "NET001",
    name: "download-failed",
    category: Category::Network,
    severity: Severity::Medium,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    code_of(e, Category::Network).map(|_| Hit::at(Severity::Medium))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Level, Source};
    use crate::rules::testing::text;

    #[test]
    fn network_codes() {
        assert!(
            check(&text(
                Source::WindowsUpdate,
                Level::Info,
                "Agent",
                "*FAILED* [80072EE2] Download"
            ))
            .is_some()
        );
        assert!(
            check(&text(Source::WindowsUpdate, Level::Info, "Agent", "*FAILED* [80248007] x"))
                .is_none()
        );
    }
}
