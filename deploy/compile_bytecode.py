"""Add compiled bytecode to a Lambda zip that Zappa built without it.

Lambda's code directory is read-only, so Python cannot cache bytecode there:
without ``__pycache__`` in the zip every cold start compiles every module it
imports. The ``.pyc`` files written here use unchecked hashes (PEP 552), so
Python loads them without comparing timestamps that the zip does not keep.
Run it with the Python minor version the stage's runtime names.

Usage: python deploy/compile_bytecode.py dist/shopsite-dev.zip python3.11
"""
import importlib.util
import sys
import zipfile
from pathlib import PurePosixPath


def main(zip_path: str, runtime: str) -> None:
    here = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if runtime != here:
        raise SystemExit(f"The stage runs {runtime} but this is {here}: bytecode would not load there.")
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(zip_path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    compiled, failed = 0, []
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if "__pycache__" in info.filename:
                continue
            target.writestr(info, data)
            if not info.filename.endswith(".py"):
                continue
            path = PurePosixPath(info.filename)
            try:
                code = compile(data, f"/var/task/{path}", "exec", dont_inherit=True, optimize=0)
            except (SyntaxError, ValueError):
                failed.append(info.filename)  # files never imported (templates of other tools)
                continue
            pyc = importlib._bootstrap_external._code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            entry = zipfile.ZipInfo(str(path.parent / "__pycache__" / f"{path.stem}.{tag}.pyc"), date_time=info.date_time)
            entry.external_attr = info.external_attr
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, pyc)
            compiled += 1
    print(f"Bytecode: {compiled} modules compiled for {runtime}" + (f"; {len(failed)} not compilable, left as source" if failed else ""))


if __name__ == "__main__":
    main(*sys.argv[1:])
