"""Zappa's ``post`` callback: settings Zappa itself cannot make, applied after every deploy and update.

Zappa 0.63 runs this in the operator's Zappa environment (boto3 only, no
Django) after ``zappa deploy`` and ``zappa update``, with the CLI object.

Lambda's log format: JSON, with the system log level at WARN. At the default
(text, INFO) Lambda writes START, END and REPORT lines for every invocation,
about 300 bytes that CloudWatch Logs bills at $0.50/GB, more than the page's
own Lambda duration costs. At WARN it writes only platform warnings (timeouts,
crashes); Lambda's Duration, Errors and Invocations metrics do not come from
those lines and stay. The application level is TRACE so that Lambda passes on
whatever the app writes: the app's own ``LOG_LEVEL`` decides (see
``shopsite.middleware.RequestLogMiddleware``). ``zappa update`` leaves the
setting alone (it sends no LoggingConfig), and this callback sets it again anyway.
"""
import json

LOGGING_CONFIG = {"LogFormat": "JSON", "ApplicationLogLevel": "TRACE", "SystemLogLevel": "WARN"}


def lambda_logging(cli) -> None:
    """Set the deployed function's log format and levels (idempotent)."""
    function_logging_set(lambda_client=cli.zappa.lambda_client, function_name=cli.lambda_name,
                         wait=cli.zappa.wait_until_lambda_function_is_updated)
    print(f"Lambda logs for {cli.lambda_name}: JSON, system level WARN (no START/END/REPORT lines)")


def function_logging_set(*, lambda_client, function_name: str, wait) -> dict:
    """Apply LOGGING_CONFIG once the function has finished its previous update; return Lambda's answer."""
    wait(function_name=function_name)
    return lambda_client.update_function_configuration(FunctionName=function_name, LoggingConfig=LOGGING_CONFIG)


# Stream batches: the tallies and the shown stock of spread products follow the tables' streams
# (shopsite.streams). A failing batch is split to find the bad record, retried, then reported to the
# alarm topic; check_integrity repairs what a dropped batch missed. A new mapping starts at the
# stream's newest record: on an upgrade, changes the previous release already tallied in its own
# transactions are not counted twice (run ``check_integrity --fix`` once after upgrading).
STREAM_MAPPING = {"StartingPosition": "LATEST", "BatchSize": 100, "MaximumBatchingWindowInSeconds": 1,
                  "BisectBatchOnFunctionError": True, "MaximumRetryAttempts": 10, "MaximumRecordAgeInSeconds": 86400}


def post_deploy(cli) -> None:
    """Zappa's ``post`` callback: the log settings, the streams' event source mappings, then the HTTP API's
    limits, access log and alarms."""
    lambda_logging(cli)
    outputs = stack_outputs(cloudformation=cli.zappa.cf_client, stack=f"{cli.lambda_name}-base")
    for arn in stream_mappings_ensure(lambda_client=cli.zappa.lambda_client, function_name=cli.lambda_name,
                                      outputs=outputs):
        print(f"Stream mapped to {cli.lambda_name}: {arn.split(':table/', 1)[-1]}")
    api_id = http_api_id(cloudformation=cli.zappa.cf_client, function_name=cli.lambda_name)
    if api_id is None:
        print(f"No HTTP API for {cli.lambda_name}: route throttling, access log and API alarms not set")
        return
    session = cli.zappa.boto_session
    limits = http_api_limits_ensure(apigatewayv2=session.client("apigatewayv2"), api_id=api_id, stage=cli.api_stage,
                                    settings=cli.stage_config, log_group_arn=outputs.get("ApiAccessLogGroupArn"))
    print(f"HTTP API {api_id} stage {cli.api_stage}: {limits['rate']} requests/s, burst {limits['burst']}, "
          f"access log {'on' if limits['access_log'] else 'off'}")
    alarms = http_api_alarms_ensure(cloudwatch=session.client("cloudwatch"), api_id=api_id, stage=cli.api_stage,
                                    function_name=cli.lambda_name, topic_arn=outputs.get("AlarmTopicArn"),
                                    timeout_seconds=int(cli.stage_config.get("timeout_seconds", 29)))
    print(f"HTTP API alarms: {', '.join(alarms)}")


# Route throttling on the HTTP API's stage: what one stage takes before API Gateway answers 429, so a bot cannot
# spend the owner's money without bound. Each stage may set its own in zappa_settings.json.
API_THROTTLE_RATE, API_THROTTLE_BURST = 100, 200
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId", "time": "$context.requestTime", "ip": "$context.identity.sourceIp",
    "method": "$context.httpMethod", "path": "$context.path", "status": "$context.status",
    "bytes": "$context.responseLength", "ms": "$context.responseLatency",
    "integrationMs": "$context.integrationLatency", "error": "$context.integrationErrorMessage",
}


