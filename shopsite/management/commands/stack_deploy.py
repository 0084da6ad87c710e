import json
import secrets

from django.core.management.base import BaseCommand, CommandError

from shopsite.stack import index_steps, stack_template, stage_config


class Command(BaseCommand):
    help = (
        "Create or update the stage's CloudFormation stack (tables, bucket, roles, alarms, backups, domain) "
        "and make sure the Django secret key exists in SSM. Run it from an operator's machine before "
        "`zappa deploy` and after every model change."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stage", required=True)
        # A flag left out keeps the value the stack has (CloudFormation's UsePreviousValue); give it as "" to clear it.
        parser.add_argument("--alarm-email", default=None, help="Where alarms go (kept from the last run when left out).")
        parser.add_argument("--custom-domain", default=None, help="Kept from the last run when left out.")
        parser.add_argument("--certificate-arn", default=None, help="Kept from the last run when left out.")
        parser.add_argument("--kms-key-arn", default=None,
                            help="A customer-managed KMS key for the tables and log groups; kept from the last run when left out.")
        parser.add_argument("--http-api-id", default=None,
                            help="The HTTP API Zappa created (to map the custom domain); kept from the last run when left out.")

    def handle(self, *args, stage, alarm_email, custom_domain, certificate_arn, http_api_id, kms_key_arn, **options):
        import boto3

        try:
            config = stage_config(stage)
        except KeyError as error:
            raise CommandError(str(error)) from error
        region = config["aws_region"]
        parameter = config["environment_variables"]["DJANGO_SECRET_KEY_PARAMETER"]
        ssm = boto3.client("ssm", region_name=region)
        try:
            ssm.get_parameter(Name=parameter)
            self.stdout.write(f"Secret key parameter {parameter}: already there")
        except ssm.exceptions.ParameterNotFound:
            ssm.put_parameter(Name=parameter, Type="SecureString", Value=secrets.token_urlsafe(50), Overwrite=False)
            self.stdout.write(f"Secret key parameter {parameter}: created (random, never shown)")

        # The secret CloudFront sends the site (X-Shopsite-Edge), so that only its viewer address is trusted:
        # made once, kept in SSM beside the secret key, handed to the stack as a NoEcho parameter, never printed.
        edge_parameter = config["environment_variables"]["EDGE_SECRET_PARAMETER"]
        try:
            edge_secret = ssm.get_parameter(Name=edge_parameter, WithDecryption=True)["Parameter"]["Value"]
            self.stdout.write(f"Edge secret parameter {edge_parameter}: already there")
        except ssm.exceptions.ParameterNotFound:
            edge_secret = secrets.token_urlsafe(32)
            ssm.put_parameter(Name=edge_parameter, Type="SecureString", Value=edge_secret, Overwrite=False)
            self.stdout.write(f"Edge secret parameter {edge_parameter}: created (random, never shown)")

        cloudformation = boto3.client("cloudformation", region_name=region)
        name = f"{config['project_name']}-{stage}-base"
        values = {"AlarmEmail": alarm_email, "CustomDomain": custom_domain, "CertificateArn": certificate_arn,
                  "HttpApiId": http_api_id, "KmsKeyArn": kms_key_arn, "EdgeSecret": edge_secret}
        try:
            previous = {parameter["ParameterKey"]
                        for parameter in cloudformation.describe_stacks(StackName=name)["Stacks"][0].get("Parameters", [])}
            exists = True
        except cloudformation.exceptions.ClientError:
            previous, exists = set(), False
        request = {
            "StackName": name,
            "TemplateBody": json.dumps(stack_template(stage=stage), separators=(",", ":")),
            "Parameters": [{"ParameterKey": key, "UsePreviousValue": True} if value is None and key in previous
                           else {"ParameterKey": key, "ParameterValue": value or ""} for key, value in values.items()],
            "Capabilities": ["CAPABILITY_NAMED_IAM"],
            "Tags": [{"Key": "shopsite:stage", "Value": stage}],
        }
        if not exists:
            cloudformation.create_stack(**request, EnableTerminationProtection=stage == "production")
            self.stdout.write(f"Stack {name}: creating…")
            cloudformation.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
            self.stdout.write(f"Stack {name}: created")
            return self._outputs(cloudformation, name)
        deployed = cloudformation.get_template(StackName=name)["TemplateBody"]
        try:
            steps = index_steps(deployed=json.loads(deployed) if isinstance(deployed, str) else deployed,
                                target=stack_template(stage=stage))
        except ValueError as error:
            raise CommandError(str(error)) from error
        for number, template in enumerate(steps, start=1):
            label = f" (step {number} of {len(steps)}: one index per table at a time)" if len(steps) > 1 else ""
            try:
                cloudformation.update_stack(**{**request, "TemplateBody": json.dumps(template, separators=(",", ":"))})
            except cloudformation.exceptions.ClientError as error:
                if "No updates are to be performed" not in str(error):
                    raise
                self.stdout.write(f"Stack {name}: no changes{label}")
                continue
            self.stdout.write(f"Stack {name}: updating{label}…")
            cloudformation.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
            self.stdout.write(f"Stack {name}: updated{label}")
        self._outputs(cloudformation, name)

    def _outputs(self, cloudformation, name):
        stack = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
        for output in stack.get("Outputs", []):
            self.stdout.write(f"  {output['OutputKey']}: {output['OutputValue']}")
