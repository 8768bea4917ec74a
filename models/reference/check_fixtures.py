"""Final step of regenerate.sh: enforce the 30 MB budget and write models/fixtures/SHA256SUMS.

SHA256SUMS lists every fixture file (sorted, sha256sum format) so that a regeneration can be compared with the
committed fixtures by `git diff` or `sha256sum -c`.
"""

from __future__ import annotations

import sys

from common import FIXTURES_DIR, rel, sha256_file

LIMIT_BYTES = 30 * 1000 * 1000
SUMS = FIXTURES_DIR / "SHA256SUMS"


def main() -> None:
    files = sorted(p for p in FIXTURES_DIR.rglob("*") if p.is_file() and p != SUMS)
    total = sum(p.stat().st_size for p in files)
    lines = [f"{sha256_file(p)}  {p.relative_to(FIXTURES_DIR).as_posix()}" for p in files]
    SUMS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    by_dir: dict[str, int] = {}
    for p in files:
        top = p.relative_to(FIXTURES_DIR).parts[0]
        by_dir[top] = by_dir.get(top, 0) + p.stat().st_size
    parts = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(by_dir.items()))
    print(f"check_fixtures: {len(files)} files, {total / 1e6:.2f} MB ({parts}); wrote {rel(SUMS)}")
    if total > LIMIT_BYTES:
        sys.exit(f"check_fixtures: fixtures are {total / 1e6:.2f} MB, over the {LIMIT_BYTES / 1e6:.0f} MB budget")


if __name__ == "__main__":
    main()
