"""Loads liclog's CSV and JSONL into DuckDB and pandas, as a user would.

    python3 tests/data_tools/load.py OUT.csv OUT.jsonl

Both files hold every real sample, all formats together. Checks:
- DuckDB read_csv_auto and read_json_auto type `time` as TIMESTAMP (or
  TIMESTAMP WITH TIME ZONE) and `time_of_day` as TIME, and keep every
  `code` as text (JSON read whole, as docs/schema.md says);
- pandas reads the JSONL, and the CSV with the documented dtypes
  (docs/schema.md, "Loading into data tools"), with no warning at all;
- `code` stays text everywhere, `count` and `line` stay integers.
"""

import sys
import warnings

import duckdb
import pandas as pd

# docs/schema.md gives this mapping to pandas users.
TEXT = ["source", "format", "kind", "xslm", "time_of_day", "time_source", "server", "daemon",
        "feature", "version", "user", "host", "handle", "reason", "code", "extra"]
DTYPES = {**{c: "string" for c in TEXT}, "line": "Int64", "count": "Int64"}


def check_duckdb(csv, jsonl):
    # The default calls load both files with `time` typed. DuckDB infers
    # JSON types from the first 20,480 records only: a column that is null
    # in all of them (code, handle) is typed NULL and loses its later
    # values, so docs/schema.md tells users to read the whole file
    # (sample_size=-1), which is checked here too.
    wanted = duckdb.sql(f"SELECT count(code), count(handle) FROM read_csv_auto('{csv}')").fetchall()[0]
    for how, rel in [("read_csv_auto", f"read_csv_auto('{csv}')"),
                     ("read_json_auto", f"read_json_auto('{jsonl}')"),
                     ("read_json_auto, sample_size=-1", f"read_json_auto('{jsonl}', sample_size=-1)")]:
        types = dict((r[0], r[1]) for r in duckdb.sql(f"DESCRIBE SELECT * FROM {rel}").fetchall())
        assert types["time"] in ("TIMESTAMP", "TIMESTAMP WITH TIME ZONE"), (how, types["time"])
        assert types["time_of_day"] == "TIME", (how, types["time_of_day"])
        assert types["count"] in ("BIGINT", "INTEGER", "UBIGINT"), (how, types["count"])
        n, timed = duckdb.sql(f"SELECT count(*), count(time) FROM {rel}").fetchall()[0]
        print(f"duckdb {how}: {n} rows, {timed} with a date, time {types['time']}, code {types['code']}")
        if how != "read_json_auto":
            assert types["code"] == "VARCHAR", (how, types["code"])
            got = duckdb.sql(f"SELECT count(code), count(handle) FROM {rel}").fetchall()[0]
            assert got == wanted, (how, got, wanted)


def check_pandas(csv, jsonl):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = pd.read_csv(csv, dtype=DTYPES)
        df["time"] = pd.to_datetime(df["time"], format="ISO8601", utc=True)
        js = pd.read_json(jsonl, lines=True, dtype=DTYPES)
    assert len(df) == len(js), (len(df), len(js))
    assert str(df["count"].dtype) == "Int64" and str(df["code"].dtype).startswith("string")
    codes = js["code"].dropna()
    assert all(isinstance(c, str) for c in codes), "code must stay text"
    print(f"pandas: {len(df)} rows from CSV and JSONL, no warning")


if __name__ == "__main__":
    csv, jsonl = sys.argv[1], sys.argv[2]
    check_duckdb(csv, jsonl)
    check_pandas(csv, jsonl)
