#!/usr/bin/env python3
"""telemetry_reader.py - telemetry-reader.c in Python, over the shmap binding.

Follows a live telemetry mapping that telemetry-writer publishes and prints
each new sample, until the writer marks the record done or --count samples
were printed.  The layout and the sequence lock: telemetry.h.

    python3 telemetry_reader.py [--name NAME] [--count N]

Needs the binding (pip install ./python) or PYTHONPATH=python, and the
library (libshmap.so.0 on the library path, or $SHMAP_LIBRARY).
"""

import argparse
import struct
import sys
import time

import shmap

RECORD = struct.Struct("<IIQdQ")  # seq, done, sample, value, time_ns


def snapshot(buf):
    """A consistent (seq, done, sample, value, time_ns): the same even seq
    before and after the read, else the writer was inside; read again."""
    while True:
        before = struct.unpack_from("<I", buf)[0]
        rec = RECORD.unpack_from(buf)
        if before % 2 == 0 and struct.unpack_from("<I", buf)[0] == before:
            return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="telemetry")
    ap.add_argument("--count", type=int, default=None)
    args = ap.parse_args()
    try:
        for tries in range(201):  # the writer may not be there yet: wait up to 10 s
            try:
                m = shmap.open_mapping(args.name, access="read")
                break
            except shmap.NotFoundError:
                if tries == 200:
                    raise
                time.sleep(0.05)
        attached = shmap.Semaphore(args.name + ".attached", create=False)
        detached = shmap.Semaphore(args.name + ".detached", create=False)
    except shmap.Error as e:
        print(f"telemetry_reader: {args.name}: {e} (Win32 error {e.winerror})", file=sys.stderr)
        return 1
    attached.release()
    last, shown, idle_since = 0, 0, time.monotonic()
    done = False
    with m:
        while args.count is None or shown < args.count:
            _, done, sample, value, _ = snapshot(m.buf)
            if sample != last:
                print(f"sample {sample} value {value:.3f}")
                last, shown, idle_since = sample, shown + 1, time.monotonic()
            elif done:
                break
            elif time.monotonic() - idle_since > 30:
                print("telemetry_reader: no sample for 30 s", file=sys.stderr)
                break
            time.sleep(0.005)
        print(f"last sample {last}{' (writer done)' if done else ''}", flush=True)
    detached.release()
    attached.close()
    detached.close()
    return 0 if done or args.count is not None else 1


if __name__ == "__main__":
    sys.exit(main())
