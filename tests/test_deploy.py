"""`vigie deploy`, checked offline: the generated stack passes cfn-lint and keeps Vigie's promises.

The stack is built once per session by the real command (site build, core
vendored, `chalice package`, composition, cfn-lint) from a production
`vigie.toml` whose values all differ from the defaults, so every assertion
below also shows the value came from that file.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.support.deploy import (
    CFG_VALUES,
    Built,
    build_once,
    policy_headers,
    resources_of_type,
    walk,
)
from vigie.core.config import ENV_OVERRIDES
from vigie.core.http import JSON_CSP, SECURITY_HEADERS
from vigie.deploy.build import DeployError, lint
from vigie.deploy.commands import Step, apply
from vigie.deploy.edge import CACHING_DISABLED
from vigie.deploy.viewer import INDEX_FUNCTION_CODE
from vigie.inbox.thread import THREAD_DAYS
from vigie.static import ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("chalice-package")


@pytest.fixture
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build_once(tmp_path_factory)


def test_vigie_deploy_builds_a_stack_that_cfn_lint_accepts(built: Built) -> None:
    assert built.rc == 0, built.stderr
    names = ("stack.json", "stack.transformed.json", "edge.json", "deployment.zip")
    for name in (*names, "site/signaler/index.html"):
        assert (built.out / name).is_file(), name
    # The build ran cfn-lint on the templates and on the SAM transform's output
    # (`lint`, below shown able to fail): no SAM resource is left in the latter.
    assert "checked by cfn-lint" in built.stdout
    assert not any(r["Type"].startswith("AWS::Serverless::") for r in
                   built.transformed["Resources"].values())  # fmt: skip
    # The printed commands are the script's, and deploy both stacks.
    script = (built.out / "deploy-commands.sh").read_text()
    for line in script.splitlines():
        if line.startswith("aws ") or "=$(aws " in line:
            assert line in built.stdout
    assert "--stack-name vigie-recette-edge" in script and "--stack-name vigie-recette " in script


def test_cfn_lint_refuses_a_broken_template(built: Built, tmp_path: Path) -> None:
    """The lint step can fail: a misspelt property is a build error, not a deploy surprise."""
    broken = json.loads(json.dumps(built.main))
    broken["Resources"]["TipsBucket"]["Properties"]["VersioningConfig"] = {"Status": "Enabled"}
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(DeployError, match="VersioningConfig"):
        lint([path], ["eu-west-3"])


@pytest.mark.privacy
def test_no_log_anywhere_records_an_address_or_headers(built: Built) -> None:
    for template in (built.main, built.transformed, built.edge):
        text = json.dumps(template)
        for needle in ("AccessLogSetting", "sourceIp", "$context.identity", "RealtimeLogConfig"):
            assert needle not in text, needle
        types = {r["Type"] for r in template["Resources"].values()}
        assert not types & {
            "AWS::WAFv2::LoggingConfiguration",
            "AWS::CloudFront::RealtimeLogConfig",
            "AWS::CloudTrail::Trail",
            "AWS::ApiGateway::Account",  # the role execution logging would need
        }
        for node in walk(template):
            if isinstance(node, dict) and "SampledRequestsEnabled" in node:
                assert node["SampledRequestsEnabled"] is False
    (distribution,) = resources_of_type(built.main, "AWS::CloudFront::Distribution")
    assert "Logging" not in distribution["DistributionConfig"]
    for bucket in resources_of_type(built.main, "AWS::S3::Bucket"):
        assert "LoggingConfiguration" not in bucket
    # On the stage CloudFormation will really create (after the SAM transform).
    (stage,) = resources_of_type(built.transformed, "AWS::ApiGateway::Stage")
    assert "AccessLogSetting" not in stage
    (settings,) = stage["MethodSettings"]
    assert settings["LoggingLevel"] == "OFF" and settings["DataTraceEnabled"] is False


@pytest.mark.privacy
def test_lambda_log_group_has_short_retention_and_warn_level(built: Built) -> None:
    props = built.main["Resources"]["APIHandler"]["Properties"]
    assert props["FunctionName"] == CFG_VALUES["function_name"]
    logging = props["LoggingConfig"]
    # WARN for the platform drops START/END/REPORT (times and durations per request).
    assert logging["SystemLogLevel"] == "WARN" and logging["ApplicationLogLevel"] == "WARN"
    assert logging["LogFormat"] == "JSON"
    group = built.main["Resources"][logging["LogGroup"]["Ref"]]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
    assert group["Properties"]["RetentionInDays"] == CFG_VALUES["log_retention_days"]
    assert 1 <= group["Properties"]["RetentionInDays"] <= 7


@pytest.mark.privacy
def test_no_secret_in_the_lambda_environment(built: Built) -> None:
    """P3: the function's configuration holds public keys and settings, the secret by ARN only."""
    env = built.main["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert set(env) <= set(ENV_OVERRIDES) and "VIGIE_SECRET" not in env
    assert env["VIGIE_SECRET_ARN"] == {"Ref": "IntakeSecret"}
    assert built.main["Resources"]["IntakeSecret"]["Type"] == "AWS::SecretsManager::Secret"
    assert "resolve:secretsmanager" not in json.dumps(env)
    assert "AGE-SECRET-KEY" not in json.dumps(built.main).upper()
    # Every other value is the one in vigie.toml.
    assert env["VIGIE_STORE"] == "s3://vigie-recette-tips/vigie"
    assert env["VIGIE_RECIPIENTS"] == CFG_VALUES["recipient"]
    assert env["VIGIE_MAX_BODY_BYTES"] == "4400000"
    assert env["VIGIE_REPORT_URL"] == "https://signaler.exemple.fr/signaler/"


def test_lambda_policy_is_exactly_what_the_intake_needs_and_create_only(built: Built) -> None:
    """P10: create tips and budget slots, never overwrite, read, list or delete them.

    Plus the one secret, the one log group, and (follow-up) s3:GetObject on
    replies/ only: it can hand out a thread's ciphertext to whoever knows the
    mailbox id (no ListBucket, no put, no delete there), and nothing else.
    """
    (policy,) = built.main["Resources"]["ApiHandlerRole"]["Properties"]["Policies"]
    by_sid = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(by_sid) == {
        "CreateTipsOnly", "ReadRepliesOnly", "ReadTheReadyMarker", "ReadTheReplayMarkers",
        "ReadTheHmacSecret", "OwnLogGroupOnly",
    }  # fmt: skip
    ready = by_sid["ReadTheReadyMarker"]  # the read-only health check (a HEAD)
    assert ready["Action"] == ["s3:GetObject"]
    assert ready["Resource"] == ["arn:aws:s3:::vigie-recette-tips/vigie/intake/ready"]
    # A large tip's replay is refused by a HEAD of its empty marker (never of a tip).
    seen = by_sid["ReadTheReplayMarkers"]
    assert seen["Action"] == ["s3:GetObject"] and "Condition" not in seen
    assert seen["Resource"] == ["arn:aws:s3:::vigie-recette-tips/vigie/intake/seen/*"]
    replies = by_sid["ReadRepliesOnly"]
    assert replies["Action"] == ["s3:GetObject"] and "Condition" not in replies
    assert replies["Resource"] == ["arn:aws:s3:::vigie-recette-tips/vigie/replies/*"]
    s3 = by_sid["CreateTipsOnly"]
    assert s3["Action"] == ["s3:PutObject"]
    assert s3["Resource"] == [
        "arn:aws:s3:::vigie-recette-tips/vigie/tips/*",
        "arn:aws:s3:::vigie-recette-tips/vigie/effort/*",  # a tip's 2-bit effort marker
        "arn:aws:s3:::vigie-recette-tips/vigie/intake/*",
    ]
    assert s3["Condition"] == {"Null": {"s3:if-none-match": "false"}}
    assert by_sid["ReadTheHmacSecret"]["Action"] == ["secretsmanager:GetSecretValue"]
    assert by_sid["ReadTheHmacSecret"]["Resource"] == {"Ref": "IntakeSecret"}
    logs = by_sid["OwnLogGroupOnly"]
    assert logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert logs["Resource"] == {"Fn::GetAtt": ["IntakeLogGroup", "Arn"]}
    assert all(s["Effect"] == "Allow" for s in by_sid.values())
    assert not any("*" in a for s in by_sid.values() for a in s["Action"])


def test_analysts_create_only_and_only_the_purge_role_deletes(built: Built) -> None:
    analysts = built.main["Resources"]["AnalystsPolicy"]["Properties"]["PolicyDocument"]
    actions = {a for s in analysts["Statement"] for a in s["Action"]}
    assert actions == {"s3:ListBucket", "s3:GetObject", "s3:PutObject"}
    for statement in analysts["Statement"]:
        resources = statement["Resource"]
        assert "/intake" not in json.dumps(resources) and "/intake" not in json.dumps(statement)
        if statement["Action"] == ["s3:PutObject"]:
            assert statement["Condition"] == {"Null": {"s3:if-none-match": "false"}}
            assert all(
                r.endswith(("/vigie/kept/*", "/vigie/state/*", "/vigie/replies/*"))
                for r in resources
            )
    purge = built.main["Resources"]["PurgeRole"]["Properties"]
    (trust,) = purge["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    (inline,) = purge["Policies"]
    purge_actions = {a for s in inline["PolicyDocument"]["Statement"] for a in s["Action"]}
    # No PutObject (cannot forge) and no DeleteObjectVersion (a purge is undoable for a day).
    assert purge_actions == {"s3:ListBucket", "s3:GetObject", "s3:DeleteObject"}


def test_buckets_are_encrypted_private_tls_only_and_expire_tips_as_configured(
    built: Built,
) -> None:
    res = built.main["Resources"]
    for name in ("TipsBucket", "SiteBucket"):
        props = res[name]["Properties"]
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert len(props["PublicAccessBlockConfiguration"]) == 4
        policy = next(
            r["Properties"]["PolicyDocument"]
            for r in res.values()
            if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": name}
        )
        deny = next(s for s in policy["Statement"] if s["Effect"] == "Deny")
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert deny["Action"] == "s3:*" and deny["Principal"] == "*"
        assert deny["Resource"] == [
            {"Fn::GetAtt": [name, "Arn"]},
            {"Fn::Sub": f"${{{name}.Arn}}/*"},
        ]
    tips = res["TipsBucket"]["Properties"]
    assert tips["BucketName"] == "vigie-recette-tips"
    assert tips["VersioningConfiguration"] == {"Status": "Enabled"}
    expiring = {
        r["Prefix"]: r["ExpirationInDays"]
        for r in tips["LifecycleConfiguration"]["Rules"]
        if "ExpirationInDays" in r
    }
    assert expiring == {
        "vigie/tips/": CFG_VALUES["retention_days"],
        "vigie/replies/": THREAD_DAYS,
        "vigie/effort/": CFG_VALUES["retention_days"],
        "vigie/intake/form-budget/": 1,
        "vigie/intake/load/": 1,
        "vigie/intake/seen/": 1,  # replay markers
    }
    rules = tips["LifecycleConfiguration"]["Rules"]
    assert all(r["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1 for r in rules)
    # The site bucket is read by this distribution only.
    site_policy = res["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = [s for s in site_policy if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in allowed} == {"cloudfront.amazonaws.com"}
    assert all("${Distribution}" in s["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
               for s in allowed)  # fmt: skip


def test_tips_bucket_policy_forbids_overwrites_and_deletes_to_everyone_but_purge(
    built: Built,
) -> None:
    """Even a principal given too much by mistake cannot overwrite or delete a tip."""
    policy = built.main["Resources"]["TipsBucketPolicy"]["Properties"]["PolicyDocument"]
    denies = {s["Sid"]: s for s in policy["Statement"] if s["Effect"] == "Deny"}
    objects = {"Fn::Sub": "${TipsBucket.Arn}/*"}
    overwrite = denies["DenyWritesThatCouldOverwrite"]
    assert (overwrite["Principal"], overwrite["Action"], overwrite["Resource"]) == (
        "*", "s3:PutObject", objects)  # fmt: skip
    assert overwrite["Condition"] == {"Null": {"s3:if-none-match": "true"}}
    delete = denies["DenyDeletesButThePurgeRole"]
    assert (delete["Principal"], delete["Action"]) == ("*", "s3:DeleteObject")
    assert delete["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["PurgeRole", "Arn"]}}
    }
    old = denies["DenyDeletingOldVersions"]
    assert old["Action"] == "s3:DeleteObjectVersion" and "Condition" not in old
    assert not [s for s in policy["Statement"] if s["Effect"] == "Allow"]


def test_waf_rate_rules_and_stage_throttling_carry_the_configured_limits(built: Built) -> None:
    (acl,) = resources_of_type(built.edge, "AWS::WAFv2::WebACL")
    assert acl["Scope"] == "CLOUDFRONT" and acl["DefaultAction"] == {"Allow": {}}
    rules = {r["Name"]: r for r in acl["Rules"]}
    tips = rules["vigie-recette-tips-per-address"]["Statement"]["RateBasedStatement"]
    assert tips["Limit"] == CFG_VALUES["waf_tips_limit"]
    assert tips["EvaluationWindowSec"] == CFG_VALUES["waf_window_seconds"]
    assert tips["AggregateKeyType"] == "IP"  # the viewer's, as CloudFront sees it
    scope = json.dumps(tips["ScopeDownStatement"])
    assert '"/api/tips"' in scope and '"POST"' in scope
    form = rules["vigie-recette-form-per-address"]["Statement"]["RateBasedStatement"]
    assert form["Limit"] == CFG_VALUES["waf_tips_limit"]
    assert '"/api/tips/form"' in json.dumps(form["ScopeDownStatement"])
    api = rules["vigie-recette-api-per-address"]["Statement"]["RateBasedStatement"]
    assert api["Limit"] == CFG_VALUES["waf_api_limit"]
    for name, rule in rules.items():
        status = 413 if name.endswith("form-too-large") else 429
        assert rule["Action"]["Block"]["CustomResponse"]["ResponseCode"] == status
    (distribution,) = resources_of_type(built.main, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    assert config["WebACLId"] == {"Ref": "WebAclArn"}
    assert config["IPV6Enabled"] is False  # per-address counts mean nothing per IPv6 address
    (stage,) = resources_of_type(built.transformed, "AWS::ApiGateway::Stage")
    (settings,) = stage["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == CFG_VALUES["throttle_rate"]
    assert settings["ThrottlingBurstLimit"] == CFG_VALUES["throttle_burst"]


def test_execute_api_answers_only_requests_carrying_cloudfronts_secret_header(
    built: Built,
) -> None:
    api = built.main["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    assert api["x-amazon-apigateway-api-key-source"] == "HEADER"
    (scheme,) = api["securityDefinitions"].values()
    assert scheme == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    methods = [m for item in api["paths"].values() for m in item.values()]
    assert methods and all(m["security"] == [{"vigie-origin-key": []}] for m in methods)
    key = built.main["Resources"]["OriginKey"]["Properties"]["Value"]
    (distribution,) = resources_of_type(built.main, "AWS::CloudFront::Distribution")
    origin = next(o for o in distribution["DistributionConfig"]["Origins"] if o["Id"] == "api")
    (header,) = origin["OriginCustomHeaders"]
    assert header["HeaderName"] == "x-api-key" and header["HeaderValue"] == key
    # After the SAM transform, the key's usage plan is bound to the real stage.
    res = built.transformed["Resources"]
    (plan,) = resources_of_type(built.transformed, "AWS::ApiGateway::UsagePlan")
    (api_stage,) = plan["ApiStages"]
    assert res[api_stage["Stage"]["Ref"]]["Type"] == "AWS::ApiGateway::Stage"
    (body,) = [
        r["Properties"]["Body"] for r in res.values() if r["Type"] == "AWS::ApiGateway::RestApi"
    ]
    assert all(m["security"] == [{"vigie-origin-key": []}]
               for item in body["paths"].values() for m in item.values())  # fmt: skip


@pytest.mark.privacy
def test_api_behaviour_caches_nothing_and_forwards_no_viewer_address(built: Built) -> None:
    (distribution,) = resources_of_type(built.main, "AWS::CloudFront::Distribution")
    (behaviour,) = distribution["DistributionConfig"]["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/api/*" and behaviour["TargetOriginId"] == "api"
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["ViewerProtocolPolicy"] == "https-only"
    policy = built.main["Resources"][behaviour["OriginRequestPolicyId"]["Ref"]]
    config = policy["Properties"]["OriginRequestPolicyConfig"]
    assert config["HeadersConfig"]["HeaderBehavior"] == "whitelist"
    headers = {h.lower() for h in config["HeadersConfig"]["Headers"]}
    assert headers == {"content-type", "origin", "idempotency-key", "x-altcha", "x-vigie-lang"}
    assert config["CookiesConfig"] == {"CookieBehavior": "none"}
    # Only the no-JS form's page language (its action's ?lang=): a refusal
    # before the body is read still speaks it (vigie.core.formrefusal).
    assert config["QueryStringsConfig"] == {
        "QueryStringBehavior": "whitelist",
        "QueryStrings": ["lang"],
    }
    assert not any(
        re.match(r"cloudfront-viewer|x-forwarded|true-client-ip|user-agent|referer|cookie", h)
        for h in headers
    )
    default = distribution["DistributionConfig"]["DefaultCacheBehavior"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"


def _served_headers(cfg: Any, site: Path, path: str) -> dict[str, str]:
    """What the real `vigie serve` handler answers for `path` (loopback, port 0)."""
    from vigie.serve import load_intake_app, make_server
    from vigie.site.values import security_headers

    server = make_server(load_intake_app().app, site, "127.0.0.1", 0, cfg, security_headers(cfg))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        assert response.status == 200
        return dict(response.getheaders())
    finally:
        server.shutdown()
        server.server_close()


def test_headers_policy_equals_what_vigie_serve_sends(built: Built) -> None:
    """One owner: CloudFront's policy is exactly the local server's page headers."""
    site = built.out / "site"
    served = _served_headers(built.cfg, site, "/signaler/")
    res = built.main["Resources"]
    page_policy = policy_headers(res["SiteHeadersPolicy"]["Properties"])
    # Transport and content negotiation, not policy: CloudFront sets its own
    # Vary when it compresses, as vigie serve does.
    transport = {"content-type", "content-length", "cache-control", "date", "server", "connection"}
    transport |= {"vary", "content-encoding"}
    assert page_policy == {k: v for k, v in served.items() if k.lower() not in transport}
    assert "frame-ancestors 'none'" in page_policy["Content-Security-Policy"]
    assert page_policy["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains; preload"
    )
    # Cache-Control travels with each object (set by the printed `aws s3 sync`).
    assert served["Cache-Control"] == PAGE_CACHE_CONTROL
    asset = next(p for p in site.rglob("*.css"))
    css = _served_headers(built.cfg, site, "/" + asset.relative_to(site).as_posix())
    assert css["Cache-Control"] == ASSET_CACHE_CONTROL
    assert f"--include '*.html' --cache-control {PAGE_CACHE_CONTROL}" in built.stdout
    assert f"--exclude '*.html' --cache-control {ASSET_CACHE_CONTROL}" in built.stdout
    # The API's policy fills in only what API Gateway's own answers (403, 429) lack.
    api_policy = res["ApiHeadersPolicy"]["Properties"]
    assert policy_headers(api_policy) == {**SECURITY_HEADERS, "Content-Security-Policy": JSON_CSP}
    assert '"Override": true' not in json.dumps(api_policy)


@pytest.mark.parametrize(
    ("uri", "query", "expected"),
    [
        ("/signaler/", {}, {"uri": "/signaler/index.html"}),
        ("/", {}, {"uri": "/index.html"}),
        ("/assets/form/form.js", {}, {"uri": "/assets/form/form.js"}),
        ("/signaler", {"c": {"value": "BSN-CENTRE"}}, {"location": "/signaler/?c=BSN-CENTRE"}),
        ("//evil.example/x", {}, {"uri": "//evil.example/x"}),
        ("/\\evil", {}, {"uri": "/\\evil"}),
    ],
)
def test_index_function_serves_directories_like_vigie_serve(
    uri: str, query: dict[str, Any], expected: dict[str, str], tmp_path: Path
) -> None:
    """The CloudFront Function, run by Node: index.html, slash redirects, no open redirect."""
    code = tmp_path / "index.js"
    code.write_text(INDEX_FUNCTION_CODE + "\nconsole.log(JSON.stringify(handler(JSON.parse("
                    "process.argv[2]))));\n")  # fmt: skip
    event = json.dumps({"request": {"uri": uri, "querystring": query}})
    out = json.loads(subprocess.run(["node", code, event], capture_output=True, text=True,
                                    check=True).stdout)  # fmt: skip
    if "location" in expected:
        assert out["statusCode"] == 301
        assert out["headers"]["location"]["value"] == expected["location"]
    else:
        assert out["uri"] == expected["uri"] and "statusCode" not in out


def test_apply_runs_the_printed_steps_in_order_with_captured_values() -> None:
    """`--apply` runs the same argv as the printed lines (a recording runner, no AWS)."""
    arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/1"
    steps = [
        Step("bucket", ("aws", "s3", "mb", "s3://b"), unless=("aws", "s3api", "head-bucket")),
        Step("acl", ("aws", "describe", "acl"), capture="WEB_ACL_ARN"),
        Step("deploy", ("aws", "deploy", "WebAclArn=${WEB_ACL_ARN}")),
    ]
    seen: list[list[str]] = []

    def runner(argv: Any) -> str:
        seen.append(list(argv))
        if argv[:2] == ["aws", "s3api"]:
            raise subprocess.CalledProcessError(254, argv)  # no such bucket yet
        return arn if argv[1] == "describe" else ""

    assert apply(steps, runner) == {"WEB_ACL_ARN": arn}
    assert seen == [
        ["aws", "s3api", "head-bucket"],
        ["aws", "s3", "mb", "s3://b"],
        ["aws", "describe", "acl"],
        ["aws", "deploy", f"WebAclArn={arn}"],
    ]
    assert steps[0].shell() == "aws s3api head-bucket >/dev/null 2>&1 || aws s3 mb s3://b"
    assert steps[1].shell() == "WEB_ACL_ARN=$(aws describe acl)"
    assert steps[2].shell() == 'aws deploy "WebAclArn=$WEB_ACL_ARN"'


def test_binary_media_types_routes_and_limits(built: Built) -> None:
    api = built.main["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    # Both must reach the Lambda as bytes: API Gateway would mangle them as text.
    assert {"application/octet-stream", "multipart/form-data"} <= set(
        api["x-amazon-apigateway-binary-media-types"]
    )
    assert set(api["paths"]) == {
        "/api/health", "/api/challenge", "/api/tips", "/api/tips/form", "/api/replies",
    }  # fmt: skip
    props = built.main["Resources"]["APIHandler"]["Properties"]
    body = int(props["Environment"]["Variables"]["VIGIE_MAX_BODY_BYTES"])
    # Binary bodies arrive base64-encoded (x4/3) within Lambda's 6 MB request cap, and
    # the function must outlive the S3 client's retries to answer its own 503.
    assert body * 4 / 3 + 64 * 1024 <= 6 * 1024 * 1024
    assert 20 <= props["Timeout"] <= 29  # API Gateway gives up at 29 s


def test_deploy_refuses_a_config_that_is_not_production(tmp_path: Path) -> None:
    from vigie.core.config import ConfigError, load_config
    from vigie.deploy.target import production_target

    with pytest.raises(ConfigError, match=r"\[intake\] store: expected s3://"):
        production_target(load_config(ROOT / "vigie.toml", {}))


def test_the_committed_production_example_is_accepted(tmp_path: Path) -> None:
    from vigie.core.config import load_config
    from vigie.deploy.target import production_target

    target = production_target(load_config(ROOT / "deploy" / "vigie.prod.example.toml", {}))
    assert target.tips_bucket == "vigie-tips-besancon" and target.prefix == "vigie"
    assert target.log_group == "/aws/lambda/vigie-intake-besancon"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("url", '"http://signaler.exemple.fr/"', r"\[site\] url: must be an https://"),
        ("log_retention_days", "30", r"\[deploy\] log_retention_days: expected one of"),
        ("waf_tips_limit", "5", r"\[deploy\] waf_tips_limit: expected 10 or more"),
        ("max_body_bytes", "5242880", r"\[intake\] max_body_bytes: too large for Lambda"),
        ("site_bucket", '"vigie-recette-tips"', r"\[deploy\] site_bucket: .* must differ"),
    ],
)
def test_deploy_refuses_unsafe_production_values(
    key: str, value: str, message: str, tmp_path: Path
) -> None:
    from tests.support.deploy import PROD_TOML
    from vigie.core.config import ConfigError, load_config
    from vigie.deploy.target import production_target

    text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", PROD_TOML, count=1)
    assert text != PROD_TOML
    toml = tmp_path / "prod.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=message):
        production_target(load_config(toml, {}))


def test_headers_cloudfront_cannot_send_as_they_are_are_refused() -> None:
    from vigie.deploy.viewer import CSP_MAX, headers_policy_config

    for headers in (
        {"X-Frame-Options": "ALLOW-FROM https://exemple.fr"},
        {"Strict-Transport-Security": "max-age=60; preload; includeSubDomains"},
        {"Content-Security-Policy": "default-src 'self'; " + "x" * CSP_MAX},
    ):
        with pytest.raises(ValueError):
            headers_policy_config("p", headers, override=True)


def test_the_edge_answers_the_no_js_form_path_with_pages_never_json(built: Built) -> None:
    """Issue 14: no JSON ever reaches the form path, from the edge either.

    Before: a network over its rate got WAF's JSON on the form path too, and a
    post too big for Lambda got API Gateway's own error."""
    (acl,) = resources_of_type(built.edge, "AWS::WAFv2::WebACL")
    bodies = acl["CustomResponseBodies"]
    rules = {r["Name"]: r for r in acl["Rules"]}
    for name, rule in rules.items():
        custom = rule["Action"]["Block"]["CustomResponse"]
        body = bodies[custom["CustomResponseBodyKey"]]
        statement = json.dumps(rule["Statement"])
        on_form = '"/api/tips/form"' in statement and "NotStatement" not in statement
        assert (body["ContentType"] == "TEXT_HTML") == on_form, name
        if on_form:
            headers = {h["Name"]: h["Value"] for h in custom["ResponseHeaders"]}
            assert headers["Cache-Control"] == "no-store"
            assert "default-src 'none'" in headers["Content-Security-Policy"]
            page = body["Content"]
            assert len(page) <= 10_240  # AWS WAF's limit for one body
            for lang in ('lang="fr"', 'lang="en"', 'lang="ar" dir="rtl"'):
                assert lang in page
            assert 'href="tel:17"' in page and "vigie-exit" in page
            assert "{" not in page.split("<script>")[0].split("</style>")[1]  # all filled in
    # The encrypted path's counters do not count the form path's posts, and back.
    api = json.dumps(rules["vigie-recette-api-per-address"]["Statement"])
    assert "NotStatement" in api and '"/api/tips/form"' in api
    too_big = rules["vigie-recette-form-too-large"]["Statement"]["AndStatement"]["Statements"]
    (length,) = [s["RegexMatchStatement"] for s in too_big if "RegexMatchStatement" in s]
    assert length["FieldToMatch"] == {"SingleHeader": {"Name": "content-length"}}
    assert "maximum 4 Mo" in bodies["too-large-page"]["Content"]


@pytest.mark.parametrize("n", [0, 9, 10, 99, 100, 4_669_440, 4_400_000, 5_242_880, 10**9])
def test_greater_than_says_content_length_above_n_exactly(n: int) -> None:
    import re

    from vigie.deploy.waf import greater_than

    pattern = re.compile(greater_than(n))
    around = {0, 1, n - 1, n, n + 1, 10 * n, n // 10, 10 ** len(str(n)), 10 ** len(str(n)) - 1}
    around |= {int(str(n)[:i] + "9" * (len(str(n)) - i)) for i in range(len(str(n)))}
    around |= {int(str(n)[:i] + "0" * (len(str(n)) - i)) for i in range(1, len(str(n)))}
    for value in sorted(v for v in around if v >= 0):
        for text in (str(value), "00" + str(value)):
            assert bool(pattern.fullmatch(text)) == (value > n), (n, text)
    assert (
        not pattern.fullmatch("") and not pattern.fullmatch("1e9") and not pattern.fullmatch("-1")
    )


def test_the_site_bucket_is_read_only_through_cloudfront_on_the_configured_domain(
    built: Built,
) -> None:
    """The distribution answers on `[deploy] domain` with its ACM certificate, and reads
    the private site bucket through an Origin Access Control (SigV4), nothing else."""
    (oac,) = resources_of_type(built.main, "AWS::CloudFront::OriginAccessControl")
    conf = oac["OriginAccessControlConfig"]
    assert conf["OriginAccessControlOriginType"] == "s3"
    assert (conf["SigningBehavior"], conf["SigningProtocol"]) == ("always", "sigv4")
    (distribution,) = resources_of_type(built.main, "AWS::CloudFront::Distribution")
    config = distribution["DistributionConfig"]
    assert config["Aliases"] == ["signaler.exemple.fr"]
    cert = config["ViewerCertificate"]
    assert cert["AcmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert cert["SslSupportMethod"] == "sni-only"
    assert cert["MinimumProtocolVersion"].startswith("TLSv1.2")
    s3_origins = [o for o in config["Origins"] if "S3OriginConfig" in o]
    assert s3_origins and all(o["OriginAccessControlId"] for o in s3_origins)
    for role in resources_of_type(built.transformed, "AWS::IAM::Role"):
        assert not role.get("ManagedPolicyArns"), role  # only the inline, exact policies


def test_the_edge_rules_match_a_route_with_a_trailing_slash_too(built: Built) -> None:
    """API Gateway routes `/api/tips/` as `/api/tips`: no rule may miss it."""
    (acl,) = resources_of_type(built.edge, "AWS::WAFv2::WebACL")
    rules = {r["Name"]: json.dumps(r["Statement"]) for r in acl["Rules"]}
    for name in ("form-too-large", "form-per-address"):
        assert '"/api/tips/form/"' in rules[f"vigie-recette-{name}"]
    assert '"/api/tips/"' in rules["vigie-recette-tips-per-address"]
