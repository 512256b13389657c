use super::{Check, Hit, Rule, Severity, rule};
use crate::category::Category;
use crate::event::{Event, Level, Source};
use crate::knowledge::{self, Class};

pub(super) static RULE: Rule = rule! {
    /// The compatibility scan found a device or driver that does not fit the new version.
    ///
    /// ## What it finds
    /// `Device` hard blocks in a compatibility report and Setup's
    /// `MOSETUP_E_COMPAT_DEVICEREQ_BLOCK` (0xC1900206), as SetupDiag's
    /// `HardblockDeviceOrDriver` does; weaker: driver packages Setup will leave behind
    /// (`BlockMigration="True"`), stronger when their binaries are unsigned.
    ///
    /// ## Why it matters
    /// A driver loaded on the old Windows that the new one cannot take along must be updated
    /// or removed first, or Setup refuses, or the new Windows boots without the device.
    id: "DRV001",
    name: "device-blocked",
    category: Category::Driver,
    severity: Severity::High,
    check: Check::Event(check),
};

fn check(e: &Event<'_>) -> Option<Hit> {
    if e.source == Source::Compat {
        return match (e.field("item"), e.level) {
            (Some("Device"), Level::Error) => Some(Hit::at(Severity::High)),
            (Some("DriverPackage"), _) if e.field("block-migration").is_some() => {
                let unsigned = e.message.contains("unsigned");
                Some(Hit::at(if unsigned { Severity::Medium } else { Severity::Low }))
            }
            _ => None,
        };
    }
    let setup = matches!(e.source, Source::Setup | Source::SetupDiag);
    (setup && e.codes.iter().any(|c| knowledge::class(*c) == Class::Cause(Category::Driver)))
        .then_some(Hit::at(Severity::High))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::setup::compat;
    use crate::parse::{Ctx, Keep};

    #[test]
    fn device_blocks_and_packages_left_behind() {
        let xml = "<CompatReport><Devices><Device DeviceInstanceId=\"PCI\\VEN_1\"><CompatibilityInfo BlockingType=\"Hard\"/></Device></Devices><DriverPackages><DriverPackage Inf=\"oem1.inf\" BlockMigration=\"True\" HasSignedBinaries=\"False\"/><DriverPackage Inf=\"oem2.inf\" BlockMigration=\"False\" HasSignedBinaries=\"True\"/></DriverPackages></CompatReport>";
        let p = compat::parse(xml, "CompatData_2024_01_02_03_04_05_0.xml", &Ctx::new(Keep::All));
        let hits: Vec<Severity> = p.events.iter().filter_map(check).map(|h| h.severity).collect();
        assert_eq!(hits, [Severity::High, Severity::Medium]);
    }
}
