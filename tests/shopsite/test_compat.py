"""Library internals are used only in shopsite/compat/, one module per library: each names the version it was
written against and lists the internals it touches. An upgrade fails here first, in one place, rather than
somewhere deep in a page or the session engine."""
import importlib.metadata
import re
from pathlib import Path

import pytest

from shopsite.compat import botocore as compat_botocore
from shopsite.compat import django as compat_django
from shopsite.compat import pynamodb as compat_pynamodb

FENCES = [("botocore", compat_botocore), ("Django", compat_django), ("pynamodb", compat_pynamodb)]


@pytest.mark.parametrize(("distribution", "fence"), FENCES, ids=[name for name, _ in FENCES])
def test_each_fence_was_written_for_the_installed_version(distribution, fence):
    installed = importlib.metadata.version(distribution)
    assert installed == fence.WRITTEN_FOR or installed.startswith(fence.WRITTEN_FOR + "."), (
        f"{distribution} {installed} is installed; shopsite/compat/{fence.__name__.rsplit('.', 1)[-1]}.py was "
        f"written for {fence.WRITTEN_FOR}: check each internal it uses, then update WRITTEN_FOR")


@pytest.mark.parametrize(("distribution", "fence"), FENCES, ids=[name for name, _ in FENCES])
def test_every_internal_a_fence_uses_still_exists(distribution, fence):
    missing = [f"{getattr(owner, '__name__', type(owner).__name__)}.{name}" for owner, name in fence.INTERNALS
               if not hasattr(owner, name)]
    assert not missing, f"{distribution} no longer has {missing}"


def test_no_module_outside_the_fences_reaches_into_those_internals():
    root = Path(__file__).resolve().parents[2]
    names = {name for _, fence in FENCES for _, name in fence.INTERNALS if name.startswith("_")} | {"page_iter"}
    reaches = re.compile(r"\.(?:" + "|".join(map(re.escape, sorted(names))) + r")\b|django\.utils\._os|botocore\.parsers")
    offenders = []
    for path in sorted(root.glob("*/**/*.py")):
        parts = path.relative_to(root).parts
        if parts[0].startswith(".") or parts[0] in {"tests", "bench", "node_modules", "dist"} or parts[:2] == ("shopsite", "compat"):
            continue
        offenders += [f"{path.relative_to(root)}: {match}" for match in reaches.findall(path.read_text())]
    assert not offenders, offenders
