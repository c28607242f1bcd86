"""Inline mode: up to 10 answer articles with stable ids and a cache time; starter facts for an empty query."""

from __future__ import annotations

from typing import Any

from .botapi import BotAPIStandIn, user, wait_until

ANN = user()


async def inline(api: BotAPIStandIn, query: str) -> dict[str, Any]:
    query_id = api.inline(ANN, query)
    return dict(await wait_until(lambda: api.inline_answers.get(query_id), what="answerInlineQuery"))


async def test_inline_query_returns_answer_articles_with_stable_ids(api: BotAPIStandIn, bot: Any) -> None:
    first, again = await inline(api, "what is comkfor"), await inline(api, "what is comkfor")
    results = first["results"]
    assert 1 <= len(results) <= 10 and results[0]["id"] == "kfor.comkfor"
    assert [r["id"] for r in results] == [r["id"] for r in again["results"]]
    assert first["cache_time"] == 300
    content = results[0]["input_message_content"]
    assert content["parse_mode"] == "HTML" and "<blockquote>" in content["message_text"]
    assert results[0]["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("?start=f_kfor__comkfor")


async def test_empty_inline_query_shows_starter_facts(api: BotAPIStandIn, bot: Any, engine: Any) -> None:
    answer = await inline(api, "")
    assert [r["id"] for r in answer["results"]] == [f.id for f in engine.starter_facts(5)]
