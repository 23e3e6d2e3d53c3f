"""The quick exit: where it leads, and the one script the intake's own pages run.

The site's pages get the quick exit from `overrides/main.html` and
`assets/vigie.js`; the intake's HTML answers (the no-JavaScript receipt and
refusal pages) are self-contained, so they carry a plain link (works without
JavaScript) and this small inline script, allowed by its hash in `HTML_CSP`
(vigie.core.http) and nothing else: Escape pressed twice within 1.5 s, or the
link, empties the page and replaces it with a neutral site, so that Back does
not land on Vigie.
"""

from __future__ import annotations

import base64
import hashlib
import json

# A busy, neutral, French public site that raises no eyebrow if someone looks
# at the screen or the tab title.
QUICK_EXIT_URL = "https://meteofrance.com/"

SCRIPT = (
    "(function(){var u=" + json.dumps(QUICK_EXIT_URL) + ",t=0;"
    "function go(e){if(e)e.preventDefault();try{document.title='';"
    "document.documentElement.innerHTML='';}catch(x){}location.replace(u);}"
    "var a=document.getElementById('vigie-exit');if(a)a.addEventListener('click',go);"
    "document.addEventListener('keydown',function(e){if(e.key!=='Escape')return;"
    "var n=Date.now();if(n-t<1500)go(e);t=n;});})();"
)
SCRIPT_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode() + "'"
