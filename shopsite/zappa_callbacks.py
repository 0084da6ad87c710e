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
    """Zappa's ``post`` callback: the log settings, then the streams' event source mappings."""
    lambda_logging(cli)
    outputs = stack_outputs(cloudformation=cli.zappa.cf_client, stack=f"{cli.lambda_name}-base")
    for arn in stream_mappings_ensure(lambda_client=cli.zappa.lambda_client, function_name=cli.lambda_name,
                                      outputs=outputs):
        print(f"Stream mapped to {cli.lambda_name}: {arn.split(':table/', 1)[-1]}")


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
