"""The CloudFormation stack for what Zappa does not create, generated per stage.

Tables come from the same model registry that ``create_tables`` reads, so a
new model or index shows up here (and in the execution role's policy) without
anyone editing JSON. Stage facts (table prefix, bucket, role name, function
name) come from ``zappa_settings.json``. ``manage.py stack_template`` writes
the result to ``deploy/stack-<stage>.json``; a test fails when the committed
file and the code disagree, and cfn-lint checks both stages.
"""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from pynamodb.attributes import TTLAttribute

from shopsite import dynamodb, tables
from shopsite.compat.pynamodb import index_names

BACKUP_RETENTION_DAYS = 35
PROTECTED_STAGES = {"production"}


def stage_config(stage: str) -> dict:
    """Return the merged Zappa settings of *stage* (``extends`` followed once)."""
    config = json.loads((Path(settings.BASE_DIR) / "zappa_settings.json").read_text())
    if stage not in config:
        raise KeyError(f"No stage {stage!r} in zappa_settings.json")
    merged = dict(config.get(config[stage].get("extends", ""), {}))
    for key, value in config[stage].items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            value = {**merged[key], **value}
        merged[key] = value
    return merged


def _logical(base_name: str) -> str:
    return "Table" + "".join(part.capitalize() for part in base_name.split("-"))


def _sub(text: str) -> dict:
    return {"Fn::Sub": text}


def _table_arn(name: str) -> dict:
    return _sub(f"arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{name}")


def _table_resource(model, *, prefix: str, protected: bool) -> dict:
    request = tables.table_request(model)
    properties = {
        "TableName": f"{prefix}{model.Meta.base_table_name}",
        "AttributeDefinitions": request["AttributeDefinitions"],
        "KeySchema": request["KeySchema"],
        "BillingMode": "PAY_PER_REQUEST",
        # The stage's customer-managed key when KmsKeyArn is given, else the AWS-managed aws/dynamodb key.
        "SSESpecification": {"Fn::If": ["HasKmsKey", {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "KmsKeyArn"}},
                                        {"SSEEnabled": True}]},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": protected,
        "Tags": [{"Key": "shopsite:backup", "Value": "daily"}],
    }
    if "GlobalSecondaryIndexes" in request:
        properties["GlobalSecondaryIndexes"] = request["GlobalSecondaryIndexes"]
    if "StreamSpecification" in request:
        properties["StreamSpecification"] = {"StreamViewType": request["StreamSpecification"]["StreamViewType"]}
    ttl = next((a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)), None)
    if ttl:
        properties["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    policy = "Retain" if protected else "Delete"
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy, "UpdateReplacePolicy": policy, "Properties": properties}


def _alarm(name: str, description: str, *, metric: dict | None = None, metrics: list | None = None,
           threshold: float, periods: int = 1) -> dict:
    properties = {
        "AlarmName": name,
        "AlarmDescription": description,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "Threshold": threshold,
        "EvaluationPeriods": periods,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        "OKActions": [{"Ref": "AlarmTopic"}],
    }
    if metric:
        properties.update(metric)
    else:
        properties["Metrics"] = metrics
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def _app_metric(name: str, stat: str = "Sum") -> dict:
    return {
        "Namespace": settings.METRICS_NAMESPACE, "MetricName": name, "Statistic": stat, "Period": 300,
        "Dimensions": [{"Name": "service", "Value": settings.METRICS_SERVICE}],
    }


# CloudFront's managed policies (the same ids in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
# Paths whose answers are per-visitor or have effects: never cached at the edge.
# The shopper's ones exist once per language: English at the root, the others under their prefix (/fr/cart/...).
_SHOPPER_DYNAMIC_PATHS = ("/cart/*", "/checkout/*", "/account/*", "/orders/*", "/payments/*")
EDGE_DYNAMIC_PATHS = (*_SHOPPER_DYNAMIC_PATHS, "/staff/*", "/api/*", "/graphql",
                      *(f"/{code}{path}" for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE
                        for path in _SHOPPER_DYNAMIC_PATHS))
