"""The operator's path from an empty AWS account, rehearsed against moto's server.

Each step is a command from README's "Deploying to AWS", run the way an
operator runs it, with ``AWS_ENDPOINT_URL`` pointing at the emulator. Two
things the emulator cannot do are proved offline instead, as the README says:

- moto's CloudFormation has no ``AWS::ApiGatewayV2`` resources, so Zappa's
  HTTP API step is switched off for the rehearsal; the API template Zappa
  would deploy is generated with ``zappa template`` and checked by cfn-lint.
- moto cannot run a Lambda function without Docker, so each ``zappa manage``
  step sends the very event Zappa would send (``{"manage": "…"}``) to Zappa's
  handler in the unpacked zip, against DynamoDB Local and moto's S3.
- moto's ``GetFunction`` links a version's code to an S3 key it does not
  serve, so for ``zappa rollback`` the recorder (``zappa_recorded.py``)
  answers that one download with the package Zappa uploaded under that key,
  as Lambda's own code store would; the AWS calls go to moto as usual.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import pytest

from shopsite.stack import stack_template
from tests.deploy.test_package import PREFIX, ZIP, Lambda, package_dir  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
RECORDED = [str(ROOT / ".venv-package" / "bin" / "python"), str(Path(__file__).with_name("zappa_recorded.py"))]
# IAM actions whose name differs from the API operation's (S3's HEAD and listing calls; Lambda's Invoke).
IAM_ACTION = {("s3", "HeadBucket"): "s3:ListBucket", ("s3", "HeadObject"): "s3:GetObject",
              ("s3", "ListObjectsV2"): "s3:ListBucket", ("s3", "ListObjects"): "s3:ListBucket",
              ("s3", "CreateMultipartUpload"): "s3:PutObject", ("s3", "UploadPart"): "s3:PutObject",
              ("s3", "CompleteMultipartUpload"): "s3:PutObject", ("lambda", "Invoke"): "lambda:InvokeFunction"}
NEEDS_NO_PERMISSION = {("sts", "GetCallerIdentity")}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tables")]


def _iam_action(prefix: str, operation: str, method: str) -> str | None:
    """The IAM action an API call needs (API Gateway's are its HTTP verbs), or None when it needs none."""
    if (prefix, operation) in NEEDS_NO_PERMISSION:
        return None
    if prefix == "apigateway":
        return f"apigateway:{method}"
    return IAM_ACTION.get((prefix, operation), f"{prefix}:{operation}")


def _allowed_somewhere(policy: dict, action: str) -> bool:
    """Whether some Allow statement of *policy* names *action* (IAM's wildcards); resources are the stage's own
    by construction (tests/deploy/test_config.py checks that nothing but the star-only actions is on "*")."""
    import fnmatch

    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action, pattern) for pattern in actions):
            return True
    return False


def _sha(path: Path) -> str:
    """Lambda's CodeSha256 of a package."""
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def operator_env(endpoint):
    return {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal",
        "AWS_DEFAULT_REGION": "us-east-1", "DJANGO_SETTINGS_MODULE": "shopsite.settings.local",
    }


def run(command, env, **kwargs):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def aws(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="rehearsal", aws_secret_access_key="rehearsal")


@pytest.fixture
def rehearsal_settings(tmp_path):
    """zappa_settings.json as it is, but with the HTTP API step off (moto cannot create it)."""
    config = json.loads((ROOT / "zappa_settings.json").read_text())
    config["dev"]["apigateway_enabled"] = False
    path = tmp_path / "zappa_settings.json"
    path.write_text(json.dumps(config))
    return path


def manage(package_dir, dynamodb_host, command, **env):  # noqa: F811
    """Send Zappa's `manage` event to the unpacked package; return what the command printed."""
    runner = Lambda(package_dir, dynamodb_host, **env)
    try:
        assert runner({"manage": command}) == {}
    finally:
        logged = runner.close()
    return logged


