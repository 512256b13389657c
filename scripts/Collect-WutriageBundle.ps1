<#
.SYNOPSIS
    Collects the logs wutriage reads from a Windows machine whose updates fail, into one zip
    with a manifest.

.DESCRIPTION
    Copies (never moves or changes) the servicing, Windows Update, setup and ConfigMgr logs,
    exports the System, Setup, Application and WindowsUpdateClient/Operational event logs
    with wevtutil, decodes the Windows Update ETW traces with Get-WindowsUpdateLog where that
    works, and zips it all with manifest.json: each file's source, size, time and SHA-256,
    the machine's name, Windows build and time zone, and every source that was missing or
    could not be read, with the reason.

    Read-only on the machine: it writes only into a staging folder under -OutputPath (the
    user's temp folder by default), which it removes after zipping. It collects no
    registry hives, memory dumps, user files or credentials. Run it from an elevated
    PowerShell (the CBS and Panther logs are readable by administrators only).

.PARAMETER OutputPath
    Folder for the zip. Default: $env:TEMP.

.PARAMETER SkipWindowsUpdateLog
    Do not run Get-WindowsUpdateLog (it can take minutes on some builds).

.EXAMPLE
    powershell -ExecutionPolicy Bypass -File .\Collect-WutriageBundle.ps1
    # then: wutriage analyze wutriage-<machine>-<time>.zip

.NOTES
    Works in Windows PowerShell 5.1 and PowerShell 7. Each entry of $Sources below is one
    kind of log wutriage reads; tests/collect_script.rs checks that every file it names is
    recognised by wutriage as that kind.
#>
[CmdletBinding()]
param(
    [string]$OutputPath = $env:TEMP,
    [switch]$SkipWindowsUpdateLog
)

Set-StrictMode -Version 2
$ErrorActionPreference = 'Stop'

# Kind: what wutriage reads the files as. Dir: where they are (environment variables are
# expanded). Files: names or wildcards. Into: the folder inside the bundle.
$Sources = @(
    @{ Kind = 'cbs';                  Dir = '%windir%\Logs\CBS';                 Files = 'CBS.log', 'CbsPersist_*.log'; Into = 'Logs\CBS' }
    @{ Kind = 'cbs';                  Dir = '%windir%\Logs\CBS';                 Files = 'CbsPersist_*.cab';            Into = 'Logs\CBS' }
    @{ Kind = 'dism';                 Dir = '%windir%\Logs\DISM';                Files = 'dism.log';                    Into = 'Logs\DISM' }
    @{ Kind = 'etl';                  Dir = '%windir%\Logs\WindowsUpdate';       Files = 'WindowsUpdate.*.etl';         Into = 'Logs\WindowsUpdate' }
    @{ Kind = 'windowsupdate-legacy'; Dir = '%windir%';                          Files = 'WindowsUpdate.log';           Into = 'Logs\Legacy' }
    @{ Kind = 'reporting-events';     Dir = '%windir%\SoftwareDistribution';     Files = 'ReportingEvents.log';         Into = 'Logs\SoftwareDistribution' }
    @{ Kind = 'setup';                Dir = '%windir%\Panther';                  Files = 'setupact.log', 'setuperr.log'; Into = 'Panther' }
    @{ Kind = 'compat-report';        Dir = '%windir%\Panther';                  Files = 'CompatData_*.xml';            Into = 'Panther' }
    @{ Kind = 'setup';                Dir = '%SystemDrive%\$WINDOWS.~BT\Sources\Panther';  Files = 'setupact.log', 'setuperr.log'; Into = 'BT\Panther' }
    @{ Kind = 'compat-report';        Dir = '%SystemDrive%\$WINDOWS.~BT\Sources\Panther';  Files = 'CompatData_*.xml', 'ScanResult.xml'; Into = 'BT\Panther' }
    @{ Kind = 'setup-errors-xml';     Dir = '%SystemDrive%\$WINDOWS.~BT\Sources\Panther';  Files = 'diagerr.xml', 'diagwrn.xml'; Into = 'BT\Panther' }
    @{ Kind = 'setup';                Dir = '%SystemDrive%\$WINDOWS.~BT\Sources\Rollback'; Files = 'setupact.log', 'setuperr.log'; Into = 'BT\Rollback' }
    @{ Kind = 'setupapi';             Dir = '%windir%\INF';                      Files = 'setupapi.dev.log', 'setupapi.setup.log', 'setupapi.upgrade.log', 'setupapi.app.log', 'setupapi.offline.log'; Into = 'INF' }
    @{ Kind = 'cmtrace';              Dir = '%windir%\CCM\Logs';                 Files = 'WUAHandler.log', 'UpdatesDeployment.log', 'UpdatesHandler.log', 'UpdatesStore.log', 'ScanAgent.log', 'smsts.log'; Into = 'CCM\Logs' }
    @{ Kind = 'cmtrace';              Dir = '%windir%\ccmsetup\Logs';            Files = 'ccmsetup.log';                Into = 'CCM\ccmsetup' }
)

# Event logs exported with wevtutil epl, named after their channel ('/' becomes '%4', as
# Windows names the channel's own file).
$Channels = @('System', 'Setup', 'Application', 'Microsoft-Windows-WindowsUpdateClient/Operational')

$machine = $env:COMPUTERNAME
$stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMdd-HHmmss')
$name = "wutriage-$machine-$stamp"
$stage = Join-Path $OutputPath $name
$zip = Join-Path $OutputPath "$name.zip"
New-Item -ItemType Directory -Path $stage | Out-Null

$collected = New-Object System.Collections.ArrayList
$missing = New-Object System.Collections.ArrayList

function Add-Collected([string]$Source, [string]$Target, [string]$Kind) {
    $item = Get-Item -LiteralPath $Target
    $hash = (Get-FileHash -LiteralPath $Target -Algorithm SHA256).Hash
    [void]$collected.Add([ordered]@{
        path          = $Target.Substring($stage.Length + 1).Replace('\', '/')
        source        = $Source
        kind          = $Kind
        size          = $item.Length
        last_write_utc = $item.LastWriteTimeUtc.ToString('o')
        sha256        = $hash
    })
}

function Add-Missing([string]$Source, [string]$Why) {
    [void]$missing.Add([ordered]@{ source = $Source; reason = $Why })
    Write-Verbose "not collected: $Source ($Why)"
}

# A copy that also works for a log another process holds open for writing.
function Copy-Shared([string]$From, [string]$To) {
    try {
        Copy-Item -LiteralPath $From -Destination $To
    } catch [System.IO.IOException] {
        $in = [System.IO.File]::Open($From, 'Open', 'Read', 'ReadWrite, Delete')
        try {
            $out = [System.IO.File]::Create($To)
            try { $in.CopyTo($out) } finally { $out.Dispose() }
        } finally { $in.Dispose() }
    }
}

foreach ($s in $Sources) {
    $dir = [Environment]::ExpandEnvironmentVariables($s.Dir)
    if (-not (Test-Path -LiteralPath $dir -PathType Container)) {
        Add-Missing $dir 'folder not found'
        continue
    }
    $into = Join-Path $stage $s.Into
    foreach ($pattern in $s.Files) {
        $found = @(Get-ChildItem -LiteralPath $dir -Filter $pattern -File -Force -ErrorAction SilentlyContinue)
        if ($found.Count -eq 0) {
            Add-Missing (Join-Path $dir $pattern) 'no such file'
            continue
        }
        New-Item -ItemType Directory -Path $into -Force | Out-Null
        foreach ($f in $found) {
            $target = Join-Path $into $f.Name
            try {
                Copy-Shared $f.FullName $target
                Add-Collected $f.FullName $target $s.Kind
            } catch {
                Add-Missing $f.FullName $_.Exception.Message
            }
        }
    }
}

$events = Join-Path $stage 'EventLogs'
New-Item -ItemType Directory -Path $events -Force | Out-Null
foreach ($channel in $Channels) {
    $target = Join-Path $events (($channel -replace '/', '%4') + '.evtx')
    & wevtutil.exe epl $channel $target 2>&1 | Out-Null
    if ($LASTEXITCODE -eq 0 -and (Test-Path -LiteralPath $target)) {
        Add-Collected "wevtutil epl $channel" $target 'evtx'
    } else {
        Add-Missing "wevtutil epl $channel" "wevtutil exit code $LASTEXITCODE"
    }
}

# The ETW traces decoded into a WindowsUpdate.log (Windows 10 and later). It needs the
# traces only, writes only the file named here, and is skipped where it is missing or fails.
if (-not $SkipWindowsUpdateLog) {
    $target = Join-Path $stage 'Logs\WindowsUpdate.log'
    if (Get-Command Get-WindowsUpdateLog -ErrorAction SilentlyContinue) {
        try {
            Get-WindowsUpdateLog -LogPath $target -ErrorAction Stop *> $null
            if (Test-Path -LiteralPath $target) {
                Add-Collected 'Get-WindowsUpdateLog' $target 'windowsupdate'
            } else {
                Add-Missing 'Get-WindowsUpdateLog' 'wrote no file'
            }
        } catch {
            Add-Missing 'Get-WindowsUpdateLog' $_.Exception.Message
        }
    } else {
        Add-Missing 'Get-WindowsUpdateLog' 'not available on this Windows'
    }
}

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$tz = [TimeZoneInfo]::Local
$manifest = [ordered]@{
    tool             = 'Collect-WutriageBundle.ps1'
    machine          = $machine
    os               = $os.Caption
    os_version       = $os.Version
    os_build         = $os.BuildNumber
    time_zone        = $tz.Id
    utc_offset_now   = $tz.GetUtcOffset((Get-Date)).ToString()
    collected_at_utc = (Get-Date).ToUniversalTime().ToString('o')
    files            = $collected
    not_collected    = $missing
}
$manifest | ConvertTo-Json -Depth 4 | Set-Content -LiteralPath (Join-Path $stage 'manifest.json') -Encoding UTF8

Compress-Archive -Path (Join-Path $stage '*') -DestinationPath $zip -CompressionLevel Optimal
Remove-Item -LiteralPath $stage -Recurse -Force
Write-Output "Collected $($collected.Count) files ($($missing.Count) sources not found or unreadable, listed in manifest.json): $zip"
