#!/usr/bin/env python3
"""Build data/codes.tsv (kind, value, name) from the SDK code list in shared/domain/codes.tsv.

Only values and names are kept: they are facts. The SDK message text is left out on purpose;
wutriage writes its own descriptions.

Usage: python3 scripts/gen-codes.py ../shared/domain/codes.tsv > data/codes.tsv
"""
import csv
import sys

# winerror.h defines the E_* basics twice; the 0x8000000x values belong to the non-Win32
# branch. On Windows the Win32 branch is the one in force (REFERENCE.md §1.3), so use it.
WINDOWS_BRANCH = {
    "E_NOTIMPL": 0x80004001,
    "E_OUTOFMEMORY": 0x8007000E,
    "E_INVALIDARG": 0x80070057,
    "E_NOINTERFACE": 0x80004002,
    "E_POINTER": 0x80004003,
    "E_HANDLE": 0x80070006,
    "E_ABORT": 0x80004004,
    "E_FAIL": 0x80004005,
    "E_ACCESSDENIED": 0x80070005,
}

# CBS_E_* / PSFX_E_* live in no public header; values and names from REFERENCE.md §2.2.
SERVICING = [
    (0x800F0805, "CBS_E_INVALID_PACKAGE"),
    (0x800F0806, "CBS_E_PENDING"),
    (0x800F080D, "CBS_E_MANIFEST_INVALID_ITEM"),
    (0x800F0816, "CBS_E_DPX_JOB_STATE_SAVED"),
    (0x800F081E, "CBS_E_NOT_APPLICABLE"),
    (0x800F081F, "CBS_E_SOURCE_MISSING"),
    (0x800F0821, "CBS_E_ABORT"),
    (0x800F0823, "CBS_E_NEW_SERVICING_STACK_REQUIRED"),
    (0x800F0825, "CBS_E_CANNOT_UNINSTALL"),
    (0x800F0826, "CBS_E_PENDING_VICTIM"),
    (0x800F0828, "CBS_E_INSUFFICIENT_DISK_SPACE"),
    (0x800F082F, "CBS_E_EXCLUSIVE_WOULD_MERGE"),
    (0x800F0830, "CBS_E_IMAGE_UNSERVICEABLE"),
    (0x800F0831, "CBS_E_STORE_CORRUPTION"),
    (0x800F0832, "CBS_E_STORE_TOO_MUCH_CORRUPTION"),
    (0x800F0900, "CBS_E_XML_PARSER_FAILURE"),
    (0x800F0904, "CBS_E_MORE_THAN_ONE_ACTIVE_EDITION"),
    (0x800F0905, "CBS_E_NO_ACTIVE_EDITION"),
    (0x800F0906, "CBS_E_DOWNLOAD_FAILURE"),
    (0x800F0907, "CBS_E_GROUPPOLICY_DISALLOWED"),
    (0x800F0911, "CBS_E_SOURCE_MODIFIED"),
    (0x800F0920, "CBS_E_HANG_DETECTED"),
    (0x800F0922, "CBS_E_INSTALLERS_FAILED"),
    (0x800F0982, "PSFX_E_MATCHING_COMPONENT_NOT_FOUND"),
    (0x800F0984, "PSFX_E_MATCHING_BINARY_MISSING"),
    (0x800F0985, "PSFX_E_APPLY_REVERSE_DELTA_FAILED"),
    (0x800F0986, "PSFX_E_APPLY_FORWARD_DELTA_FAILED"),
    (0x800F0987, "PSFX_E_NULL_DELTA_HYDRATION_FAILED"),
    (0x800F0988, "PSFX_E_INVALID_DELTA_COMBINATION"),
    (0x800F0989, "PSFX_E_REVERSE_DELTA_MISSING"),
    (0x800F0991, "PSFX_E_MISSING_PAYLOAD_FILE"),
    (0x000F0801, "CBS_S_BUSY"),
    (0x000F0802, "CBS_S_ALREADY_EXISTS"),
    (0x000F0803, "CBS_S_STACK_SHUTDOWN_REQUIRED"),
    (0x8024A10A, "USO_E_SERVICE_SHUTTING_DOWN"),
]