# What the site's origin gets of a request (CloudFront allows 10 headers): forms, CSRF, GraphQL, conditional
# refreshes, Stripe's signature, and the viewer's address (shopsite.clients). Authorization goes in the
# dynamic paths' cache key instead, as CloudFront requires.
EDGE_ORIGIN_HEADERS = ["Accept", "Content-Type", "Origin", "Referer", "X-CSRFToken", "X-Refresh", "If-None-Match",
                       "Stripe-Signature", "CloudFront-Viewer-Address"]
EDGE_CACHE_COOKIES = ["sessionid", "csrftoken", "cart_count", "messages"]  # shopsite.edge.shop_cookie_names()


def _edge(resources: dict, *, function: str, stage: str, bucket: str) -> None:
    """CloudFront in front (created once the HTTP API exists: HttpApiId): static files and media from the bucket
    through origin access control; catalog pages cached only as Django marks them (shopsite.edge); every
    per-visitor path passed through uncached; the custom domain on the distribution."""
    site = {"CookiesConfig": {"CookieBehavior": "all"}, "QueryStringsConfig": {"QueryStringBehavior": "all"}}
    resources["EdgeOriginAccessControl"] = {"Type": "AWS::CloudFront::OriginAccessControl", "Condition": "HasEdge",
                                            "Properties": {"OriginAccessControlConfig": {
                                                "Name": f"{function}-assets", "OriginAccessControlOriginType": "s3",
                                                "SigningBehavior": "always", "SigningProtocol": "sigv4"}}}
    resources["EdgeSiteRequestPolicy"] = {"Type": "AWS::CloudFront::OriginRequestPolicy", "Condition": "HasEdge",
                                          "Properties": {"OriginRequestPolicyConfig": {
                                              "Name": f"{function}-site", **site,
                                              "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": EDGE_ORIGIN_HEADERS}}}}
    resources["EdgeCatalogCachePolicy"] = {"Type": "AWS::CloudFront::CachePolicy", "Condition": "HasEdge", "Properties": {
        "CachePolicyConfig": {
            "Name": f"{function}-catalog", "Comment": "Only what Django marks public (s-maxage); keyed by the shop's cookies",
            "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 3600,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True,
                "CookiesConfig": {"CookieBehavior": "whitelist", "Cookies": EDGE_CACHE_COOKIES},
                "HeadersConfig": {"HeaderBehavior": "none"}, "QueryStringsConfig": {"QueryStringBehavior": "all"}}}}}
    resources["EdgePassThroughCachePolicy"] = {"Type": "AWS::CloudFront::CachePolicy", "Condition": "HasEdge", "Properties": {
        "CachePolicyConfig": {
            "Name": f"{function}-pass-through", "Comment": "Never cached (default TTL 0, Django marks these private); "
                                                          "Authorization forwarded for the APIs",
            "MinTTL": 0, "DefaultTTL": 0, "MaxTTL": 1,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True, "EnableAcceptEncodingBrotli": True, **site,
                "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]}}}}}
    site_behaviour = {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https", "Compress": True,
                      "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                      "CachedMethods": ["GET", "HEAD"], "OriginRequestPolicyId": {"Ref": "EdgeSiteRequestPolicy"}}
    assets_behaviour = {"TargetOriginId": "assets", "ViewerProtocolPolicy": "redirect-to-https", "Compress": True,
                        "AllowedMethods": ["GET", "HEAD"], "CachedMethods": ["GET", "HEAD"],
                        "CachePolicyId": CACHING_OPTIMIZED}
    resources["EdgeDistribution"] = {"Type": "AWS::CloudFront::Distribution", "Condition": "HasEdge", "Properties": {
        "DistributionConfig": {
            "Enabled": True, "Comment": f"{function}: the shop", "HttpVersion": "http2and3", "IPV6Enabled": True,
            "PriceClass": "PriceClass_100",
            "Aliases": {"Fn::If": ["HasDomain", [{"Ref": "CustomDomain"}], {"Ref": "AWS::NoValue"}]},
            "ViewerCertificate": {"Fn::If": [
                "HasDomain", {"AcmCertificateArn": {"Ref": "CertificateArn"}, "SslSupportMethod": "sni-only",
                              "MinimumProtocolVersion": "TLSv1.2_2021"},
                {"CloudFrontDefaultCertificate": True}]},
            "Origins": [
                {"Id": "site", "DomainName": _sub("${HttpApiId}.execute-api.${AWS::Region}.amazonaws.com"),
                 "OriginPath": f"/{stage}",
                 "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
                 "OriginCustomHeaders": [{"HeaderName": "X-Shopsite-Edge", "HeaderValue": {"Ref": "EdgeSecret"}}]},
                {"Id": "assets", "DomainName": {"Fn::GetAtt": ["AssetsBucket", "RegionalDomainName"]},
                 "S3OriginConfig": {"OriginAccessIdentity": ""},
                 "OriginAccessControlId": {"Fn::GetAtt": ["EdgeOriginAccessControl", "Id"]}},
            ],
            "DefaultCacheBehavior": {**site_behaviour, "CachePolicyId": {"Ref": "EdgeCatalogCachePolicy"}},
            "CacheBehaviors": [
                {**assets_behaviour, "PathPattern": "/static/*"},
                {**assets_behaviour, "PathPattern": "/media/*"},
                *({**site_behaviour, "PathPattern": path, "CachePolicyId": {"Ref": "EdgePassThroughCachePolicy"}}
                  for path in EDGE_DYNAMIC_PATHS),
            ],
        }}}


def stack_template(*, stage: str) -> dict:
    """Return the CloudFormation template of *stage* as a dict."""
    config = stage_config(stage)
    env = config["environment_variables"]
    prefix = env["DYNAMODB_TABLE_PREFIX"]
    bucket = env["STATIC_BUCKET"]
    function = f"{config['project_name']}-{stage}"
    protected = stage in PROTECTED_STAGES
    keep = "Retain" if protected else "Delete"
    models = dynamodb.models()

    resources: dict[str, dict] = {}
    table_arns, index_arns, stream_arns, stream_outputs = [], [], [], {}
    for model in models:
        logical = _logical(model.Meta.base_table_name)
        resources[logical] = _table_resource(model, prefix=prefix, protected=protected)
        name = f"{prefix}{model.Meta.base_table_name}"
        table_arns.append(_table_arn(name))
        index_arns += [_table_arn(f"{name}/index/{index}") for index in index_names(model)]
        if "StreamSpecification" in resources[logical]["Properties"]:
            stream_arns.append(_table_arn(f"{name}/stream/*"))
            stream_outputs[f"{logical}StreamArn"] = {
                "Value": {"Fn::GetAtt": [logical, "StreamArn"]},
                "Description": f"The {model.Meta.base_table_name} stream; the post-deploy callback maps it to the function."}

    resources["LogGroup"] = {
        "Type": "AWS::Logs::LogGroup", "DeletionPolicy": keep, "UpdateReplacePolicy": keep,
        "Properties": {"LogGroupName": f"/aws/lambda/{function}", "RetentionInDays": 90 if protected else 14,
                       "KmsKeyId": {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}},
    }
    # The HTTP API's access log (JSON, one line per request); the post-deploy callback points the stage at it.
    resources["ApiAccessLogGroup"] = {
        "Type": "AWS::Logs::LogGroup", "DeletionPolicy": keep, "UpdateReplacePolicy": keep,
        "Properties": {"LogGroupName": f"/aws/apigateway/{function}", "RetentionInDays": 90 if protected else 14,
                       "KmsKeyId": {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}},
    }
    resources["AssetsBucket"] = {
        "Type": "AWS::S3::Bucket", "DeletionPolicy": keep, "UpdateReplacePolicy": keep,
        "Properties": {
            "BucketName": bucket,
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            # ACLs stay blocked; the bucket policy below makes static/ and media/ public.
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False,
            },
            # The customer-managed key only when CloudFront is in front: anonymous reads (no CDN) cannot decrypt
            # SSE-KMS objects, and the public statement below goes away with it (OAC reads remain).
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"Fn::If": [
                "AssetsOnKms",
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "KmsKeyArn"}},
                 "BucketKeyEnabled": True},
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*"], "MaxAge": 86400}]},
            # Large staff exports (customer data) are private, fetched by presigned link, gone after a day.
            "LifecycleConfiguration": {"Rules": [{"Id": "ExpireExports", "Status": "Enabled", "Prefix": "exports/",
                                                  "ExpirationInDays": 1, "NoncurrentVersionExpirationInDays": 1}]},
        },
    }
    resources["AssetsBucketPolicy"] = {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": "AssetsBucket"},
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Fn::If": ["AssetsOnKms", {"Ref": "AWS::NoValue"}, {
                    "Sid": "PublicReadOfStaticAndMedia", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                    "Resource": [_sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/static/*"),
                                 _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/media/*")]}]},
                {"Fn::If": ["HasEdge", {
                    "Sid": "CloudFrontReadsStaticAndMedia", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
                    "Action": "s3:GetObject",
                    "Resource": [_sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/static/*"), _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/media/*")],
                    "Condition": {"StringEquals": {"AWS:SourceArn": _sub(
                        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${EdgeDistribution}")}}},
                    {"Ref": "AWS::NoValue"}]},
                {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                 "Resource": [_sub(f"arn:${{AWS::Partition}}:s3:::{bucket}"), _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/*")],
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            ]},
        },
    }
    secret_prefix = env["DJANGO_SECRET_KEY_PARAMETER"].rsplit("/", 1)[0]
    resources["ExecutionRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "RoleName": config["role_name"],
            "Description": f"Runs the {function} Lambda function: its tables, its bucket, its secrets, its logs.",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"},
            ]},
            "Policies": [{"PolicyName": "shopsite-runtime", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Items", "Effect": "Allow", "Action": [
                    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem"],
                 "Resource": table_arns + index_arns},
                # create_tables on Lambda only checks; the stack owns the tables' shape.
                {"Sid": "DescribeTables", "Effect": "Allow", "Action": [
                    "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:DescribeContinuousBackups"],
                 "Resource": table_arns},
                {"Sid": "AssetObjects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                 "Resource": [_sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/static/*"), _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/media/*"),
                              _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}/exports/*")]},
                {"Sid": "AssetListing", "Effect": "Allow", "Action": "s3:ListBucket",
                 "Resource": _sub(f"arn:${{AWS::Partition}}:s3:::{bucket}"),
                 "Condition": {"StringLike": {"s3:prefix": ["static/*", "media/*"]}}},
                # The streams' event source mappings read with the function's role (shopsite.streams).
                {"Sid": "Streams", "Effect": "Allow", "Action": [
                    "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                 "Resource": stream_arns},
                {"Sid": "StreamsList", "Effect": "Allow", "Action": "dynamodb:ListStreams", "Resource": "*"},  # IAM: * only
                # A stream batch that keeps failing is reported to the alarm topic (its failure destination).
                {"Sid": "StreamFailures", "Effect": "Allow", "Action": "sns:Publish",
                 "Resource": _sub(f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{function}-alarms")},
                {"Sid": "Secrets", "Effect": "Allow", "Action": "ssm:GetParameter",
                 "Resource": _sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{secret_prefix}/*")},
                {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{function}:*")},
                {"Sid": "Email", "Effect": "Allow", "Action": ["ses:SendEmail", "ses:SendRawEmail"],
                 "Resource": _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*")},
            ]}}],
        },
    }
    # With a customer-managed key, the function may use it through DynamoDB only.
    resources["ExecutionRoleTablesKey"] = {"Type": "AWS::IAM::Policy", "Condition": "HasKmsKey", "Properties": {
        "PolicyName": "shopsite-tables-key", "Roles": [{"Ref": "ExecutionRole"}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Sid": "TablesKey", "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": {"Ref": "KmsKeyArn"},
            "Condition": {"StringEquals": {"kms:ViaService": _sub("dynamodb.${AWS::Region}.amazonaws.com")}}}]},
    }}
    # ... and through S3 for the media, static files and exports it writes and reads, when the bucket uses the key.
    resources["ExecutionRoleAssetsKey"] = {"Type": "AWS::IAM::Policy", "Condition": "AssetsOnKms", "Properties": {
        "PolicyName": "shopsite-assets-key", "Roles": [{"Ref": "ExecutionRole"}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Sid": "AssetsKey", "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": {"Ref": "KmsKeyArn"},
            "Condition": {"StringEquals": {"kms:ViaService": _sub("s3.${AWS::Region}.amazonaws.com")}}}]},
    }}
    artifacts = config["s3_bucket"]
    function_arn = _sub(f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{function}")
    resources["DeployerPolicy"] = {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {
            "ManagedPolicyName": f"{function}-deployer",
            "Description": f"What `zappa deploy/update/manage/tail/undeploy {stage}` needs, and no more.",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Sid": "Function", "Effect": "Allow", "Action": [
                    "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration",
                    "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
                    "lambda:ListVersionsByFunction", "lambda:InvokeFunction", "lambda:AddPermission", "lambda:RemovePermission",
                    "lambda:GetPolicy", "lambda:TagResource", "lambda:ListTags", "lambda:PutFunctionConcurrency",
                    "lambda:DeleteFunctionConcurrency", "lambda:GetAlias", "lambda:ListFunctionUrlConfigs",
                    "lambda:DeleteFunctionUrlConfig"],
                 "Resource": [function_arn, _sub(f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{function}:*")]},
                {"Sid": "PassTheExecutionRole", "Effect": "Allow", "Action": ["iam:PassRole", "iam:GetRole"],
                 "Resource": {"Fn::GetAtt": ["ExecutionRole", "Arn"]}},
                {"Sid": "Artifacts", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:s3:::{artifacts}/*")},
                {"Sid": "ArtifactBucket", "Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation", "s3:CreateBucket"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:s3:::{artifacts}")},
                {"Sid": "ApiStack", "Effect": "Allow", "Action": [
                    "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
                    "cloudformation:DescribeStacks", "cloudformation:DescribeStackResource", "cloudformation:DescribeStackResources",
                    "cloudformation:ListStackResources", "cloudformation:GetTemplate"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{function}/*")},
                {"Sid": "HttpApi", "Effect": "Allow", "Action": ["apigateway:GET", "apigateway:POST", "apigateway:PUT", "apigateway:PATCH", "apigateway:DELETE"],
                 "Resource": [_sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis"),
                              _sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/apis/*")]},
                {"Sid": "KeepWarmSchedule", "Effect": "Allow", "Action": [
                    "events:PutRule", "events:DeleteRule", "events:DescribeRule", "events:PutTargets", "events:RemoveTargets",
                    "events:ListTargetsByRule"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:events:${{AWS::Region}}:${{AWS::AccountId}}:rule/{function}-*")},
                # Zappa calls this in every deploy, update and undeploy; IAM takes no resource for it ("*" only).
                {"Sid": "ScheduleLookup", "Effect": "Allow", "Action": "events:ListRuleNamesByTarget", "Resource": "*"},
                # The post-deploy callback: the HTTP API stage's access log (CloudWatch Logs' log delivery
                # actions take no resource) and the API's alarms, which need the API id only known after deploy.
                {"Sid": "ApiAccessLogDelivery", "Effect": "Allow", "Action": [
                    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups"], "Resource": "*"},
                {"Sid": "ApiAlarms", "Effect": "Allow", "Action": ["cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{function}-*")},
                {"Sid": "ReservedConcurrency", "Effect": "Allow", "Action": [
                    "lambda:PutFunctionConcurrency", "lambda:GetFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
                 "Resource": function_arn},
                {"Sid": "Tail", "Effect": "Allow", "Action": ["logs:FilterLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
                 "Resource": _sub(f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:/aws/lambda/{function}:*")},
                # The post-deploy callback (shopsite.zappa_callbacks) reads this stack's outputs and maps the
                # tables' streams to the function. Listing takes no resource; creating is limited to this function.
                {"Sid": "StackOutputs", "Effect": "Allow", "Action": "cloudformation:DescribeStacks",
                 "Resource": _sub(f"arn:${{AWS::Partition}}:cloudformation:${{AWS::Region}}:${{AWS::AccountId}}:stack/{function}-base/*")},
                {"Sid": "StreamMappingsList", "Effect": "Allow", "Action": "lambda:ListEventSourceMappings", "Resource": "*"},
                {"Sid": "StreamMappingsCreate", "Effect": "Allow", "Action": "lambda:CreateEventSourceMapping", "Resource": "*",
                 "Condition": {"ArnLike": {"lambda:FunctionArn": function_arn}}},
                {"Sid": "StreamMappings", "Effect": "Allow",
                 "Action": ["lambda:GetEventSourceMapping", "lambda:UpdateEventSourceMapping"],
                 "Resource": _sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:event-source-mapping:*"),
                 "Condition": {"ArnLike": {"lambda:FunctionArn": function_arn}}},
            ]},
        },
    }

    # CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed alias/aws/sns key (its policy
    # cannot be changed to let cloudwatch.amazonaws.com use it): the topic gets a customer-managed key that may.
    resources["AlarmTopicKey"] = {
        "Type": "AWS::KMS::Key", "DeletionPolicy": keep, "UpdateReplacePolicy": keep,
        "Properties": {
            "Description": f"{function}: encrypts the alarm topic; CloudWatch alarms may use it to publish",
            "EnableKeyRotation": True,
            "KeyPolicy": {"Version": "2012-10-17", "Statement": [
                {"Sid": "AccountAdministers", "Effect": "Allow",
                 "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"},
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
            ]},
        },
    }
    resources["AlarmTopic"] = {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": f"{function}-alarms", "KmsMasterKeyId": {"Ref": "AlarmTopicKey"}}}
    resources["AlarmEmailSubscription"] = {"Type": "AWS::SNS::Subscription", "Condition": "HasAlarmEmail", "Properties": {
        "TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}}
    lambda_metric = lambda name, stat="Sum": {  # noqa: E731
        "Namespace": "AWS/Lambda", "MetricName": name, "Statistic": stat, "Period": 300,
        "Dimensions": [{"Name": "FunctionName", "Value": function}],
    }
    timeout_ms = config["timeout_seconds"] * 1000
    resources["AlarmLambdaErrors"] = _alarm(f"{function}-lambda-errors", "The function raised or timed out.",
                                            metric=lambda_metric("Errors"), threshold=5)
    resources["AlarmLambdaThrottles"] = _alarm(f"{function}-lambda-throttles", "Invocations were throttled (concurrency limit).",
                                               metric=lambda_metric("Throttles"), threshold=1)
    resources["AlarmLambdaDuration"] = _alarm(
        f"{function}-lambda-duration", f"Slowest invocations near the {config['timeout_seconds']} s timeout.",
        metric={**{k: v for k, v in lambda_metric("Duration").items() if k != "Statistic"}, "ExtendedStatistic": "p99"},
        threshold=int(timeout_ms * 0.8), periods=2)
    resources["AlarmServerErrorRate"] = _alarm(
        f"{function}-5xx-rate",
        "More than 1% of invocations answered 5xx over 5 minutes (the app's ServerErrors over Lambda's Invocations).",
        metrics=[
            {"Id": "errors", "MetricStat": {"Metric": {k: v for k, v in _app_metric("ServerErrors").items() if k in ("Namespace", "MetricName", "Dimensions")},
                                            "Period": 300, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "requests", "MetricStat": {"Metric": {k: v for k, v in lambda_metric("Invocations").items() if k in ("Namespace", "MetricName", "Dimensions")},
                                              "Period": 300, "Stat": "Sum"}, "ReturnData": False},
            {"Id": "rate", "Expression": "IF(requests > 20, 100 * errors / requests, 0)", "Label": "5xx %", "ReturnData": True},
        ], threshold=1)
    resources["AlarmDynamoDBThrottles"] = _alarm(
        f"{function}-dynamodb-throttles", "DynamoDB throttled requests of any table (as seen by the app).",
        metric=_app_metric("DynamoDBThrottles"), threshold=10)
    for model in models:  # DynamoDB's own throttle metrics, per table (the app's count above sums them)
        name = f"{prefix}{model.Meta.base_table_name}"
        table_metric = lambda metric, table=name: {  # noqa: E731
            "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": metric, "Dimensions": [{"Name": "TableName", "Value": table}]},
            "Period": 300, "Stat": "Sum"}
        resources[f"AlarmThrottles{_logical(model.Meta.base_table_name)}"] = _alarm(
            f"{function}-throttles-{model.Meta.base_table_name}", f"DynamoDB throttled reads or writes of {name}.",
            metrics=[{"Id": "reads", "MetricStat": table_metric("ReadThrottleEvents"), "ReturnData": False},
                     {"Id": "writes", "MetricStat": table_metric("WriteThrottleEvents"), "ReturnData": False},
                     {"Id": "throttles", "Expression": "reads + writes", "Label": "throttle events", "ReturnData": True}],
            threshold=1)
    resources["AlarmDynamoDBErrors"] = _alarm(
        f"{function}-dynamodb-errors", "DynamoDB system errors or unreachable endpoint (as seen by the app).",
        metric=_app_metric("DynamoDBErrors"), threshold=5)

    resources["BackupVault"] = {"Type": "AWS::Backup::BackupVault", "DeletionPolicy": keep, "UpdateReplacePolicy": keep,
                                "Properties": {"BackupVaultName": f"{function}-vault"}}
    resources["BackupPlan"] = {"Type": "AWS::Backup::BackupPlan", "Properties": {"BackupPlan": {
        "BackupPlanName": f"{function}-daily",
        "BackupPlanRule": [{"RuleName": "daily", "TargetBackupVault": {"Ref": "BackupVault"},
                            "ScheduleExpression": "cron(0 5 * * ? *)", "StartWindowMinutes": 60, "CompletionWindowMinutes": 360,
                            "Lifecycle": {"DeleteAfterDays": BACKUP_RETENTION_DAYS}}],
    }}}
    resources["BackupRole"] = {"Type": "AWS::IAM::Role", "Properties": {
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": [
            _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
            _sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores")],
    }}
    resources["BackupSelection"] = {"Type": "AWS::Backup::BackupSelection", "Properties": {
        "BackupPlanId": {"Ref": "BackupPlan"},
        "BackupSelection": {"SelectionName": f"{function}-tables", "IamRoleArn": {"Fn::GetAtt": ["BackupRole", "Arn"]},
                            "Resources": table_arns},
    }}

    _edge(resources, function=function, stage=stage, bucket=bucket)

    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Shopsite {stage}: tables, assets bucket, roles, alarms, backups and custom domain "
                       f"(generated by `manage.py stack_template --stage {stage}`; do not edit by hand).",
        "Parameters": {
            "AlarmEmail": {"Type": "String", "Default": "", "Description": "Email that receives alarm notifications (optional)."},
            "CustomDomain": {"Type": "String", "Default": "", "Description": "e.g. shop.example.com (optional)."},
            "CertificateArn": {"Type": "String", "Default": "", "Description": "ACM certificate for CustomDomain, same region."},
            "HttpApiId": {"Type": "String", "Default": "", "Description": "The HTTP API id Zappa created (after the first deploy)."},
            "EdgeSecret": {"Type": "String", "Default": "", "NoEcho": True, "Description":
                           "Sent by CloudFront to the site as X-Shopsite-Edge (stack_deploy reads it from SSM)."},
            "KmsKeyArn": {"Type": "String", "Default": "", "Description":
                          "A customer-managed KMS key for the tables, the log groups and, with CloudFront in front, the "
                          "assets bucket (optional; its policy must let CloudWatch Logs and this stack's distribution "
                          "use it). The alarm topic always has its own key, which CloudWatch may use."},
        },
        "Conditions": {
            "HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]},
            "HasKmsKey": {"Fn::Not": [{"Fn::Equals": [{"Ref": "KmsKeyArn"}, ""]}]},
            "HasDomain": {"Fn::And": [{"Fn::Not": [{"Fn::Equals": [{"Ref": "CustomDomain"}, ""]}]},
                                      {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]}]},
            "HasEdge": {"Fn::Not": [{"Fn::Equals": [{"Ref": "HttpApiId"}, ""]}]},
            "AssetsOnKms": {"Fn::And": [{"Condition": "HasKmsKey"}, {"Condition": "HasEdge"}]},
        },
        "Resources": resources,
        "Outputs": {
            "ExecutionRoleArn": {"Value": {"Fn::GetAtt": ["ExecutionRole", "Arn"]}},
            "DeployerPolicyArn": {"Value": {"Ref": "DeployerPolicy"}},
            "AssetsBucketName": {"Value": {"Ref": "AssetsBucket"}},
            "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
            "ApiAccessLogGroupArn": {"Value": {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]},
                                     "Description": "The post-deploy callback sends the HTTP API's access log here."},
            **stream_outputs,
            "EdgeDomainName": {"Condition": "HasEdge", "Value": {"Fn::GetAtt": ["EdgeDistribution", "DomainName"]},
                               "Description": "The shop's public address (and where the custom domain's DNS points: "
                                              "a CNAME, or a Route 53 alias)."},
        },
    }


def stack_template_json(*, stage: str) -> str:
    return json.dumps(stack_template(stage=stage), indent=2, sort_keys=False) + "\n"


def index_steps(*, deployed: dict, target: dict) -> list[dict]:
    """The templates to apply, in order, to take the *deployed* stack to *target*.

    CloudFormation creates or deletes at most one global secondary index per
    table in one stack update, so when a table gains or loses several, each
    step moves every such table by one index (new indexes first, so the code
    that needs them finds them; old ones last). The other changes of *target*
    go in with the first step; the last step is *target* itself. An index that
    keeps its name but changes its keys or projection cannot be updated in
    place: give the new one a new name.
    """
    deployed_resources = deployed.get("Resources", {})
    state: dict[str, list[dict]] = {}
    for name, resource in target["Resources"].items():
        if resource.get("Type") != "AWS::DynamoDB::Table" or name not in deployed_resources:
            continue
        have = deployed_resources[name]["Properties"].get("GlobalSecondaryIndexes", [])
        want = {index["IndexName"]: index for index in resource["Properties"].get("GlobalSecondaryIndexes", [])}
        for index in have:
            if index["IndexName"] in want and want[index["IndexName"]] != index:
                raise ValueError(f"{name}: index {index['IndexName']} changed its definition; give the new one a new name.")
        state[name] = list(have)
    steps: list[dict] = []
    while True:
        moved = False
        step = json.loads(json.dumps(target))
        for name, have in state.items():
            properties = step["Resources"][name]["Properties"]
            want = properties.get("GlobalSecondaryIndexes", [])
            have_names, want_names = {i["IndexName"] for i in have}, {i["IndexName"] for i in want}
            adds = [index for index in want if index["IndexName"] not in have_names]
            if adds:
                have.append(adds[0])
                moved = True
            elif have_names - want_names:
                gone = next(index for index in have if index["IndexName"] not in want_names)
                have.remove(gone)
                moved = True
            if {i["IndexName"] for i in have} == want_names:
                continue  # this table is where the target wants it: its properties stay the target's
            properties["GlobalSecondaryIndexes"] = list(have)
            properties["AttributeDefinitions"] = _attribute_definitions(
                properties, deployed_resources[name]["Properties"], target["Resources"][name]["Properties"])
        if not moved:
            break
        steps.append(step)
    if steps:
        steps[-1] = target  # the last step's indexes are the target's
    return steps or [target]


def _attribute_definitions(properties: dict, *sources: dict) -> list[dict]:
    """Exactly the attributes the table's and its indexes' keys use (DynamoDB refuses any other)."""
    known = {d["AttributeName"]: d for source in sources for d in source.get("AttributeDefinitions", [])}
    used = {key["AttributeName"] for key in properties["KeySchema"]}
    for index in properties.get("GlobalSecondaryIndexes", []):
        used |= {key["AttributeName"] for key in index["KeySchema"]}
    return [definition for name, definition in known.items() if name in used]
