"""Run every benchmark and print its figures (targets are printed beside them)."""

from __future__ import annotations

import bench_build
import bench_extract
import bench_send

if __name__ == "__main__":
    print("== extract ==")
    bench_extract.main()
    print("\n== build ==")
    bench_build.main()
    print("\n== send and archive ==")
    bench_send.main()