# BITS codes live in bitsmsg.h, which the SDK list above does not cover; values and names
# from Microsoft Learn, "BITS Return Values" (win32/bits/bits-return-values), and
# 0x80200053 from REFERENCE.md §2.
BITS = [
    (0x80190190, "BG_E_HTTP_ERROR_400"),
    (0x80190191, "BG_E_HTTP_ERROR_401"),
    (0x80190194, "BG_E_HTTP_ERROR_404"),
    (0x80190197, "BG_E_HTTP_ERROR_407"),
    (0x8019019E, "BG_E_HTTP_ERROR_414"),
    (0x801901F5, "BG_E_HTTP_ERROR_501"),
    (0x801901F7, "BG_E_HTTP_ERROR_503"),
    (0x801901F8, "BG_E_HTTP_ERROR_504"),
    (0x801901F9, "BG_E_HTTP_ERROR_505"),
    (0x80200001, "BG_E_NOT_FOUND"),
    (0x80200002, "BG_E_INVALID_STATE"),
    (0x80200003, "BG_E_EMPTY"),
    (0x80200004, "BG_E_FILE_NOT_AVAILABLE"),
    (0x80200005, "BG_E_PROTOCOL_NOT_AVAILABLE"),
    (0x8020000D, "BG_E_DESTINATION_LOCKED"),
    (0x8020000E, "BG_E_VOLUME_CHANGED"),
    (0x8020000F, "BG_E_ERROR_INFORMATION_UNAVAILABLE"),
    (0x80200010, "BG_E_NETWORK_DISCONNECTED"),
    (0x80200011, "BG_E_MISSING_FILE_SIZE"),
    (0x80200012, "BG_E_INSUFFICIENT_HTTP_SUPPORT"),
    (0x80200013, "BG_E_INSUFFICIENT_RANGE_SUPPORT"),
    (0x80200014, "BG_E_REMOTE_NOT_SUPPORTED"),
    (0x80200053, "BG_E_VALIDATION_FAILED"),
]

# Delivery Optimization codes (deliveryoptimizationerrors.h); values and names from
# Microsoft Learn, "Delivery Optimization Return Values"
# (win32/delivery_optimization/do-return-values).
DELIVERY_OPTIMIZATION = [
    (0x80D01001, "DO_E_NO_SERVICE"),
    (0x80D02002, "DO_E_DOWNLOAD_NO_PROGRESS"),
    (0x80D02003, "DO_E_JOB_NOT_FOUND"),
    (0x80D02004, "DO_E_JOB_EMPTY"),
    (0x80D0200D, "DO_E_LOCALPATH_NOT_SET"),
    (0x80D02010, "DO_E_FILE_NOT_AVAILABLE"),
    (0x80D02011, "DO_E_UNKNOWN_PROPERTY_ID"),
    (0x80D02012, "DO_E_READ_ONLY_PROPERTY"),
    (0x80D02013, "DO_E_INVALID_STATE"),
    (0x80D02014, "DO_E_ERROR_INFORMATION_UNAVAILABLE"),
    (0x80D03002, "DO_E_NO_DOWNLOAD_EXTSETTINGS"),
    (0x80D03801, "DO_E_BLOCKED_BY_COST_TRANSFER_POLICY"),
    (0x80D03803, "DO_E_BLOCKED_BY_CELLULAR_POLICY"),
    (0x80D03804, "DO_E_BLOCKED_BY_POWER_STATE"),
    (0x80D03805, "DO_E_BLOCKED_BY_NO_NETWORK"),
    (0x80D03807, "DO_E_BLOCKED_BY_VPN_POLICY"),
    (0x80D03808, "DO_E_BLOCKED_BY_CRITICAL_MEMORY_USAGE"),
    (0x80D05001, "DO_E_HTTP_BLOCKSIZE_MISMATCH"),
    (0x80D05010, "DO_E_INVALID_RANGE"),
    (0x80D05011, "DO_E_INSUFFICIENT_RANGE_SUPPORT"),
]


def main() -> None:
    rows = []
    with open(sys.argv[1], newline="", encoding="utf-8") as f:
        for rec in csv.DictReader(f, delimiter="\t"):
            kind, value, name = rec["kind"], rec["value"], rec["name"]
            if kind == "win32":
                v = int(value, 10)
            else:
                v = int(value, 16)
            if name in WINDOWS_BRANCH:
                v = WINDOWS_BRANCH[name]
            rows.append((kind, v, name))
    known = {(k, v, n) for k, v, n in rows}
    for v, name in SERVICING + BITS + DELIVERY_OPTIMIZATION:
        if ("hresult", v, name) not in known:
            rows.append(("hresult", v, name))
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["kind", "value", "name"])
    for kind, v, name in rows:
        out.writerow([kind, f"0x{v:08X}" if kind != "win32" else str(v), name])


if __name__ == "__main__":
    main()
