"""Run every benchmark and print its figures (targets are printed beside them).

Works from a clone whichever way retest is installed (editable or not): the
commands measured are the installed ones.
"""

from __future__ import annotations

import bench_batch
import bench_bodies
import bench_build
import bench_extract
import bench_report
import bench_ledger
import bench_related
import bench_send

if __name__ == "__main__":
    print("== extract ==")
    bench_extract.main()
    print("\n== build ==")
    bench_build.main()
    print("\n== send and archive ==")
    bench_send.main()
    print("\n== oversized answers ==")
    bench_bodies.main()
    print("\n== batch ==")
    bench_batch.main()
    print("\n== report ==")
    bench_report.main()
    print("\n== the claims ledger ==")
    bench_ledger.main()
    print("\n== related papers (build --related) ==")
    bench_related.main()
