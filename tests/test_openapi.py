"""intake_lambda/openapi.yaml stays in sync with the Chalice routes and real answers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.support.intake_client import intake_client, post_tip
from vigie.core import envelope, layout
from vigie.serve import load_intake_app

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "intake_lambda" / "openapi.yaml").read_text()
)


def test_paths_and_methods_match_the_app() -> None:
    app = load_intake_app().app
    routes = {path: {m.lower() for m in methods} for path, methods in app.routes.items()}
    spec = {path: set(ops) for path, ops in SPEC["paths"].items()}
    assert routes == spec


def test_limits_match_the_envelope_module() -> None:
    form = SPEC["components"]["schemas"]["FormTip"]["properties"]
    assert set(form["category"]["enum"]) == set(envelope.CATEGORIES)
    for name, limit in envelope.TEXT_LIMITS.items():
        assert form[name]["maxLength"] == limit, name


def test_receipt_pattern_is_the_store_layout_owners() -> None:
    receipt = SPEC["components"]["schemas"]["Receipt"]["properties"]["receipt"]
    assert receipt["pattern"] == layout.RECEIPT_RE.pattern


def test_real_answers_match_the_schemas(backend_config: Any) -> None:
    cfg, store = backend_config
    schemas = SPEC["components"]["schemas"]
    with intake_client(cfg, store) as client:
        challenge = json.loads(
            client.http.get("/api/challenge", headers={"Idempotency-Key": "a" * 20}).body
        )
        receipt = json.loads(
            post_tip(
                client,
                envelope.seal(
                    envelope.serialize_tip(envelope.Tip(category="spot", description="x")),
                    cfg.require_recipients(),
                ),
            ).body
        )
        error = json.loads(
            client.http.get("/api/challenge", headers={"Idempotency-Key": "bad"}).body
        )
    for answer, name in ((challenge, "Challenge"), (receipt, "Receipt"), (error, "Error")):
        schema = schemas[name]
        assert set(schema["required"]) <= set(answer), name
        for key, prop in schema["properties"].items():
            if "pattern" in prop:
                assert re.match(prop["pattern"], str(answer[key])), (name, key)


def test_the_form_path_answers_only_pages() -> None:
    """Issue 14: never JSON on the no-JS form path, whatever the refusal."""
    form = SPEC["paths"]["/api/tips/form"]["post"]
    refs = {answer["$ref"] for answer in form["responses"].values()}
    assert refs == {"#/components/responses/Page"}
    (lang,) = form["parameters"]
    assert (lang["name"], lang["in"]) == ("lang", "query")
