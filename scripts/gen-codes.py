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
    for v, name in SERVICING:
        if ("hresult", v, name) not in known:
            rows.append(("hresult", v, name))
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["kind", "value", "name"])
    for kind, v, name in rows:
        out.writerow([kind, f"0x{v:08X}" if kind != "win32" else str(v), name])


if __name__ == "__main__":
    main()
