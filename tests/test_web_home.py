"""The web app factory and its home page on the built graph."""

from __future__ import annotations


def test_home_lists_the_statement_and_the_graph_size(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Yashar Aliyev" in html and "Azerbaijan" in html and "2021-05-25" in html
    assert "3 named graphs" in html
    assert "according to" in html
