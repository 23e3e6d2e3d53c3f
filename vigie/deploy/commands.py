"""The `aws` commands that deploy the built stack: printed, or run with `--apply`.

Vigie never holds AWS credentials: the commands are the operator's own `aws`
CLI with their own profile or SSO session. Two values are only known once a
stack exists (the web ACL's ARN, the distribution's id); each is read back
with `describe-stacks` into a shell variable, so the printed lines can be
pasted as they are and `--apply` runs exactly the same argv.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Cache-Control travels with each object, as `vigie serve` answers it.
from vigie.static import ASSET_CACHE_CONTROL, PAGE_CACHE_CONTROL

from .stack import EDGE_TEMPLATE, MAIN_TEMPLATE
from .target import Target

EDGE_REGION = "us-east-1"  # CloudFront's web ACLs exist only there
PACKAGED_TEMPLATE = "packaged.json"
SITE_DIR = "site"
_VAR = re.compile(r"\$\{([A-Z_]+)\}")


@dataclass(frozen=True)
class Step:
    """One command; `${NAME}` in an argument is a value captured by an earlier step."""

    why: str
    argv: tuple[str, ...]
    capture: str = ""  # store the command's output under this name
    unless: tuple[str, ...] = ()  # skip the step when this command succeeds

    def shell(self) -> str:
        # A captured value is a shell variable, inside double quotes.
        words = [
            '"' + _VAR.sub(r"$\1", word) + '"' if _VAR.search(word) else shlex.quote(word)
            for word in self.argv
        ]
        line = " ".join(words)
        if self.unless:
            line = f"{shlex.join(self.unless)} >/dev/null 2>&1 || {line}"
        return f"{self.capture}=$({line})" if self.capture else line


def _output(stack: str, region: str, key: str) -> tuple[str, ...]:
    return (
        "aws",
        "cloudformation",
        "describe-stacks",
        "--region",
        region,
        "--stack-name",
        stack,
        "--query",
        f"Stacks[0].Outputs[?OutputKey==`{key}`].OutputValue",
        "--output",
        "text",
    )


def deploy_steps(target: Target, out: Path) -> list[Step]:
    """Everything after `vigie deploy` built `out`, in order."""
    dep = target.cfg.deploy
    region = target.region
    edge_stack = f"{dep.stack_name}-edge"
    site = f"{out / SITE_DIR}/"
    bucket = f"s3://{dep.site_bucket}/"
    return [
        Step(
            "the artifacts bucket, if it does not exist yet",
            ("aws", "s3", "mb", f"s3://{dep.artifacts_bucket}", "--region", region),
            unless=("aws", "s3api", "head-bucket", "--bucket", dep.artifacts_bucket),
        ),
        Step(
            "edge stack (us-east-1): the WAF web ACL",
            (
                "aws",
                "cloudformation",
                "deploy",
                "--region",
                EDGE_REGION,
                "--stack-name",
                edge_stack,
                "--template-file",
                str(out / EDGE_TEMPLATE),
                "--no-fail-on-empty-changeset",
            ),
        ),
        Step("its ARN", _output(edge_stack, EDGE_REGION, "WebAclArn"), capture="WEB_ACL_ARN"),
        Step(
            "upload the Lambda's zip to the artifacts bucket",
            (
                "aws",
                "cloudformation",
                "package",
                "--region",
                region,
                "--template-file",
                str(out / MAIN_TEMPLATE),
                "--s3-bucket",
                dep.artifacts_bucket,
                "--s3-prefix",
                dep.stack_name,
                "--use-json",
                "--output-template-file",
                str(out / PACKAGED_TEMPLATE),
            ),
        ),
        Step(
            "main stack: buckets, intake, CloudFront, policies",
            (
                "aws",
                "cloudformation",
                "deploy",
                "--region",
                region,
                "--stack-name",
                dep.stack_name,
                "--template-file",
                str(out / PACKAGED_TEMPLATE),
                "--capabilities",
                "CAPABILITY_IAM",
                "CAPABILITY_AUTO_EXPAND",
                "--parameter-overrides",
                "WebAclArn=${WEB_ACL_ARN}",
                "--no-fail-on-empty-changeset",
            ),
        ),
        Step(
            "the site's assets first (pages never point to a file not yet there)",
            (
                "aws",
                "s3",
                "sync",
                site,
                bucket,
                "--delete",
                "--exclude",
                "*.html",
                "--cache-control",
                ASSET_CACHE_CONTROL,
            ),
        ),
        Step(
            "then its pages",
            (
                "aws",
                "s3",
                "sync",
                site,
                bucket,
                "--delete",
                "--exclude",
                "*",
                "--include",
                "*.html",
                "--cache-control",
                PAGE_CACHE_CONTROL,
            ),
        ),
        Step(
            "the distribution's id",
            _output(dep.stack_name, region, "DistributionId"),
            capture="DISTRIBUTION_ID",
        ),
        Step(
            "serve the new site now",
            (
                "aws",
                "cloudfront",
                "create-invalidation",
                "--distribution-id",
                "${DISTRIBUTION_ID}",
                "--paths",
                "/*",
            ),
        ),
    ]


def script(steps: Sequence[Step]) -> str:
    return "\n".join(f"# {s.why}\n{s.shell()}" for s in steps) + "\n"


Runner = Callable[[Sequence[str]], str]


def run_aws(argv: Sequence[str]) -> str:
    """Run one command with the operator's environment; its output, stripped."""
    # stderr stays the operator's terminal: the aws CLI's own messages.
    done = subprocess.run(list(argv), check=True, text=True, stdout=subprocess.PIPE)
    return done.stdout.strip()


def apply(steps: Sequence[Step], runner: Runner = run_aws) -> dict[str, str]:
    """Run the steps in order, substituting captured values; return what was captured."""
    values: dict[str, str] = {}
    for step in steps:
        argv = [_VAR.sub(lambda m: values[m.group(1)], word) for word in step.argv]
        print(f"vigie deploy: {step.why}", flush=True)
        if step.unless:
            try:
                runner(list(step.unless))
                continue
            except subprocess.CalledProcessError:
                pass  # it does not exist: run the step
        result = runner(argv)
        if step.capture:
            if not result or result == "None":
                raise RuntimeError(f"{step.why}: no value returned")
            values[step.capture] = result
    return values
