"""Reading the Django secret key in production without keeping it in the repository."""
import os


def secret_key_from_environment() -> str:
    """Return DJANGO_SECRET_KEY, or fetch the SSM SecureString named by DJANGO_SECRET_KEY_PARAMETER.

    The SSM read happens once per cold start.
    """
    key = os.environ.get("DJANGO_SECRET_KEY", "")
    parameter = os.environ.get("DJANGO_SECRET_KEY_PARAMETER", "")
    if key or not parameter:
        return key
    import boto3

    client = boto3.client("ssm", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return client.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
