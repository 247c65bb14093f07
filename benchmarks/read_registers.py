"""Reading speed and peak memory of the register reader (imports.reading); prints a table.

Usage: DJANGO_DEBUG=1 .venv/bin/python benchmarks/read_registers.py [--data ../shared/data]
       [--runs 3] [--scale 1 4 16]

Reads each shared register (opening: kind, encoding, dialect, header; then every record), the US
2025 inventory saved as XLSX, and the US 2025 inventory repeated N times in a temporary file to show that memory stays flat as a CSV
grows (records are streamed and dropped, as the importer will), and a generated JSON list of
records of ``--json-mb`` megabytes (36 short values a record: the shape whose parsed objects cost
the most per byte; parsed whole with ``json.loads`` it peaked at 104 MiB for 20 MB, decoded a
record at a time at 40 MiB: the file's bytes and its text). Peak memory is Python's own
allocation during the read (tracemalloc), not the process size; time is the best of the runs,
measured without tracemalloc.
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from imports.reading import open_register  # noqa: E402

US_2025 = "us_federal_ai_inventory_2025.csv"
SHARED = (
    US_2025,
    "us_federal_ai_inventory_2023.csv",
    "nl_algoritmeregister_2023_pub_data.json",
    "uk_atrs_records_2026.json",
)


def read_all(path: Path) -> int:
    with path.open("rb") as stream:
        register = open_register(stream, path.name)
        return sum(1 for _ in register.records())


def measure(path: Path, runs: int) -> tuple[int, float, float]:
    """Rows, best seconds, peak MiB."""
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        rows = read_all(path)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    read_all(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, best, peak / (1024 * 1024)


def scaled_us_2025(source: Path, times: int, folder: Path) -> Path:
    """The US 2025 file with its records repeated ``times`` times under one header."""
    header, _, body = source.read_bytes().partition(b"\n")
    body = body if body.endswith(b"\n") else body + b"\n"
    target = folder / f"us_2025_x{times}.csv"
    with target.open("wb") as out:
        out.write(header + b"\n")
        for _ in range(times):
            out.write(body)
    return target


def us_2025_workbook(source: Path, folder: Path) -> Path:
    """The US 2025 file as an XLSX workbook (written in openpyxl's streaming mode)."""
    import csv

    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Inventory")
    with source.open(encoding="utf-8-sig", newline="") as rows:
        for row in csv.reader(rows):
            sheet.append(row)
    target = folder / "us_2025.xlsx"
    workbook.save(target)
    return target


def generated_json(folder: Path, megabytes: int) -> Path:
    """A JSON list of records of about ``megabytes``, each with 36 short text values."""
    import json

    record = json.dumps({f"field_{i}": f"v{i % 10}" for i in range(36)})
    count = megabytes * 1024 * 1024 // (len(record) + 1)
    target = folder / f"generated_{megabytes}mb.json"
    with target.open("w", encoding="utf-8") as out:
        out.write("[" + ",".join([record] * count) + "]")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SHARED_DATA", ROOT / "../shared/data"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, nargs="*", default=[4, 16])
    parser.add_argument("--json-mb", type=int, default=20)
    options = parser.parse_args()
    data = Path(options.data).resolve()
    if not (data / US_2025).is_file():
        sys.exit(f"The shared registers are not at {data}; pass --data FOLDER.")
    line = "{:<42} {:>11} {:>9} {:>8} {:>11} {:>10}"
    print(line.format("file", "size", "rows", "seconds", "rows/s", "peak MiB"))
    with tempfile.TemporaryDirectory() as folder:
        paths = [data / name for name in SHARED]
        paths.append(us_2025_workbook(data / US_2025, Path(folder)))
        paths += [scaled_us_2025(data / US_2025, times, Path(folder)) for times in options.scale]
        paths.append(generated_json(Path(folder), options.json_mb))
        for path in paths:
            rows, seconds, peak = measure(path, options.runs)
            size = f"{path.stat().st_size / (1024 * 1024):.1f} MiB"
            print(line.format(path.name, size, f"{rows:,}", f"{seconds:.2f}",
                              f"{rows / seconds:,.0f}", f"{peak:.1f}"))  # fmt: skip


if __name__ == "__main__":
    main()
