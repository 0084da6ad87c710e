"""Reading secrets in production without keeping them in the repository."""
import os


def secret_from_environment(name: str) -> str:
    """Return the variable *name*, or fetch the SSM SecureString named by ``<name>_PARAMETER``.

    The SSM read happens once per cold start, and only for a secret kept in SSM.
    """
    value = os.environ.get(name, "")
    parameter = os.environ.get(f"{name}_PARAMETER", "")
    if value or not parameter:
        return value
    import boto3

    client = boto3.client("ssm", region_name=os.environ.get("AWS_REGION", "us-east-1"))
    return client.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]


def secret_key_from_environment() -> str:
    """Return DJANGO_SECRET_KEY, or the SSM SecureString named by DJANGO_SECRET_KEY_PARAMETER."""
    return secret_from_environment("DJANGO_SECRET_KEY")
