"""
Tests of the inbox page and its stylesheet.
"""

import httpx

from tests.callback_receiver.signing import event_body, post_callback


def test_show_inbox_escapes_japanese_description(client: httpx.Client) -> None:
    """The page shows Japanese text as is and escapes markup in it."""
    body = event_body("山田花子様 <script>alert('請求')</script>")
    post_callback(client, "inv_42", body, webhook_id="msg_page").raise_for_status()

    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert (
        "山田花子様 &lt;script&gt;alert(&#39;請求&#39;)&lt;/script&gt;" in response.text
    )
    assert "<script>" not in response.text
    assert "msg_page" in response.text


def test_show_inbox_refreshes_itself(client: httpx.Client) -> None:
    """The page asks the browser to reload every 2 s and links its stylesheet."""
    page = client.get("/").text
    stylesheet = client.get("/static/inbox.css")

    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<meta charset="utf-8">' in page
    assert "/static/inbox.css" in page
    assert "No callbacks yet" in page
    assert stylesheet.status_code == 200
    assert stylesheet.headers["content-type"].startswith("text/css")


def test_show_inbox_filtered_by_invoice(client: httpx.Client) -> None:
    """`?invoice_id=` shows only that invoice's callbacks."""
    post_callback(client, "inv_a", event_body("first"), "msg_a").raise_for_status()
    post_callback(client, "inv_b", event_body("second"), "msg_b").raise_for_status()

    page = client.get("/", params={"invoice_id": "inv_a"}).text

    assert "msg_a" in page
    assert "msg_b" not in page


def test_show_inbox_shows_bidi_controls_escaped(client: httpx.Client) -> None:
    """A right-to-left override in a description is shown as \\u202e, not obeyed."""
    body = event_body("Invoice 1 paid: \u202e00.001")
    post_callback(client, "inv_42", body, webhook_id="msg_bidi").raise_for_status()

    page = client.get("/").text

    assert "Invoice 1 paid: \\u202e00.001" in page
    assert "\u202e" not in page
