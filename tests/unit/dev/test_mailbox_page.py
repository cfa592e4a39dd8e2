"""The dev mailbox page: what a browser gets, escaped, newest first; what a script gets."""
from __future__ import annotations

import pytest

from videoflix_tools.dev.mailbox_page import linkify, mailbox_page, wants_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept, query, html", [
    (BROWSER, "", True), ("*/*", "", False), ("", "", False), ("application/json", "", False),
    (BROWSER, "format=json", False), ("*/*", "format=html", True),
    ("application/json, text/html;q=0.5", "", False), ("text/html;q=0", "", False),
])
def test_html_only_for_who_asks_for_it(accept, query, html):
    assert wants_html([("Accept", accept)] if accept else [], query) is html


def test_links_are_clickable_and_everything_else_is_escaped():
    text = "Hi <script>alert(1)</script>, open http://127.0.0.1:5500/activate.html?uid=MQ&token=a-b.\n"
    assert linkify(text) == ('Hi &lt;script&gt;alert(1)&lt;/script&gt;, open <a href="http://127.0.0.1:5500/'
                             'activate.html?uid=MQ&amp;token=a-b">http://127.0.0.1:5500/activate.html?uid=MQ'
                             '&amp;token=a-b</a>.\n')


def test_the_page_lists_the_newest_first_and_sandboxes_the_html_part():
    emails = [{"to": ["old@example.com"], "subject": "Old", "text": "first", "html": "", "sent_at": "2024-01-01"},
              {"to": ["new@example.com"], "subject": "New <b>", "text": "", "sent_at": "2024-01-02",
               "html": '<p>Go <a href="http://x.test/a?b=1&amp;c=2">here</a></p><script>alert(1)</script>'}]
    page = mailbox_page(emails)
    assert page.index("New &lt;b&gt;") < page.index("Old")
    assert "<script>" not in page and "<iframe sandbox" in page
    assert '<a href="http://x.test/a?b=1&amp;c=2">' in page
    assert "No emails yet" in mailbox_page([])
