"""Static files on S3 with hashed names, and a manifest that ships inside the package.

Django's manifest storage normally reads ``staticfiles.json`` from the same
place as the files; on Lambda that would cost an S3 round trip on every cold
start. Here the manifest is built by ``make package`` and read from the
package, so rendering a page never touches S3.
"""
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

MANIFEST_DIR = Path(__file__).resolve().parent / "static_manifest"


class StaticS3Storage(ManifestFilesMixin, S3Storage):
    """Hashed static files in the bucket under ``static/``, long-lived Cache-Control."""

    def __init__(self, **kwargs):
        kwargs.setdefault("location", "static")
        kwargs.setdefault("object_parameters", {"CacheControl": "public, max-age=31536000, immutable"})
        super().__init__(manifest_storage=FileSystemStorage(location=MANIFEST_DIR), **kwargs)

    def save_manifest(self):
        """Write the manifest only when it differs from the packaged one (the package is read-only on Lambda)."""
        current = json.dumps({"paths": self.hashed_files, "version": self.manifest_version}, sort_keys=True)
        try:
            packaged = json.loads(self.manifest_storage.open(self.manifest_name).read())
            packaged.pop("hash", None)
            if json.dumps(packaged, sort_keys=True) == current:
                return
        except (OSError, ValueError):
            pass
        super().save_manifest()


def static_manifest_build(*, stdout) -> Path:
    """Hash every static file locally and write the manifest the package will carry."""
    import tempfile

    from django.core.management import call_command  # lazy, these two: `make package` only, never a request
    from django.test.utils import override_settings

    with tempfile.TemporaryDirectory() as root:
        storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
        with override_settings(STATIC_ROOT=root, STORAGES=storages):
            call_command("collectstatic", interactive=False, verbosity=0, stdout=stdout)
        MANIFEST_DIR.mkdir(exist_ok=True)
        target = MANIFEST_DIR / "staticfiles.json"
        target.write_bytes((Path(root) / "staticfiles.json").read_bytes())
    return target
