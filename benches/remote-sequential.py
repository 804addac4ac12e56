"""A plain sequential S3 client for benches/remote-scan.sh: list a prefix, then GET every
_metadata one after the other (botocore, as the AWS CLI uses it; endpoint and keys from AWS_*)."""
import os
import sys

try:
    import botocore.session as botocore_session
except ImportError:  # awscli 1.45+ vendors botocore as awscli.botocore
    from awscli.botocore import session as botocore_session

bucket, prefix = sys.argv[1], sys.argv[2]
s3 = botocore_session.get_session().create_client(
    "s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1"
)
lists = gets = size = 0
keys = []
token = None
while True:
    kw = {"Bucket": bucket, "Prefix": prefix + "/"}
    if token:
        kw["ContinuationToken"] = token
    page = s3.list_objects_v2(**kw)
    lists += 1
    keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith("/_metadata")]
    token = page.get("NextContinuationToken")
    if not token:
        break
for k in keys:
    size += len(s3.get_object(Bucket=bucket, Key=k)["Body"].read())
    gets += 1
print(f"{len(keys)} _metadata, {size} bytes; requests: {lists} list, {gets} get")
