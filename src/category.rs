//! The causes wutriage ranks (DESIGN.md "Causes to rank").

use serde::Serialize;

/// A root-cause category. The declaration order is the tie-break order: when two causes
/// score the same, the one listed first ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// The disk or its controller is failing.
    Storage,
    /// The component store or system files are corrupt.
    Corruption,
    /// The update itself does not fit: conflicts, prerequisites, installer failures.
    PackageConflict,
    /// The Windows Update cache (`SoftwareDistribution`, catroot2) or its services are damaged.
    UpdateCache,
    /// Antivirus or another filter driver holds or blocks files.
    SecuritySoftware,
    /// A restart or a pending servicing operation blocks new work.
    PendingReboot,
    /// Not enough free space.
    LowDiskSpace,
    /// Downloads fail: network, proxy, TLS or the update service.
    Network,
    /// A driver or device breaks a feature update (rollback at boot, device problems).
    Driver,
    /// An application blocks a feature update or breaks it.
    IncompatibleApp,
    /// The machine does not meet the new version's hardware requirements.
    Hardware,
    /// Setup could not migrate settings, applications or user profiles.
    Migration,
    /// The installation media or the downloaded image is damaged or unusable.
    SetupMedia,
}

impl Category {
    /// Every category, in tie-break order.
    pub const ALL: [Category; 13] = [
        Category::Storage,
        Category::Corruption,
        Category::PackageConflict,
        Category::UpdateCache,
        Category::SecuritySoftware,
        Category::PendingReboot,
        Category::LowDiskSpace,
        Category::Network,
        Category::Driver,
        Category::IncompatibleApp,
        Category::Hardware,
        Category::Migration,
        Category::SetupMedia,
    ];

    /// Short name for tables.
    pub fn title(self) -> &'static str {
        match self {
            Category::Storage => "Failing storage",
            Category::Corruption => "Component store or system file corruption",
            Category::PackageConflict => "Package conflict or failed prerequisite",
            Category::UpdateCache => "Damaged update cache or update services",
            Category::SecuritySoftware => "Security software interference",
            Category::PendingReboot => "Pending restart or stuck servicing operation",
            Category::LowDiskSpace => "Low disk space",
            Category::Network => "Download or network failure",
            Category::Driver => "A driver or device breaks the upgrade",
            Category::IncompatibleApp => "An incompatible application",
            Category::Hardware => "Hardware requirements not met",
            Category::Migration => "Migration of settings, apps or profiles failed",
            Category::SetupMedia => "Damaged installation media or download",
        }
    }

    /// Kebab-case id, as in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Category::Storage => "storage",
            Category::Corruption => "corruption",
            Category::PackageConflict => "package-conflict",
            Category::UpdateCache => "update-cache",
            Category::SecuritySoftware => "security-software",
            Category::PendingReboot => "pending-reboot",
            Category::LowDiskSpace => "low-disk-space",
            Category::Network => "network",
            Category::Driver => "driver",
            Category::IncompatibleApp => "incompatible-app",
            Category::Hardware => "hardware-requirements",
            Category::Migration => "migration",
            Category::SetupMedia => "setup-media",
        }
    }
}
