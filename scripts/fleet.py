#!/usr/bin/env python3
"""Answer fleet questions from `wutriage batch` output with DuckDB.

wutriage writes one NDJSON line per bundle; this script shows that an existing engine can
take it as it is. It loads the lines into DuckDB (in memory, or into --db FILE to keep
querying later) as two tables, `bundles` and `incidents`, and answers:

  - how many bundles were analysed, and how many could not be read;
  - the share of tickets per most likely cause;
  - which KB fails most often because of failing storage (or any --cause);
  - the most frequent failure codes, with the cause behind them;
  - the bundles where storage must be dealt with before any repair.

Usage:
  wutriage batch --out fleet.ndjson /cases/incoming
  python3 scripts/fleet.py fleet.ndjson              # tables on stdout
  python3 scripts/fleet.py --json fleet.ndjson       # the same answers as JSON
  python3 scripts/fleet.py --db fleet.duckdb fleet.ndjson && duckdb fleet.duckdb

Needs the `duckdb` package from PyPI (python3 -m pip install duckdb). The `duckdb` command
(to query the --db file later) is a separate program: `python3 -m pip install duckdb-cli`
or a release from DuckDB's site. --db files are written in a storage format that the
command of DuckDB 1.0 or later opens, whatever the version of the Python package.
"""
import argparse
import json
import os
import sys

try:
    import duckdb
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit("fleet.py needs the duckdb package: python3 -m pip install duckdb")

# Declared, not inferred: a batch where no bundle failed would otherwise give untyped
# empty lists, and the queries below would not know the incident fields.
COLUMNS = {
    "schema_version": "INTEGER",
    "bundle": "VARCHAR",
    "path": "VARCHAR",
    "status": "VARCHAR",
    "verdict": "VARCHAR[]",
    "top_cause": "VARCHAR",
    "top_cause_title": "VARCHAR",
    "confidence": "VARCHAR",
    "storage_first": "BOOLEAN",
    "incidents": 'STRUCT(id INTEGER, kind VARCHAR, what VARCHAR, "update" VARCHAR, kb VARCHAR, '
    "code VARCHAR, code_name VARCHAR, wraps VARCHAR, wraps_name VARCHAR, cause VARCHAR, "
    "count INTEGER, first TIMESTAMPTZ, last TIMESTAMPTZ)[]",
    "causes": "STRUCT(rank INTEGER, cause VARCHAR, title VARCHAR, confidence VARCHAR, score DOUBLE)[]",
    "coverage": "STRUCT(files INTEGER, parsed INTEGER, skipped INTEGER, records BIGINT, "
    "recovered BIGINT, damaged BIGINT, unattributed_lines BIGINT, events BIGINT)",
    "utc_offset": "VARCHAR",
    "time_zone": "VARCHAR",
    "machine": "STRUCT(name VARCHAR, aliases VARCHAR[], product VARCHAR, build VARCHAR, "
    "build_source VARCHAR, part INTEGER[])",
    "errors": "VARCHAR[]",
}


def load(con, path):
    cols = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    con.execute(
        f"CREATE OR REPLACE TABLE bundles AS SELECT * FROM read_json(?, "
        f"format = 'newline_delimited', columns = {cols})",
        [path],
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE incidents AS
        SELECT b.bundle, i.*
        FROM bundles b, UNNEST(b.incidents) AS t(i)
        """
    )


def rows(con, sql, params=()):
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def answers(con, cause):
    return {
        "bundles": rows(
            con,
            """
            SELECT count(*) AS bundles,
                   count(*) FILTER (WHERE status = 'ok') AS analysed,
                   count(*) FILTER (WHERE status <> 'ok') AS unreadable,
                   count(*) FILTER (WHERE len(incidents) > 0) AS with_failures
            FROM bundles
            """,
        )[0],
        "share_per_cause": rows(
            con,
            """
            SELECT coalesce(top_cause, 'no failure found') AS cause,
                   count(*) AS tickets,
                   round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS percent
            FROM bundles
            WHERE status = 'ok'
            GROUP BY 1
            ORDER BY tickets DESC, cause
            """,
        ),
        "kb_by_cause": rows(
            con,
            """
            SELECT kb, count(*) AS incidents, count(DISTINCT bundle) AS bundles,
                   sum(count) AS failed_attempts
            FROM incidents
            WHERE cause = ? AND kb IS NOT NULL
            GROUP BY kb
            ORDER BY bundles DESC, failed_attempts DESC, kb
            """,
            [cause],
        ),
        "top_codes": rows(
            con,
            """
            SELECT code, any_value(code_name) AS name, count(*) AS incidents,
                   mode(cause) AS usual_cause
            FROM incidents
            WHERE code IS NOT NULL
            GROUP BY code
            ORDER BY incidents DESC, code
            LIMIT 10
            """,
        ),
        "back_up_first": [
            r["bundle"]
            for r in rows(
                con, "SELECT bundle FROM bundles WHERE storage_first ORDER BY bundle"
            )
        ],
        "unreadable": rows(
            con,
            """
            SELECT bundle, errors[1] AS reason FROM bundles
            WHERE status <> 'ok' ORDER BY bundle
            """,
        ),
    }


def table(title, items):
    print(f"\n{title}")
    if not items:
        print("  (none)")
        return
    names = list(items[0].keys())
    cells = [[("" if r[n] is None else str(r[n])) for n in names] for r in items]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    print(("  " + "  ".join(n.ljust(w) for n, w in zip(names, widths))).rstrip())
    for c in cells:
        print(("  " + "  ".join(v.ljust(w) for v, w in zip(c, widths))).rstrip())


def connect(db):
    """An in-memory database, or DB written in a storage format that the DuckDB CLI of an
    older release can open too (the `duckdb` package on PyPI is often a major version ahead
    of the `duckdb` command a user has)."""
    if not db:
        return duckdb.connect(":memory:")
    con = duckdb.connect(":memory:")
    try:
        con.execute("ATTACH ? AS fleet (STORAGE_VERSION 'v1.0.0')", [db])
    except duckdb.Error:
        # A DuckDB before 1.2 has no STORAGE_VERSION and writes its own format anyway.
        con.close()
        return duckdb.connect(db)
    con.execute("USE fleet")
    return con


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ndjson", help="output of `wutriage batch`")
    ap.add_argument("--cause", default="storage", help="cause for the KB question (default: storage)")
    ap.add_argument("--json", action="store_true", help="print the answers as JSON")
    ap.add_argument("--db", help="keep the tables in this DuckDB file")
    args = ap.parse_args()

    con = connect(args.db)
    load(con, args.ndjson)
    a = answers(con, args.cause)
    if args.json:
        json.dump(a, sys.stdout, indent=2, default=str)
        print()
        return
    b = a["bundles"]
    print(
        f"{b['bundles']} bundles: {b['analysed']} analysed, {b['unreadable']} unreadable, "
        f"{b['with_failures']} with update failures"
    )
    table("Share of tickets per most likely cause", a["share_per_cause"])
    table(f"KBs that fail most often because of {args.cause}", a["kb_by_cause"])
    table("Most frequent failure codes", a["top_codes"])
    print("\nBack up first (corroborated failing storage): " + (", ".join(a["back_up_first"]) or "none"))
    table("Bundles that could not be read", a["unreadable"])


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`| head`) has all it wanted: not an error. Point stdout at devnull so
        # that the interpreter's own flush at exit does not complain a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
