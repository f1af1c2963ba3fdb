# The token `aws eks get-token` prints, made with botocore (the AWS CLI's own SDK) as the CLI's
# awscli/customizations/eks/get_token.py makes it: an STS client whose GetCallerIdentity gets the
# header x-k8s-aws-id before signing, presigned for 60 seconds, its URL in unpadded base64url
# after "k8s-aws-v1.". The clock is fixed from stdin so that a token made elsewhere with the
# same credentials at the same second can be compared byte for byte.
#
# stdin: {"cluster", "region", "access_key", "secret_key", "session_token"?, "time": ISO 8601}
import base64
import datetime
import json
import sys

import botocore.auth
import botocore.session

K8S_AWS_ID_HEADER = "x-k8s-aws-id"
args = json.load(sys.stdin)
when = datetime.datetime.strptime(args["time"], "%Y-%m-%dT%H:%M:%SZ")
botocore.auth.get_current_datetime = lambda *a, **k: when

session = botocore.session.get_session()
sts = session.create_client(
    "sts",
    region_name=args["region"],
    aws_access_key_id=args["access_key"],
    aws_secret_access_key=args["secret_key"],
    aws_session_token=args.get("session_token"),
)


def retrieve_k8s_aws_id(params, context, **kwargs):
    if K8S_AWS_ID_HEADER in params:
        context[K8S_AWS_ID_HEADER] = params.pop(K8S_AWS_ID_HEADER)


def inject_k8s_aws_id_header(request, **kwargs):
    if K8S_AWS_ID_HEADER in request.context:
        request.headers[K8S_AWS_ID_HEADER] = request.context[K8S_AWS_ID_HEADER]


sts.meta.events.register("provide-client-params.sts.GetCallerIdentity", retrieve_k8s_aws_id)
sts.meta.events.register("before-sign.sts.GetCallerIdentity", inject_k8s_aws_id_header)
url = sts.generate_presigned_url(
    "get_caller_identity",
    Params={K8S_AWS_ID_HEADER: args["cluster"]},
    ExpiresIn=60,
    HttpMethod="GET",
)
token = "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")
print(token)
