"""Deployment configuration: stages, runtime, gateway, IAM policy and production settings."""
import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopsite import dynamodb, stack

ROOT = Path(__file__).resolve().parents[2]


def test_zappa_stages():
    config = json.loads((ROOT / "zappa_settings.json").read_text())
    for stage in ("dev", "production"):
        merged = {**config["base"], **config[stage]}
        assert merged["django_settings"] == "shopsite.settings.production"
        assert merged["runtime"] == f"python{sys.version_info.major}.{sys.version_info.minor}"
        assert merged["apigateway_version"] == "v2"
        assert merged["timeout_seconds"] <= 29 and merged["keep_warm"]
        assert merged["debug"] is False  # Zappa's default (true) answers a crash in its handler with a traceback
        assert merged["log_level"] in ("INFO", "WARNING")  # at DEBUG Zappa logs every raw event, cookies and all
        env = merged["environment_variables"]
        assert {"DYNAMODB_TABLE_PREFIX", "DJANGO_ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "STATIC_BUCKET"} <= set(env)
        assert "DJANGO_SECRET_KEY" not in env  # the key comes from SSM, never from the repository


STAGES = ("dev", "production")


def committed_stack(stage):
    return json.loads((ROOT / "deploy" / f"stack-{stage}.json").read_text())


@pytest.mark.parametrize("stage", STAGES)
def test_committed_stack_matches_the_code(stage):
    """deploy/stack-<stage>.json is generated; regenerate with `manage.py stack_template` after a model change."""
    assert committed_stack(stage) == stack.stack_template(stage=stage)


def test_cfn_lint_passes_on_every_stage():
    files = [str(ROOT / "deploy" / f"stack-{stage}.json") for stage in STAGES]
    result = subprocess.run([str(Path(sys.executable).parent / "cfn-lint"), *files], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("stage", STAGES)
def test_every_table_and_index_is_in_the_stack_and_the_role(stage):
    template = committed_stack(stage)
    prefix = stack.stage_config(stage)["environment_variables"]["DYNAMODB_TABLE_PREFIX"]
    tables = {
        r["Properties"]["TableName"]: r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"
    }
    [role] = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"
              and r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}]
    [items] = [s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"] if s["Sid"] == "Items"]
    arns = {resource["Fn::Sub"].rsplit(":table/", 1)[1] for resource in items["Resource"]}
    for model in dynamodb.models():
        name = f"{prefix}{model.Meta.base_table_name}"
        assert name in tables, name
        properties = tables[name]
        assert {i["IndexName"] for i in properties.get("GlobalSecondaryIndexes", [])} == set(model._indexes), name
        assert properties["BillingMode"] == "PAY_PER_REQUEST" and properties["SSESpecification"]["Fn::If"][2] == {"SSEEnabled": True}
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["DeletionProtectionEnabled"] is (stage == "production")
        assert name in arns and {f"{name}/index/{index}" for index in model._indexes} <= arns
    assert tables[f"{prefix}sessions"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert len(tables) == len(dynamodb.models())


@pytest.mark.parametrize("stage", STAGES)
def test_execution_role_is_least_privilege(stage):
    template = committed_stack(stage)
    role = template["Resources"]["ExecutionRole"]["Properties"]
    assert role["RoleName"] == stack.stage_config(stage)["role_name"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    actions = {action for s in statements for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert not {"dynamodb:CreateTable", "dynamodb:DeleteTable", "dynamodb:Scan", "dynamodb:ListTables"} & actions
    assert not any(a.endswith("*") for a in actions)
    for statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(r != "*" for r in resources) or statement["Action"] == "dynamodb:ListStreams"  # IAM: * only
    [secrets] = [s for s in statements if s["Sid"] == "Secrets"]
    parameter = stack.stage_config(stage)["environment_variables"]["DJANGO_SECRET_KEY_PARAMETER"]
    assert secrets["Resource"]["Fn::Sub"].endswith(f"parameter{parameter.rsplit('/', 1)[0]}/*")


def test_stack_has_alarms_backups_and_a_domain_for_the_http_api():
    resources = committed_stack("production")["Resources"]
    alarms = {r["Properties"]["AlarmName"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {f"shopsite-production-{n}" for n in (
        "lambda-errors", "lambda-throttles", "lambda-duration", "5xx-rate", "dynamodb-throttles", "dynamodb-errors")} <= alarms
    rule = resources["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"][0]
    assert rule["ScheduleExpression"].startswith("cron(") and rule["Lifecycle"]["DeleteAfterDays"] >= 30
    assert resources["EdgeDistribution"]["Properties"]["DistributionConfig"]["Aliases"]["Fn::If"][0] == "HasDomain"
    assert resources["DeployerPolicy"]["Type"] == "AWS::IAM::ManagedPolicy"


@pytest.mark.parametrize("stage", STAGES)
def test_alarms_can_publish_to_their_topic(stage):
    """CloudWatch cannot use the AWS-managed alias/aws/sns key: the topic's key is the stack's own, and its
    policy lets cloudwatch.amazonaws.com decrypt and generate data keys."""
    resources = committed_stack(stage)["Resources"]
    topic_key = resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"]
    assert topic_key == {"Ref": "AlarmTopicKey"}
    statements = resources["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [st for st in statements if st["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    alarms = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert alarms and all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def _allows(policy: dict, action: str, resource: str) -> bool:
    """Whether an Allow statement of *policy* matches *action* on *resource* (IAM's * and ? wildcards; Fn::Sub
    resources matched with their ${...} parts as wildcards)."""
    import fnmatch

    def pattern(value):
        text = value["Fn::Sub"] if isinstance(value, dict) else value
        return re.sub(r"\$\{[^}]+\}", "*", text)

    for statement in policy["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if statement["Effect"] == "Allow" and any(fnmatch.fnmatchcase(action, a) for a in actions) and any(
                fnmatch.fnmatchcase(resource, pattern(r)) for r in resources):
            return True
    return False


@pytest.mark.parametrize("stage", STAGES)
def test_the_deployer_may_list_rule_names_by_target_which_iam_takes_only_on_star(stage):
    policy = committed_stack(stage)["Resources"]["DeployerPolicy"]["Properties"]["PolicyDocument"]
    assert _allows(policy, "events:ListRuleNamesByTarget", "*")
    assert _allows(policy, "events:PutRule", f"arn:aws:events:us-east-1:123456789012:rule/shopsite-{stage}-keep-warm")
    assert not _allows(policy, "events:PutRule", "arn:aws:events:us-east-1:123456789012:rule/someone-else")


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


def test_post_deploy_callback_turns_off_lambdas_per_invocation_log_lines():
    """The request the callback sends, checked against botocore's Lambda model by its Stubber
    (moto accepts LoggingConfig but does not model it, so the rehearsal proves only that it runs)."""
    import boto3
    from botocore.stub import Stubber

    from shopsite import zappa_callbacks

    config = json.loads((ROOT / "zappa_settings.json").read_text())
    assert config["base"]["callbacks"]["post"] == "shopsite.zappa_callbacks.post_deploy"
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    waited = []
    with Stubber(client) as stub:
        stub.add_response("update_function_configuration", {"FunctionName": "shopsite-dev", "LoggingConfig": {
            "LogFormat": "JSON", "ApplicationLogLevel": "TRACE", "SystemLogLevel": "WARN"}}, expected_params={
            "FunctionName": "shopsite-dev",
            "LoggingConfig": {"LogFormat": "JSON", "ApplicationLogLevel": "TRACE", "SystemLogLevel": "WARN"}})
        answer = zappa_callbacks.function_logging_set(lambda_client=client, function_name="shopsite-dev",
                                                      wait=lambda function_name: waited.append(function_name))
        stub.assert_no_pending_responses()
    assert waited == ["shopsite-dev"]  # a configuration update in progress would refuse the call
    assert answer["LoggingConfig"]["SystemLogLevel"] == "WARN"


def _indexes(template, table="TableProducts"):
    return [index["IndexName"] for index in template["Resources"][table]["Properties"].get("GlobalSecondaryIndexes", [])]


def test_index_changes_go_out_one_per_table_per_stack_update():
    """CloudFormation refuses more than one GSI created or deleted per table in one update."""
    import copy

    target = committed_stack("dev")
    deployed = copy.deepcopy(target)
    products = deployed["Resources"]["TableProducts"]["Properties"]
    removed = [i for i in products["GlobalSecondaryIndexes"] if i["IndexName"].startswith("cards-")]
    assert len(removed) >= 2
    products["GlobalSecondaryIndexes"] = [i for i in products["GlobalSecondaryIndexes"] if i not in removed]
    products["GlobalSecondaryIndexes"].append({"IndexName": "old-index", "KeySchema": [{"AttributeName": "old_key", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}})
    products["AttributeDefinitions"].append({"AttributeName": "old_key", "AttributeType": "S"})
    deployed["Resources"]["TableProducts"]["Properties"]["Tags"] = []  # another change: it goes with the first step

    steps = stack.index_steps(deployed=deployed, target=target)
    assert len(steps) == len(removed) + 1 and steps[-1] == target  # one step per index created or deleted
    assert steps[0]["Resources"]["TableProducts"]["Properties"]["Tags"] == target["Resources"]["TableProducts"]["Properties"]["Tags"]
    previous = set(_indexes(deployed))
    for step in steps:
        now = set(_indexes(step))
        assert len(now ^ previous) == 1, (previous, now)  # exactly one index created or deleted
        properties = step["Resources"]["TableProducts"]["Properties"]
        used = {key["AttributeName"] for key in properties["KeySchema"]}
        used |= {key["AttributeName"] for index in properties["GlobalSecondaryIndexes"] for key in index["KeySchema"]}
        assert {d["AttributeName"] for d in properties["AttributeDefinitions"]} == used  # DynamoDB wants exactly these
        for other in ("TableOrders", "TableCustomers"):  # untouched tables are as in the target
            assert step["Resources"][other] == target["Resources"][other]
        previous = now
    assert "old-index" in _indexes(steps[-2]) and "old-index" not in _indexes(steps[-1])  # new indexes first, old ones last


def test_a_stack_with_nothing_to_step_is_one_update_and_a_redefined_index_is_refused():
    import copy

    target = committed_stack("dev")
    assert stack.index_steps(deployed=target, target=target) == [target]
    assert stack.index_steps(deployed={"Resources": {}}, target=target) == [target]  # new tables come whole
    deployed = copy.deepcopy(target)
    deployed["Resources"]["TableProducts"]["Properties"]["GlobalSecondaryIndexes"][0]["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    with pytest.raises(ValueError, match="new name"):
        stack.index_steps(deployed=deployed, target=target)


def test_post_deploy_maps_each_stream_the_stack_outputs_to_the_function_once():
    """The tallies and spread stock follow the tables' streams: the callback maps each stream the stack names,
    with a failure destination, and leaves an existing mapping alone (checked against botocore's Lambda model)."""
    import boto3
    from botocore.stub import Stubber

    from shopsite import zappa_callbacks

    template = committed_stack("dev")
    streams = sorted(key for key in template["Outputs"] if key.endswith("StreamArn"))
    assert streams == ["TableOrdersStreamArn", "TableStockBucketsStreamArn"]
    outputs = {"AlarmTopicArn": "arn:aws:sns:us-east-1:123456789012:shopsite-dev-alarms",
               "TableOrdersStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/shopsite-dev-orders/stream/2026-01-01T00:00:00.000",
               "TableStockBucketsStreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/shopsite-dev-stock-buckets/stream/2026-01-01T00:00:00.000"}
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("list_event_source_mappings", {"EventSourceMappings": [{"UUID": "00000000-0000-4000-8000-000000000001"}]},
                          {"FunctionName": "shopsite-dev", "EventSourceArn": outputs["TableOrdersStreamArn"]})
        stub.add_response("list_event_source_mappings", {"EventSourceMappings": []},
                          {"FunctionName": "shopsite-dev", "EventSourceArn": outputs["TableStockBucketsStreamArn"]})
        stub.add_response("create_event_source_mapping", {"UUID": "00000000-0000-4000-8000-000000000002"}, {
            "FunctionName": "shopsite-dev", "EventSourceArn": outputs["TableStockBucketsStreamArn"], "Enabled": True,
            "DestinationConfig": {"OnFailure": {"Destination": outputs["AlarmTopicArn"]}}, **zappa_callbacks.STREAM_MAPPING})
        mapped = zappa_callbacks.stream_mappings_ensure(lambda_client=client, function_name="shopsite-dev", outputs=outputs)
        stub.assert_no_pending_responses()
    assert len(mapped) == 2
    role = template["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    [streams_statement] = [statement for statement in role if statement["Sid"] == "Streams"]
    assert "dynamodb:GetRecords" in streams_statement["Action"] and len(streams_statement["Resource"]) == 2


def test_a_package_is_built_only_by_the_runtimes_own_python(tmp_path):
    """The runtime is one setting: `make package` refuses an interpreter of another version than it names."""
    import shutil

    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    config = json.loads((ROOT / "zappa_settings.json").read_text())
    ours = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for runtime, refused in ((ours, False), ("python3.13" if ours != "python3.13" else "python3.12", True)):
        config["base"]["runtime"] = runtime
        (tmp_path / "zappa_settings.json").write_text(json.dumps(config))
        result = subprocess.run(["make", "--no-print-directory", "runtime-check", f"PYTHON={sys.executable}"],
                                cwd=tmp_path, capture_output=True, text=True)
        assert (result.returncode != 0) is refused, result.stderr
        if refused:
            assert f"the Lambda runtime is {runtime}" in result.stderr


def test_post_deploy_throttles_the_http_api_logs_its_access_and_alarms_on_its_errors():
    """The stage gets route throttling from the stage's settings and a
    JSON access log into the stack's log group; the two API alarms go to the alarm topic, idempotently."""
    import boto3
    from botocore.stub import Stubber
    from moto import mock_aws

    from shopsite import zappa_callbacks

    config = json.loads((ROOT / "zappa_settings.json").read_text())
    for stage in STAGES:
        merged = {**config["base"], **config[stage]}
        assert merged["lambda_concurrency"] >= 1  # reserved concurrency: Zappa applies it on deploy and update
        assert 0 < merged["http_api_throttle_rate"] <= merged["http_api_throttle_burst"]
    outputs = committed_stack("production")["Outputs"]
    assert "ApiAccessLogGroupArn" in outputs
    log_group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/shopsite-production:*"
    api = boto3.client("apigatewayv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(api) as stub:  # moto has no UpdateStage for HTTP APIs: checked against botocore's model instead
        stub.add_response("update_stage", {}, {
            "ApiId": "abc123", "StageName": "production",
            "DefaultRouteSettings": {"ThrottlingRateLimit": 200.0, "ThrottlingBurstLimit": 400},
            "AccessLogSettings": {"DestinationArn": log_group.removesuffix(":*"),
                                  "Format": json.dumps(zappa_callbacks.ACCESS_LOG_FORMAT, separators=(",", ":"))}})
        limits = zappa_callbacks.http_api_limits_ensure(
            apigatewayv2=api, api_id="abc123", stage="production", settings={**config["base"], **config["production"]},
            log_group_arn=log_group)
        stub.assert_no_pending_responses()
    assert limits == {"rate": 200.0, "burst": 400, "access_log": True}
    assert zappa_callbacks.ACCESS_LOG_FORMAT["status"] == "$context.status"
    with mock_aws():
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
        api_id = "abc123"
        topic = "arn:aws:sns:us-east-1:123456789012:shopsite-production-alarms"
        for _ in range(2):
            names = zappa_callbacks.http_api_alarms_ensure(cloudwatch=cloudwatch, api_id=api_id, stage="production",
                                                           function_name="shopsite-production", topic_arn=topic,
                                                           timeout_seconds=29)
        alarms = cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
        assert sorted(a["AlarmName"] for a in alarms) == ["shopsite-production-api-5xx-rate", "shopsite-production-api-latency"]
        assert all(a["AlarmActions"] == [topic] for a in alarms)


@pytest.mark.parametrize("stage", STAGES)
def test_each_table_has_its_own_throttle_alarm_and_the_optional_key_reaches_tables_and_logs(stage):
    resources = committed_stack(stage)["Resources"]
    tables = [r["Properties"]["TableName"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    throttle_alarms = [r for name, r in resources.items() if name.startswith("AlarmThrottles")]
    assert len(throttle_alarms) == len(tables) and len(tables) > 10
    for table in resources.values():
        if table["Type"] == "AWS::DynamoDB::Table":
            with_key, without = table["Properties"]["SSESpecification"]["Fn::If"][1:]
            assert with_key["KMSMasterKeyId"] == {"Ref": "KmsKeyArn"} and without == {"SSEEnabled": True}
    for group in ("LogGroup", "ApiAccessLogGroup"):
        assert resources[group]["Properties"]["KmsKeyId"]["Fn::If"][0] == "HasKmsKey"
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}  # always CloudWatch-usable


@pytest.mark.parametrize("stage", STAGES)
def test_the_key_reaches_the_assets_bucket_only_behind_cloudfront_where_no_one_reads_it_anonymously(stage):
    template = committed_stack(stage)
    resources = template["Resources"]
    assert template["Conditions"]["AssetsOnKms"] == {"Fn::And": [{"Condition": "HasKmsKey"}, {"Condition": "HasEdge"}]}
    [rule] = resources["AssetsBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    condition, with_key, without = rule["Fn::If"]
    assert condition == "AssetsOnKms"
    assert with_key["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "KmsKeyArn"}}
    assert without["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    statements = resources["AssetsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [public] = [st for st in statements if "Fn::If" in st and st["Fn::If"][0] == "AssetsOnKms"]
    assert public["Fn::If"][1] == {"Ref": "AWS::NoValue"} and public["Fn::If"][2]["Principal"] == "*"
    grant = resources["ExecutionRoleAssetsKey"]
    assert grant["Condition"] == "AssetsOnKms"
    [statement] = grant["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == {"Ref": "KmsKeyArn"} and "s3." in statement["Condition"]["StringEquals"]["kms:ViaService"]["Fn::Sub"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_deployer_reaches_nothing_outside_the_stage_but_what_iam_takes_only_on_star(stage):
    star_only = {"events:ListRuleNamesByTarget", "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                 "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                 "logs:DescribeResourcePolicies", "logs:DescribeLogGroups", "cloudformation:DescribeStacks",
                 "lambda:ListEventSourceMappings", "lambda:CreateEventSourceMapping"}
    policy = committed_stack(stage)["Resources"]["DeployerPolicy"]["Properties"]["PolicyDocument"]
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if "*" in resources:
            assert set(actions) <= star_only, statement
        else:
            scope = json.dumps({"Resource": statement["Resource"], "Condition": statement.get("Condition")})
            assert any(name in scope for name in (f"shopsite-{stage}", "shopsite-deploy-artifacts", "/apis", "ExecutionRole")), \
                statement  # the stage's own resources (or its function, by condition), the artifacts bucket, its API


@pytest.mark.parametrize("stage", STAGES)
def test_cloudfront_serves_assets_through_oac_and_caches_only_what_is_safe(stage):
    from shopsite import edge

    resources = committed_stack(stage)["Resources"]
    config = resources["EdgeDistribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert origins["assets"]["OriginAccessControlId"] == {"Fn::GetAtt": ["EdgeOriginAccessControl", "Id"]}
    assert origins["assets"]["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert resources["EdgeOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    assert origins["site"]["OriginPath"] == f"/{stage}" and origins["site"]["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origins["site"]["OriginCustomHeaders"] == [{"HeaderName": "X-Shopsite-Edge", "HeaderValue": {"Ref": "EdgeSecret"}}]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    for assets in ("/static/*", "/media/*"):
        assert behaviours[assets]["TargetOriginId"] == "assets" and behaviours[assets]["Compress"] is True
        assert behaviours[assets]["CachePolicyId"] == stack.CACHING_OPTIMIZED  # long lifetimes for hashed names
    for path in ("/cart/*", "/checkout/*", "/account/*", "/staff/*", "/payments/*", "/api/*", "/graphql", "/orders/*",
                 "/fr/cart/*", "/fr/checkout/*", "/fr/account/*", "/fr/orders/*", "/fr/payments/*"):
        assert behaviours[path]["CachePolicyId"] == {"Ref": "EdgePassThroughCachePolicy"}, path
    never = resources["EdgePassThroughCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert never["DefaultTTL"] == 0 and never["MinTTL"] == 0
    catalog = resources["EdgeCatalogCachePolicy"]["Properties"]["CachePolicyConfig"]
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == {"Ref": "EdgeCatalogCachePolicy"}
    assert catalog["DefaultTTL"] == 0 and catalog["MinTTL"] == 0  # only what Django marks public (s-maxage)
    key_cookies = catalog["ParametersInCacheKeyAndForwardedToOrigin"]["CookiesConfig"]["Cookies"]
    assert set(key_cookies) == set(edge.shop_cookie_names())  # cached pages only for visitors without them
    request_policy = resources["EdgeSiteRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
    assert "CloudFront-Viewer-Address" in request_policy["HeadersConfig"]["Headers"]
    assert len(request_policy["HeadersConfig"]["Headers"]) <= 10 and "Host" not in request_policy["HeadersConfig"]["Headers"]
    policy = resources["AssetsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    [oac] = [st["Fn::If"][1] for st in policy if "Fn::If" in st and st["Fn::If"][0] == "HasEdge"]
    assert oac["Principal"] == {"Service": "cloudfront.amazonaws.com"} and "EdgeDistribution" in json.dumps(oac["Condition"])
    assert config["ViewerCertificate"]["Fn::If"][1]["MinimumProtocolVersion"] == "TLSv1.2_2021"


def _concrete(value, *, stage):
    """A policy with CloudFormation's functions replaced by plausible values, for parliament to read."""
    if isinstance(value, dict):
        if "Fn::Sub" in value:
            return (value["Fn::Sub"].replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1")
                    .replace("${AWS::AccountId}", "123456789012").replace("${EdgeDistribution}", "E123"))
        if "Fn::GetAtt" in value:
            return f"arn:aws:iam::123456789012:role/shopsite-{stage}-lambda"
        if "Ref" in value:
            return "arn:aws:kms:us-east-1:123456789012:key/0000"
        if "Fn::If" in value:
            return _concrete(value["Fn::If"][1], stage=stage)
        return {key: _concrete(item, stage=stage) for key, item in value.items()}
    if isinstance(value, list):
        return [_concrete(item, stage=stage) for item in value]
    return value


@pytest.mark.parametrize("stage", STAGES)
def test_parliament_finds_nothing_in_the_stacks_iam_policies(stage):
    """duo-labs' parliament (IAM linter): unknown actions, resource formats an action cannot take, malformed
    conditions — in the execution role, the deployer's policy and the optional key policy."""
    from parliament import analyze_policy_string

    resources = committed_stack(stage)["Resources"]
    documents = {"execution role": resources["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"],
                 "deployer": resources["DeployerPolicy"]["Properties"]["PolicyDocument"],
                 "tables key": resources["ExecutionRoleTablesKey"]["Properties"]["PolicyDocument"],
                 "assets key": resources["ExecutionRoleAssetsKey"]["Properties"]["PolicyDocument"]}
    for name, document in documents.items():
        findings = analyze_policy_string(json.dumps(_concrete(document, stage=stage))).findings
        assert not findings, (name, [(finding.issue, finding.detail) for finding in findings])
