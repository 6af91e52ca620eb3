"""Searching the Hub for GGUF repositories: query, author, sort orders, what a result shows."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs

import pytest

from desktop_llm.hub import HubClient
from tests.fake_hub import FakeHub
from tests.hub.sample_repos import (
    BY_DOWNLOADS,
    BY_LIKES,
    BY_UPDATED,
    GATED,
    NOT_GGUF,
    PRIVATE,
    QUANTS,
    SMOL,
    SPLIT,
)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("downloads", BY_DOWNLOADS), ("likes", BY_LIKES), ("updated", BY_UPDATED)],
)
def test_each_sort_order_ranks_the_results(
    client: HubClient, sort: str, expected: list[str]
) -> None:
    results = client.search("", sort=sort)  # type: ignore[arg-type]
    assert [r.repo_id for r in results] == expected


def test_only_public_gguf_repositories_are_found(client: HubClient) -> None:
    found = {r.repo_id for r in client.search("")}
    assert NOT_GGUF not in found  # the most downloaded repo, but it has no GGUF files
    assert PRIVATE not in found  # needs a token
    assert found == {SMOL, QUANTS, SPLIT, GATED}


def test_a_private_repository_is_found_with_the_token(token_client: HubClient) -> None:
    assert PRIVATE in {r.repo_id for r in token_client.search("secret")}


def test_the_query_matches_part_of_the_id_whatever_the_case(client: HubClient) -> None:
    assert [r.repo_id for r in client.search("smollm2")] == [SMOL]
    assert [r.repo_id for r in client.search("  70b ")] == [SPLIT]
    assert client.search("no-such-model") == []


def test_the_author_filter_keeps_one_owner(client: HubClient) -> None:
    results = client.search("", author="test-org", sort="likes")
    assert [r.repo_id for r in results] == [QUANTS, SPLIT]


def test_limit_caps_the_number_of_results(client: HubClient) -> None:
    assert [r.repo_id for r in client.search("", limit=2)] == BY_DOWNLOADS[:2]
    with pytest.raises(ValueError):
        client.search("", limit=0)


def test_a_result_carries_what_the_list_shows(client: HubClient) -> None:
    (result,) = client.search("SmolLM2")
    assert result.repo_id == SMOL
    assert result.author == "desktop-llm-test"
    assert result.downloads == 12_000
    assert result.likes == 30
    assert result.last_modified == datetime(2024, 11, 1, tzinfo=timezone.utc)
    assert result.license == "apache-2.0"
    assert result.gated is False
    assert result.parameter_count == 134_515_008
    assert result.architecture == "llama"
    assert result.context_length == 8192
    assert "gguf" in result.tags


def test_gated_repositories_are_marked(client: HubClient) -> None:
    gated = {r.repo_id: r.gated for r in client.search("")}
    assert gated == {SMOL: False, QUANTS: False, SPLIT: False, GATED: True}
    (result,) = client.search("gated")
    assert (result.license, result.architecture) == ("gemma", "gemma3")


def test_the_search_asks_the_hub_for_gguf_repositories_and_only_the_fields_shown(
    client: HubClient, fake_hub: FakeHub
) -> None:
    client.search("llama", sort="updated", author="someone", limit=7)
    (request,) = [r for r in fake_hub.requests if r.path == "/api/models"]
    query = parse_qs(request.query)
    assert query["filter"] == ["gguf"]
    assert query["sort"] == ["lastModified"]
    assert query["search"] == ["llama"]
    assert query["author"] == ["someone"]
    assert query["limit"] == ["7"]
    assert "gguf" in query["expand"] and "gated" in query["expand"]
    assert request.authorization is None  # no token configured: none sent, not even a saved one


def test_the_token_is_sent_when_there_is_one(token_client: HubClient, fake_hub: FakeHub) -> None:
    token_client.search("")
    assert fake_hub.requests[-1].authorization == f"Bearer {fake_hub.token}"
