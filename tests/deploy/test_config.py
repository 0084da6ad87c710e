"""Deployment configuration: stages, runtime, gateway, IAM policy and production settings."""
import json
import os
import subprocess
import sys
from pathlib import Path

from shopsite import dynamodb

ROOT = Path(__file__).resolve().parents[2]


def test_zappa_stages():
    config = json.loads((ROOT / "zappa_settings.json").read_text())
    for stage in ("dev", "production"):
        merged = {**config["base"], **config[stage]}
        assert merged["django_settings"] == "shopsite.settings.production"
        assert merged["runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
        assert merged["apigateway_version"] == "v2"
        assert merged["timeout_seconds"] <= 29 and merged["keep_warm"]
        env = merged["environment_variables"]
        assert {"DYNAMODB_TABLE_PREFIX", "DJANGO_ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "STATIC_BUCKET"} <= set(env)
        assert "DJANGO_SECRET_KEY" not in env  # the key comes from SSM, never from the repository


def test_iam_policy_names_every_table_and_index_and_nothing_wider():
    policy = json.loads((ROOT / "deploy" / "iam-policy.json").read_text())
    tables = next(s for s in policy["Statement"] if s["Sid"] == "ShopsiteTables")
    assert "dynamodb:ConditionCheckItem" in tables["Action"]
    assert "dynamodb:Scan" not in tables["Action"]
    resources = set(tables["Resource"])
    expected = set()
    for model in dynamodb.models():
        name = f"shopsite-dev-{model.Meta.base_table_name}"
        expected.add(f"arn:aws:dynamodb:us-east-1:*:table/{name}")
        for index in model._indexes:
            expected.add(f"arn:aws:dynamodb:us-east-1:*:table/{name}/index/{index}")
    assert resources == expected
    for statement in policy["Statement"]:
        if statement["Resource"] == "*":
            assert statement["Action"] == ["dynamodb:ListTables"]


def test_check_deploy_is_clean_with_production_settings():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SECRET_KEY": "check-deploy-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": ".execute-api.us-east-1.amazonaws.com,shop.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
        "STATIC_BUCKET": "shopsite-dev-assets",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", "--settings=shopsite.settings.production"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
