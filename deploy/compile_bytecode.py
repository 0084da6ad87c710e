"""Add compiled bytecode to a Lambda zip that Zappa built without it.

Lambda's code directory is read-only, so Python cannot cache bytecode there:
without ``__pycache__`` in the zip every cold start compiles every module it
imports. The ``.pyc`` files written here use unchecked hashes (PEP 552), so
Python loads them without comparing timestamps that the zip does not keep.
Run it with the Python minor version the stage's runtime names.

Third-party packages go **without their sources**: each module's bytecode is
written where its ``.py`` was (``module.pyc``, which Python imports when no
source is there), and the ``.py`` is left out. That keeps the zip under its
16 MB budget (sources and bytecode together were a third of it); a
traceback through a library then names the file and line without showing the
line. The shop's own packages (the top-level folders of this repository) and
the files at the zip's root keep their sources next to ``__pycache__``.

Usage: python deploy/compile_bytecode.py dist/shopsite-dev.zip python3.11
"""
import importlib.util
import sys
import zipfile
from pathlib import Path, PurePosixPath

REPOSITORY = Path(__file__).resolve().parents[1]


def _ours(path: PurePosixPath) -> bool:
    """Whether *path* in the zip is the shop's own code (a root file, or in a top-level folder of this repository)."""
    return len(path.parts) == 1 or (REPOSITORY / path.parts[0]).is_dir()


def main(zip_path: str, runtime: str) -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != here:
        raise SystemExit(f"The stage runs {runtime} but this is {here}: bytecode would not load there.")
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(zip_path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    compiled, failed, sourceless = 0, [], 0
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info, data in entries:
            if "__pycache__" in info.filename:
                continue
            path = PurePosixPath(info.filename)
            if not info.filename.endswith(".py"):
                target.writestr(info, data, compresslevel=9)
                continue
            try:
                code = compile(data, f"/var/task/{path}", "exec", dont_inherit=True, optimize=0)
            except (SyntaxError, ValueError):
                failed.append(info.filename)  # files never imported (templates of other tools)
                target.writestr(info, data, compresslevel=9)
                continue
            pyc = importlib._bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            if _ours(path):
                target.writestr(info, data, compresslevel=9)
                name = str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc")
            else:
                name = str(path.with_suffix(".pyc"))
                sourceless += 1
            entry = zipfile.ZipInfo(name, date_time=info.date_time)
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, pyc, compresslevel=9)
            compiled += 1
    print(f"Bytecode: {compiled} modules compiled for {runtime}, {sourceless} of them third-party without their sources"
          + (f"; {len(failed)} not compilable, left as source" if failed else ""))


if __name__ == "__main__":
    main(*sys.argv[1:])
