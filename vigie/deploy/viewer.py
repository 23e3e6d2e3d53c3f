"""What a visitor's browser gets from CloudFront: the response headers and directory pages.

`headers_policy_config` turns a header mapping (from the one owner,
`vigie.core.http` / `vigie.site.values.security_headers`) into a CloudFront
response-headers policy, refusing any value CloudFront could not send as is.
`INDEX_FUNCTION_CODE` is the CloudFront Function that serves `/page/` from
`/page/index.html` and redirects `/page` to `/page/` (query kept), as
`vigie serve` does (`vigie/static.py`); `tests/test_deploy.py` runs it in Node.
"""

from __future__ import annotations

import re
from typing import Any

# CloudFront's limit for the CSP value of a response-headers policy.
CSP_MAX = 1783
_HSTS_RE = re.compile(r"max-age=(\d+)((?:; includeSubDomains)?)((?:; preload)?)")

INDEX_FUNCTION_CODE = r"""
// Vigie: /page/ -> /page/index.html; /page -> 301 /page/ (query kept), like `vigie serve`.
function query(qs) {
  var parts = [];
  for (var name in qs) {
    var entry = qs[name];
    var values = entry.multiValue ? entry.multiValue : [entry];
    for (var i = 0; i < values.length; i++) {
      parts.push(values[i].value === '' ? name : name + '=' + values[i].value);
    }
  }
  return parts.length ? '?' + parts.join('&') : '';
}

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  // Never redirect to "//host" or "/\host": browsers read both as another site.
  if (last.indexOf('.') === -1 && uri.indexOf('//') !== 0 && uri.indexOf('\\') === -1) {
    return {
      statusCode: 301,
      statusDescription: 'Moved Permanently',
      headers: { location: { value: uri + '/' + query(request.querystring) } }
    };
  }
  return request;
}
"""


def headers_policy_config(name: str, headers: dict[str, str], override: bool) -> dict[str, Any]:
    """A CloudFront ResponseHeadersPolicyConfig carrying exactly `headers`.

    The headers CloudFront models as "security headers" go there (it refuses
    them as custom headers); the rest are custom headers. A value CloudFront
    cannot express raises ValueError rather than being silently changed.
    """
    security: dict[str, Any] = {}
    custom: list[dict[str, Any]] = []
    for header, value in headers.items():
        key = header.lower()
        if key == "content-security-policy":
            if len(value) > CSP_MAX:
                raise ValueError(f"{header}: longer than CloudFront's {CSP_MAX} characters")
            security["ContentSecurityPolicy"] = {
                "ContentSecurityPolicy": value,
                "Override": override,
            }
        elif key == "x-content-type-options":
            if value != "nosniff":
                raise ValueError(f"{header}: {value!r}")
            security["ContentTypeOptions"] = {"Override": override}
        elif key == "x-frame-options":
            if value not in ("DENY", "SAMEORIGIN"):
                raise ValueError(f"{header}: {value!r}")
            security["FrameOptions"] = {"FrameOption": value, "Override": override}
        elif key == "referrer-policy":
            security["ReferrerPolicy"] = {"ReferrerPolicy": value, "Override": override}
        elif key == "strict-transport-security":
            match = _HSTS_RE.fullmatch(value)
            if not match:
                raise ValueError(f"{header}: {value!r}")
            security["StrictTransportSecurity"] = {
                "AccessControlMaxAgeSec": int(match.group(1)),
                "IncludeSubdomains": bool(match.group(2)),
                "Preload": bool(match.group(3)),
                "Override": override,
            }
        else:
            custom.append({"Header": header, "Value": value, "Override": override})
    config: dict[str, Any] = {"Name": name, "SecurityHeadersConfig": security}
    if custom:
        config["CustomHeadersConfig"] = {"Items": custom}
    return config
