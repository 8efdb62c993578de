#!/usr/bin/env python3
"""Generate N distinct, valid SS-MIX2 ADT-00 documents of about 2 KB for the benchmarks.

Source: formats/tests/data/valid/9999013_-_ADT-00_999999999999999_20111220224447339_-_1
(sample A, ADT^A08, ISO-2022-JP, CR segment endings). For document i we change:

* PID-3 (patient ID) to 80000000 + i (8 digits), so every document is a new patient and the
  server stores it as a new `_1` file, never as an update of another one;
* MSH-10 (message control ID) to 2011122000000000 + i plus a run tag;
* the SS-MIX2 file name to `<PID>_-_ADT-00_999999999999999_<timestamp>_-_1` (ADT has no
  ORC, so the order number stays 999999999999999; care date stays `-`);
* the size: ASCII OBX segments (numeric observations) are added after OBX|3 until the file is
  close to --size bytes (default 2048).

Standard library only; deterministic for a given (--count, --size, --tag).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(
    HERE, "..", "formats", "tests", "data", "valid",
    "9999013_-_ADT-00_999999999999999_20111220224447339_-_1",
)
TIMESTAMP = "20111220224447339"


def build(template: bytes, i: int, size: int, tag: int) -> tuple[str, bytes]:
    pid = str(80000000 + i)
    segments = template.rstrip(b"\r").split(b"\r")
    out = []
    for seg in segments:
        fields = seg.split(b"|")
        if fields[0] == b"MSH":
            fields[9] = str(20111220_00000000 + tag * 100000 + i).encode()  # MSH-10
        elif fields[0] == b"PID":
            assert fields[3] == b"9999013", fields[3]
            fields[3] = pid.encode()  # PID-3
        out.append(b"|".join(fields))
    # Pad with numeric OBX segments after the last OBX.
    last_obx = max(k for k, s in enumerate(out) if s.startswith(b"OBX|"))
    n = 4
    extra = []
    while True:
        body = b"\r".join(out[: last_obx + 1] + extra + out[last_obx + 1:]) + b"\r"
        seg = ("OBX|%d|NM|9N0%02d000000000001^OBS%02d^JC10||%d.%d|mg/dL^mg/dL^ISO+|||||F"
               % (n, n, n, 100 + (i * 7 + n) % 800, (i + n) % 10)).encode()
        if len(body) + len(seg) + 1 > size:
            break
        extra.append(seg)
        n += 1
    name = f"{pid}_-_ADT-00_999999999999999_{TIMESTAMP}_-_1"
    return name, body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--size", type=int, default=2048)
    ap.add_argument("--tag", type=int, default=0, help="varies MSH-10 between sets")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if not 1 <= args.count <= 99999:
        ap.error("--count must be 1..99999")
    with open(SOURCE, "rb") as f:
        template = f.read()
    os.makedirs(args.out, exist_ok=True)
    total = 0
    for i in range(args.count):
        name, body = build(template, i, args.size, args.tag)
        with open(os.path.join(args.out, name), "wb") as f:
            f.write(body)
        total += len(body)
    print(f"{args.count} files, {total / args.count:.0f} B average, in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