def test_operator_path_from_an_empty_account(aws_endpoint, package_dir, dynamodb_local, rehearsal_settings, tmp_path):  # noqa: F811
    env = operator_env(aws_endpoint)
    python = str(ROOT / ".venv" / "bin" / "python")

    # 1. The stack: tables, assets bucket, roles, alarms, backups; and the secret key in SSM.
    out = run([python, "manage.py", "stack_deploy", "--stage", "dev", "--alarm-email", "ops@example.com",
               "--custom-domain", "shop.example.com",
               "--certificate-arn", "arn:aws:acm:us-east-1:123456789012:certificate/rehearsal"], env)
    assert "Stack shopsite-dev-base: created" in out and "/shopsite/dev/django-secret-key: created" in out
    role = aws("iam", aws_endpoint).get_role(RoleName="shopsite-dev-lambda")["Role"]
    assert aws("ssm", aws_endpoint).get_parameter(Name="/shopsite/dev/django-secret-key")["Parameter"]["Type"] == "SecureString"
    assert {f"{PREFIX}orders", f"{PREFIX}sessions"} <= set(aws("dynamodb", aws_endpoint).list_tables()["TableNames"])
    aws("s3", aws_endpoint).head_bucket(Bucket="shopsite-dev-assets")
    again = run([python, "manage.py", "stack_deploy", "--stage", "dev"], env)
    assert "already there" in again  # re-running is safe
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in
                  aws("cloudformation", aws_endpoint).describe_stacks(StackName="shopsite-dev-base")["Stacks"][0]["Parameters"]}
    assert parameters["AlarmEmail"] == "ops@example.com"  # a run without the flags keeps them (UsePreviousValue)
    assert parameters["CustomDomain"] == "shop.example.com" and parameters["CertificateArn"].endswith("/rehearsal")

    # 2. zappa deploy with the package built by `make package` (runtime requirements only, bytecode included).
    # Zappa runs through tests/deploy/zappa_recorded.py, which writes down every AWS call it makes.
    calls_log = tmp_path / "zappa-calls.jsonl"
    env = {**env, "ZAPPA_CALLS": str(calls_log), "ZAPPA_CODE_STORE": str(tmp_path / "code-store.json")}
    zappa = RECORDED
    out = run([*zappa, "deploy", "dev", "-z", str(ZIP), "-s", str(rehearsal_settings)], env)
    assert "Deployment complete" in out
    assert "Lambda logs for shopsite-dev: JSON, system level WARN" in out  # the post callback ran (moto ignores the setting)
    # ... and mapped the tables' streams (tallies, spread stock) to the function, once even across updates
    assert "Stream mapped to shopsite-dev: shopsite-dev-orders/stream/" in out
    mappings = aws("lambda", aws_endpoint).list_event_source_mappings(FunctionName="shopsite-dev")["EventSourceMappings"]
    assert sorted(m["EventSourceArn"].split(":table/")[1].split("/")[0] for m in mappings) == [
        "shopsite-dev-orders", "shopsite-dev-stock-buckets"]
    function = aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-dev")["Configuration"]
    assert function["Handler"] == "shopsite.lambda_handler.handler"
    assert function["Role"] == role["Arn"] and function["Runtime"] == "python3.11" and function["Timeout"] <= 29
    # Zappa bakes environment_variables into the package's zappa_settings.py, not the function's configuration.
    assert f"'DYNAMODB_TABLE_PREFIX': '{PREFIX}'" in (package_dir / "zappa_settings.py").read_text()
    rules = aws("events", aws_endpoint).list_rule_names_by_target(TargetArn=function["FunctionArn"])["RuleNames"]
    assert any("keep-warm" in name for name in rules)

    # 2b. The HTTP API Zappa would create: its template, checked offline.
    api_template = tmp_path / "api.json"
    run([*zappa, "template", "dev", "-l", function["FunctionArn"], "-r", role["Arn"], "-o", str(api_template),
         "-s", str(rehearsal_settings)], env)
    resources = json.loads(api_template.read_text())["Resources"]
    [api] = [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert api["Properties"]["ProtocolType"] == "HTTP"
    assert [r["Properties"]["StageName"] for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Stage"] == ["dev"]
    run([str(Path(sys.executable).parent / "cfn-lint"), str(api_template)], env)

    # 3. zappa manage dev create_tables: converges what the stack made (here, DynamoDB Local's tables).
    logged = manage(package_dir, dynamodb_local, "create_tables")
    assert f"{PREFIX}orders: " in logged

    # 4. zappa manage dev "collectstatic --noinput": hashed files to the bucket, matching the packaged manifest.
    s3_env = {"AWS_S3_ENDPOINT_URL": aws_endpoint, "AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal"}
    logged = manage(package_dir, dynamodb_local, "collectstatic --noinput", **s3_env)
    assert re.search(r"\d+ static files? copied", logged), logged[-2000:]
    manifest = json.loads((package_dir / "shopsite" / "static_manifest" / "staticfiles.json").read_text())["paths"]
    keys = {obj["Key"] for obj in aws("s3", aws_endpoint).list_objects_v2(Bucket="shopsite-dev-assets")["Contents"]}
    assert {f"static/{hashed}" for hashed in manifest.values()} <= keys

    # 5. zappa manage dev createstaff --email=…: a one-time link, no password on the command line.
    logged = manage(package_dir, dynamodb_local, "createstaff --email=owner@example.com "
                    "--base-url=https://abc123.execute-api.us-east-1.amazonaws.com/dev")  # as the README types it
    assert "https://abc123.execute-api.us-east-1.amazonaws.com/dev/staff/set-password/" in logged

    # 5b. zappa manage dev createapikey: refused, since whatever it printed would stay in CloudWatch Logs.
    logged = manage(package_dir, dynamodb_local, "createapikey --name=crm-sync", AWS_LAMBDA_FUNCTION_NAME="shopsite-dev")
    assert "No key created" in logged and "sk_" not in logged

    # 6. zappa update: new code (the package with one more file) and configuration. Its last step removes any
    # Lambda function URL, an API moto does not have (ListFunctionUrlConfigs answers 404), so that one failure
    # is expected here.
    newer = tmp_path / "shopsite-dev-newer.zip"
    shutil.copyfile(ZIP, newer)
    with zipfile.ZipFile(newer, "a") as archive:
        archive.writestr("REHEARSAL_UPDATE", "the second release")
    update = subprocess.run([*zappa, "update", "dev", "-z", str(newer), "-s", str(rehearsal_settings)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    output = update.stdout + update.stderr
    assert "Updating Lambda function code" in output and "Updating Lambda function configuration" in output
    assert update.returncode == 0 or "ListFunctionUrlConfigs operation: <!doctype html>" in output, output[-3000:]
    after = aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-dev")["Configuration"]
    assert after["Handler"] == "shopsite.lambda_handler.handler"
    assert after["CodeSha256"] == _sha(newer)

    # 6a. zappa rollback -n 1: the code of the release before, published as a new version.
    out = run([*zappa, "rollback", "dev", "-n", "1", "-s", str(rehearsal_settings)], env)
    assert "Rolling back" in out, out
    rolled = aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-dev")["Configuration"]
    assert rolled["CodeSha256"] == _sha(ZIP) and rolled["Handler"] == "shopsite.lambda_handler.handler"
    versions = aws("lambda", aws_endpoint).list_versions_by_function(FunctionName="shopsite-dev")["Versions"]
    assert [v["CodeSha256"] for v in versions if v["Version"] != "$LATEST"] == [_sha(ZIP), _sha(newer), _sha(ZIP)]

    # 6b. zappa schedule / unschedule: the jobs' rules come and go.
    run([*zappa, "unschedule", "dev", "-s", str(rehearsal_settings)], env)
    run([*zappa, "schedule", "dev", "-s", str(rehearsal_settings)], env)

    # 7. zappa undeploy: the function and its schedule are gone; the stack's tables and bucket stay.
    run([*zappa, "undeploy", "dev", "--yes", "-s", str(rehearsal_settings)], env)
    with pytest.raises(aws("lambda", aws_endpoint).exceptions.ResourceNotFoundException):
        aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-dev")
    assert f"{PREFIX}orders" in aws("dynamodb", aws_endpoint).list_tables()["TableNames"]

    # 8. The deployer policy, simulated against every call Zappa made above.
    calls = [json.loads(line) for line in calls_log.read_text().splitlines()]
    commands = {call["command"] for call in calls}
    assert {"deploy", "update", "rollback", "schedule", "unschedule", "undeploy"} <= commands, commands
    assert {"ListVersionsByFunction", "GetFunction", "UpdateFunctionCode"} <= {
        call["operation"] for call in calls if call["command"] == "rollback"}
    made = {(call["prefix"], call["operation"], call["method"]) for call in calls}
    policy = stack_template(stage="dev")["Resources"]["DeployerPolicy"]["Properties"]["PolicyDocument"]
    refused = sorted(action for action in {_iam_action(*call) for call in made} - {None}
                     if not _allowed_somewhere(policy, action))
    assert not refused, f"the deployer policy refuses calls Zappa makes: {refused}"


@pytest.fixture
def production_settings(tmp_path):
    config = json.loads((ROOT / "zappa_settings.json").read_text())
    config["production"]["apigateway_enabled"] = False  # as for dev: moto cannot create the HTTP API
    path = tmp_path / "zappa_settings.json"
    path.write_text(json.dumps(config))
    return path


def test_the_production_stage_as_typed(aws_endpoint, dynamodb_local, production_settings, tmp_path):
    """The README's steps for production: its own stack (termination-protected), package, deploy with its reserved
    concurrency, the `zappa manage` steps with the secrets read from SSM, update, rollback, undeploy — and its
    deployer policy allows every call Zappa made."""
    env = {**operator_env(aws_endpoint), "ZAPPA_CALLS": str(tmp_path / "zappa-calls.jsonl"),
           "ZAPPA_CODE_STORE": str(tmp_path / "code-store.json")}
    python = str(ROOT / ".venv" / "bin" / "python")
    out = run([python, "manage.py", "stack_deploy", "--stage", "production", "--alarm-email", "ops@example.com"], env)
    assert "Stack shopsite-production-base: created" in out and "/shopsite/production/edge-secret: created" in out
    cloudformation = aws("cloudformation", aws_endpoint)
    assert cloudformation.describe_stacks(StackName="shopsite-production-base")["Stacks"][0]["EnableTerminationProtection"]
    assert "shopsite-prod-orders" in aws("dynamodb", aws_endpoint).list_tables()["TableNames"]

    package = subprocess.run(["make", "package", "STAGE=production"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert package.returncode == 0, package.stderr[-2000:]
    archive = ROOT / "dist" / "shopsite-production.zip"
    assert archive.stat().st_size < 16 * 1024 * 1024
    out = run([*RECORDED, "deploy", "production", "-z", str(archive), "-s", str(production_settings)], env)
    assert "Deployment complete" in out
    function = aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-production")
    assert function["Configuration"]["MemorySize"] == 1536
    assert function["Concurrency"]["ReservedConcurrentExecutions"] == 100

    # zappa manage production …: the production package, its secrets from the SSM parameters the stack step made.
    unpacked = tmp_path / "production"
    with zipfile.ZipFile(archive) as packed:
        packed.extractall(unpacked)
    from_ssm = {"DJANGO_SECRET_KEY": "", "EDGE_SECRET": "", "AWS_ENDPOINT_URL": aws_endpoint,
                "AWS_ACCESS_KEY_ID": "rehearsal", "AWS_SECRET_ACCESS_KEY": "rehearsal"}
    assert "shopsite-prod-orders: " in manage(unpacked, dynamodb_local, "create_tables", **from_ssm)
    logged = manage(unpacked, dynamodb_local, "createstaff --email=owner@example.com --base-url=https://shop.example.com",
                    **from_ssm)
    assert "https://shop.example.com/staff/set-password/" in logged
    secret = aws("ssm", aws_endpoint).get_parameter(Name="/shopsite/production/django-secret-key", WithDecryption=True)
    assert secret["Parameter"]["Value"] not in logged

    newer = tmp_path / "shopsite-production-newer.zip"
    shutil.copyfile(archive, newer)
    with zipfile.ZipFile(newer, "a") as packed:
        packed.writestr("REHEARSAL_UPDATE", "the second release")
    update = subprocess.run([*RECORDED, "update", "production", "-z", str(newer), "-s", str(production_settings)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "Updating Lambda function code" in update.stdout + update.stderr
    run([*RECORDED, "rollback", "production", "-n", "1", "-s", str(production_settings)], env)
    rolled = aws("lambda", aws_endpoint).get_function(FunctionName="shopsite-production")["Configuration"]
    assert rolled["CodeSha256"] == _sha(archive)
    run([*RECORDED, "undeploy", "production", "--yes", "-s", str(production_settings)], env)
    assert "shopsite-prod-orders" in aws("dynamodb", aws_endpoint).list_tables()["TableNames"]  # data stays

    calls = [json.loads(line) for line in (tmp_path / "zappa-calls.jsonl").read_text().splitlines()]
    assert "rollback" in {call["command"] for call in calls}
    made = {(call["prefix"], call["operation"], call["method"]) for call in calls}
    policy = stack_template(stage="production")["Resources"]["DeployerPolicy"]["Properties"]["PolicyDocument"]
    refused = sorted(action for action in {_iam_action(*call) for call in made} - {None}
                     if not _allowed_somewhere(policy, action))
    assert not refused, f"the production deployer policy refuses calls Zappa makes: {refused}"
