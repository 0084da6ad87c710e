"""collectstatic uploads hashed files to S3 with a long-lived Cache-Control (moto's server as S3)."""
import os
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]


def test_collectstatic_uploads_hashed_files_with_long_cache_control(aws_endpoint):
    s3_endpoint = aws_endpoint
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    s3.create_bucket(Bucket="assets")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "shopsite.settings.production",
        "DJANGO_SECRET_KEY": "static-test-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "example.com",
        "STATIC_BUCKET": "assets",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    keys = {obj["Key"] for obj in s3.list_objects_v2(Bucket="assets")["Contents"]}
    hashed = [key for key in keys if key.startswith("static/css/site.") and key.endswith(".css") and key != "static/css/site.css"]
    assert hashed, keys
    head = s3.head_object(Bucket="assets", Key=hashed[0])
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "text/css"
