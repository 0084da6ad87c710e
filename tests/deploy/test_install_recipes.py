"""The Makefile's install recipes work with the tool hidden, as root and as a user with sudo.

`make java` and `make chromium` install Debian packages only when the tool is
missing. A machine that already has the tool never runs the recipe, so these
tests hide it: PATH holds only stand-ins for `apt-get`, `sudo` and `id` that
record what they were asked to do.
"""
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUB = """#!/bin/sh
echo "apt-get DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-unset} $*" >> "$RECORD"
"""
SUDO = """#!/bin/sh
echo "sudo $*" >> "$RECORD"
exec "$@"
"""


def fake_path(tmp_path: Path, *, uid: int) -> Path:
    """A bin folder with stand-ins and the few real tools the recipes call (no java, no chromium)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text(STUB)
    (bin_dir / "sudo").write_text(SUDO)
    (bin_dir / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    for tool in ("apt-get", "sudo", "id"):
        (bin_dir / tool).chmod(0o755)
    (bin_dir / "env").symlink_to(shutil.which("env"))
    return bin_dir


@pytest.mark.parametrize("uid", [0, 1000], ids=["root", "user-with-sudo"])
@pytest.mark.parametrize("target, package", [("java", "default-jre-headless"), ("chromium", "chromium"),
                                             ("postgresql PG_CTL=", "postgresql")])
def test_recipe_installs_the_missing_tool(tmp_path, uid, target, package):
    bin_dir = fake_path(tmp_path, uid=uid)
    record = tmp_path / "record.txt"
    result = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-C", str(ROOT), *target.split()],
        env={"PATH": str(bin_dir), "RECORD": str(record), "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = record.read_text().splitlines()
    prefix = "sudo " if uid else ""
    assert "apt-get DEBIAN_FRONTEND=unset update -qq" in calls, calls
    install = [line for line in calls if " install " in line and line.startswith("apt-get")]
    assert install == [f"apt-get DEBIAN_FRONTEND=noninteractive install -y -qq {package}"], calls
    assert any(line.startswith("sudo ") for line in calls) == bool(uid), calls
    assert all(not line.startswith("sudo") or line.startswith(prefix) for line in calls)


def test_recipe_does_nothing_when_the_tool_is_there(tmp_path):
    bin_dir = fake_path(tmp_path, uid=0)
    (bin_dir / "java").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "java").chmod(0o755)
    record = tmp_path / "record.txt"
    result = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-C", str(ROOT), "java"],
        env={"PATH": str(bin_dir), "RECORD": str(record)}, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert not record.exists()
