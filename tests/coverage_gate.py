"""After `make test`: fail when any services module (an app's services.py, or each module of its services/ package)
is less than 90 % covered. Silent when all are.

Reads the coverage data pytest-cov wrote (.coverage) through coverage's API.
"""
import sys
from pathlib import Path

import coverage

THRESHOLD = 90.0
ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    data = coverage.Coverage(data_file=str(ROOT / ".coverage"))
    data.load()
    failures = []
    services = [*ROOT.glob("*/services.py"), *ROOT.glob("*/*/services.py"), *ROOT.glob("*/services/*.py")]
    for path in sorted(services):
        if ".venv" in path.parts:
            continue
        _, statements, _, missing, _ = data.analysis2(str(path))
        covered = 100.0 * (len(statements) - len(missing)) / len(statements) if statements else 100.0
        if covered < THRESHOLD:
            failures.append(f"{path.relative_to(ROOT)}: {covered:.0f}% covered (lines {', '.join(map(str, missing[:20]))})")
    for failure in failures:
        print(f"coverage gate: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