def http_api_id(*, cloudformation, function_name: str) -> str | None:
    """The id of the HTTP API in Zappa's stack for *function_name* (its logical id is ApiV2), or None."""
    try:
        resource = cloudformation.describe_stack_resource(StackName=function_name, LogicalResourceId="ApiV2")
    except Exception:  # noqa: BLE001 - no stack, or no API in it (apigateway_enabled: false)
        return None
    return resource["StackResourceDetail"].get("PhysicalResourceId") or None


def http_api_limits_ensure(*, apigatewayv2, api_id: str, stage: str, settings: dict, log_group_arn: str | None) -> dict:
    """Route throttling (rate and burst) and, when the stack made its log group, a JSON access log on *stage*."""
    rate = float(settings.get("http_api_throttle_rate", API_THROTTLE_RATE))
    burst = int(settings.get("http_api_throttle_burst", API_THROTTLE_BURST))
    changes = {"DefaultRouteSettings": {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}}
    if log_group_arn:
        changes["AccessLogSettings"] = {"DestinationArn": log_group_arn.removesuffix(":*"),
                                        "Format": json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":"))}
    apigatewayv2.update_stage(ApiId=api_id, StageName=stage, **changes)
    return {"rate": rate, "burst": burst, "access_log": bool(log_group_arn)}


def http_api_alarms_ensure(*, cloudwatch, api_id: str, stage: str, function_name: str, topic_arn: str | None,
                           timeout_seconds: int) -> list[str]:
    """The API's own alarms (its id is known only after Zappa made it): a 5xx rate over 1 % and a p99 latency
    near the timeout. put_metric_alarm replaces an alarm of the same name, so every deploy may run this."""
    actions = {"AlarmActions": [topic_arn], "OKActions": [topic_arn]} if topic_arn else {}
    dimensions = [{"Name": "ApiId", "Value": api_id}, {"Name": "Stage", "Value": stage}]
    stat = lambda name, statistic: {"Metric": {"Namespace": "AWS/ApiGateway", "MetricName": name,  # noqa: E731
                                               "Dimensions": dimensions}, "Period": 300, "Stat": statistic}
    names = [f"{function_name}-api-5xx-rate", f"{function_name}-api-latency"]
    cloudwatch.put_metric_alarm(
        AlarmName=names[0], AlarmDescription="More than 1% of the HTTP API's requests answered 5xx over 5 minutes.",
        Metrics=[{"Id": "errors", "MetricStat": stat("5xx", "Sum"), "ReturnData": False},
                 {"Id": "requests", "MetricStat": stat("Count", "Sum"), "ReturnData": False},
                 {"Id": "rate", "Expression": "IF(requests > 20, 100 * errors / requests, 0)", "Label": "5xx %",
                  "ReturnData": True}],
        ComparisonOperator="GreaterThanThreshold", Threshold=1, EvaluationPeriods=1, TreatMissingData="notBreaching",
        **actions)
    cloudwatch.put_metric_alarm(
        AlarmName=names[1], AlarmDescription=f"The HTTP API's p99 latency is near the {timeout_seconds} s timeout.",
        Namespace="AWS/ApiGateway", MetricName="Latency", Dimensions=dimensions, ExtendedStatistic="p99", Period=300,
        ComparisonOperator="GreaterThanThreshold", Threshold=timeout_seconds * 1000 * 0.8, EvaluationPeriods=2,
        TreatMissingData="notBreaching", **actions)
    return names


def stack_outputs(*, cloudformation, stack: str) -> dict[str, str]:
    stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    return {output["OutputKey"]: output["OutputValue"] for output in stacks[0].get("Outputs", [])}


def stream_mappings_ensure(*, lambda_client, function_name: str, outputs: dict[str, str]) -> list[str]:
    """Map every stream the stack outputs (``…StreamArn``) to the function, once; return the stream ARNs."""
    streams = [value for key, value in outputs.items() if key.endswith("StreamArn")]
    destination = {"OnFailure": {"Destination": outputs["AlarmTopicArn"]}} if outputs.get("AlarmTopicArn") else {}
    for arn in streams:
        existing = lambda_client.list_event_source_mappings(FunctionName=function_name, EventSourceArn=arn)
        if existing.get("EventSourceMappings"):
            continue
        lambda_client.create_event_source_mapping(FunctionName=function_name, EventSourceArn=arn, Enabled=True,
                                                  DestinationConfig=destination, **STREAM_MAPPING)
    return streams
