"""The Content-Security-Policy of the HTML pages: everything from this site, no inline script.

No page runs an inline script (the home page's editor and query form run from /static, and its two
<script type="application/json"> blocks are data, which a policy does not govern) nor carries an
inline style; the figures are inline SVG without scripts, coloured by presentation attributes.
So every page gets the strict policy. The home page adds the hashes of the two <style> elements
YASGUI's table inserts (kg.web.ui), the only inline styles the site allows.
"""

from flask import Response

HEADER = "Content-Security-Policy"


def policy(style_hashes: tuple[str, ...] = ()) -> str:
    """The policy, allowing the inline styles whose hashes are given ('sha256-…')."""
    styles = " ".join(("'self'", *style_hashes))
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {styles}; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


PAGE_POLICY = policy()


def add_page_policy(response: Response) -> Response:
    """After a request: an HTML answer without a policy of its own gets the strict one."""
    if response.mimetype == "text/html" and HEADER not in response.headers:
        response.headers[HEADER] = PAGE_POLICY
    return response
