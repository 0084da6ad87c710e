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
