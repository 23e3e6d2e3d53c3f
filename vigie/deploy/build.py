"""`vigie deploy`'s steps, into `build/deploy/`: site, Lambda package, templates, lint.

1. check `vigie.toml` for production (`target.production_target`);
2. build the site with that configuration (`build/deploy/site/`);
3. vendor the core and run `chalice package` (the Lambda's zip and routes);
4. compose the main and edge templates (`stack`), write them as JSON;
5. expand the SAM resources as CloudFormation will (`sam`), then validate
   the templates and that expansion with `cfn-lint`; any finding fails;
6. write the lifecycle rules and bucket policies as JSON too, and the `aws`
   commands (`deploy-commands.sh`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vigie.core.config import Config
from vigie.resources import source_root

from .commands import EDGE_REGION, SITE_DIR, Step, deploy_steps, script
from .iam import analysts_policy, purge_policy
from .sam import translate
from .stack import EDGE_TEMPLATE, MAIN_TEMPLATE, edge_template, main_template
from .storage import lifecycle_rules
from .target import Target, production_target

DEFAULT_OUT = Path("build/deploy")
# The main template after the SAM transform, for cfn-lint and for reading.
TRANSFORMED_TEMPLATE = "stack.transformed.json"
CHALICE_STAGE = "prod"


class DeployError(Exception):
    """A build step failed; the message says which and why."""


@dataclass(frozen=True)
class Built:
    out: Path
    target: Target
    steps: list[Step]


def _tool(name: str) -> str:
    """A console script of this environment (chalice, cfn-lint), else from PATH."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise DeployError(f"{name} not found (run `make venv`)")
    return found


@contextlib.contextmanager
def package_lock() -> Iterator[None]:
    """One `chalice package` at a time in this checkout.

    Chalice caches the dependencies' zip in `intake_lambda/.chalice/deployments/`
    under a hash of the project and writes it in place: two packagers at once
    (two deploys, or tests) wrote the same file together, and both zips came
    out corrupt ("Bad magic number for central directory"). An flock, released
    by the kernel even if the process dies.
    """
    import fcntl

    folder = source_root() / "intake_lambda" / ".chalice" / "deployments"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".package.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def chalice_package(out: Path, region: str) -> dict[str, Any]:
    """Vendor the core, package the Lambda; `deployment.zip` lands in `out`, SAM returned."""
    with package_lock():
        return _chalice_package(out, region)


def _chalice_package(out: Path, region: str) -> dict[str, Any]:
    from vigie.lambdapkg import vendor_core

    vendor_core()
    project = source_root() / "intake_lambda"
    with tempfile.TemporaryDirectory(prefix="vigie-chalice-") as tmp:
        env = {**os.environ, "AWS_DEFAULT_REGION": region}
        done = subprocess.run(
            [_tool("chalice"), "package", "--stage", CHALICE_STAGE, tmp],
            cwd=project, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise DeployError(f"chalice package failed: {done.stderr.strip()[-500:]}")
        shutil.copyfile(Path(tmp) / "deployment.zip", out / "deployment.zip")
        sam: dict[str, Any] = json.loads((Path(tmp) / "sam.json").read_text(encoding="utf-8"))
    return sam


def lint(templates: list[Path], regions: list[str]) -> None:
    """cfn-lint on the templates (one process: it takes seconds to start); any finding fails."""
    done = subprocess.run(
        [_tool("cfn-lint"), "--regions", *regions, "--", *map(str, templates)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise DeployError(f"cfn-lint refused the stack:\n{done.stdout.strip()}")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build_deployment(cfg: Config, out: Path = DEFAULT_OUT, site: bool = True) -> Built:
    """Every step of `vigie deploy` short of running the `aws` commands."""
    target = production_target(cfg)
    out.mkdir(parents=True, exist_ok=True)
    if site:
        from vigie.site.build import SiteBuildError, build_site

        try:
            build_site(cfg, out / SITE_DIR)
        except SiteBuildError as exc:
            raise DeployError(str(exc)) from None
    sam = chalice_package(out, target.region)
    openapi = source_root() / "intake_lambda" / "openapi.yaml"
    main = main_template(sam, target, openapi)
    _write_json(out / MAIN_TEMPLATE, main)
    _write_json(out / EDGE_TEMPLATE, edge_template(target))
    try:
        zip_uri = f"s3://{cfg.deploy.artifacts_bucket}/{cfg.deploy.stack_name}/deployment.zip"
        transformed = translate(main, target.region, zip_uri)
    except ValueError as exc:
        raise DeployError(str(exc)) from None
    _write_json(out / TRANSFORMED_TEMPLATE, transformed)
    templates = [out / MAIN_TEMPLATE, out / TRANSFORMED_TEMPLATE, out / EDGE_TEMPLATE]
    lint(templates, sorted({target.region, EDGE_REGION}))
    # The same rules and policies as files, for S3-compatible stores outside AWS
    # (put-bucket-lifecycle-configuration) or an account managed by hand.
    rules = lifecycle_rules(target.prefix, cfg.analysts.retention_days)
    _write_json(out / "bucket-lifecycle.json", {"Rules": rules})
    _write_json(out / "analyst-policy.json", analysts_policy(target))
    _write_json(out / "purge-policy.json", purge_policy(target))
    built = Built(out=out, target=target, steps=deploy_steps(target, out))
    commands = out / "deploy-commands.sh"
    commands.write_text(
        "#!/bin/sh\n# Generated by `vigie deploy`: run with your own AWS credentials.\nset -eu\n"
        + script(built.steps),
        encoding="utf-8",
    )
    commands.chmod(0o755)
    return built
