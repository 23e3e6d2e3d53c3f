"""The SAM transform CloudFormation will apply, run offline with aws-sam-translator.

The main template uses `AWS::Serverless-2016-10-31` (Chalice's output), which
CloudFormation expands at deploy time. cfn-lint checks the SAM resources as
written; translating them here too (with AWS's own translator library) lets
cfn-lint check what CloudFormation will really create (the API stage with its
throttling, the usage plan bound to that stage...) and turns a SAM error into
a build error instead of a failed deployment. No network, no credentials.
"""

from __future__ import annotations

import copy
from typing import Any

from .api import FUNCTION


def translate(template: dict[str, Any], region: str, code_uri: str) -> dict[str, Any]:
    """`template` as CloudFormation will see it after the transform (a new dict).

    `code_uri` stands for the S3 address `aws cloudformation package` will write.
    """
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException  # type: ignore[import-untyped]
    from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
    from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

    sam = copy.deepcopy(template)
    sam["Resources"][FUNCTION]["Properties"]["CodeUri"] = code_uri
    # A session only for the region's pseudo parameters: no call is made.
    session = boto3.session.Session(region_name=region)
    translator = Translator(None, Parser(), boto_session=session)
    try:
        result: dict[str, Any] = translator.translate(
            sam, parameter_values={}, get_managed_policy_map=dict
        )
    except InvalidDocumentException as exc:
        causes = "; ".join(str(cause) for cause in exc.causes)
        raise ValueError(f"SAM transform refused the template: {causes}") from None
    return result
