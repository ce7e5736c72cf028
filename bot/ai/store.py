"""Drafts, pending confirmations and scheduled posts in Redis, as JSON under bot.store.keys."""

from __future__ import annotations

from typing import TypeVar

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.exceptions import RedisError

from bot.ai import draft_ids
from bot.ai.model import Draft, PendingSchedule, ScheduledPost
from bot.escalations.model import Actor
from bot.store import keys
from bot.store.errors import StoreUnavailable

M = TypeVar("M", bound=BaseModel)

DRAFT_TTL_S = 7 * 86400  # a draft nobody used is forgotten after a week
PENDING_TTL_S = 86400  # a Confirm button older than a day no longer works
POST_KEEP_S = 7 * 86400  # a scheduled post is listed until a week after its time
INDEX_TTL_S = 130 * 86400 + POST_KEEP_S  # longer than any post can be scheduled ahead
ISSUED_TTL_S = 90 * 86400  # a short id is remembered this long: "expired", not "unknown"
_ID_TRIES = 8  # draws of a 4-character id before a longer one


def _delivered(draft_id: str) -> str:
    return keys.AI_DRAFT_PREFIX + draft_id + ":delivered"


def _claimed(draft_id: str) -> str:
    return keys.AI_DRAFT_PREFIX + draft_id + ":claimed"


def _user(actor: Actor) -> str:
    return keys.AI_SCHEDULED_BY_USER_PREFIX + f"{actor.platform}:{actor.user_id}"


class AiStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def _get(self, key: str, model: type[M]) -> M | None:
        try:
            raw = await self._redis.get(key)
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not read {key}: {e}") from e
        return None if raw is None else model.model_validate_json(raw)

    async def _put(self, key: str, value: BaseModel, ttl_s: int) -> None:
        try:
            await self._redis.set(key, value.model_dump_json(), ex=max(ttl_s, 1))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not write {key}: {e}") from e

    async def get_draft(self, draft_id: str) -> Draft | None:
        return await self._get(keys.AI_DRAFT_PREFIX + draft_id, Draft)

    async def put_draft(self, draft: Draft) -> None:
        await self._put(keys.AI_DRAFT_PREFIX + draft.id, draft, DRAFT_TTL_S)

    async def mark_delivered(self, draft_id: str) -> None:
        """Remember that the requester has the draft, apart from the draft itself, so this
        write can never undo a Discard or Regenerate pressed in between."""
        try:
            await self._redis.set(_delivered(draft_id), "1", ex=DRAFT_TTL_S)
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not mark draft {draft_id} delivered: {e}") from e

    async def was_delivered(self, draft_id: str) -> bool:
        try:
            return bool(await self._redis.exists(_delivered(draft_id)))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not read draft {draft_id}: {e}") from e

    async def claim_draft(self, draft_id: str) -> bool:
        """True for the first of Use it / Regenerate / Discard pressed on a draft, False after."""
        try:
            return bool(await self._redis.set(_claimed(draft_id), "1", nx=True, ex=DRAFT_TTL_S))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not claim draft {draft_id}: {e}") from e

    async def release_draft(self, draft_id: str) -> None:
        """Let the draft's buttons work again (the platform refused to schedule it)."""
        try:
            await self._redis.delete(_claimed(draft_id))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not release draft {draft_id}: {e}") from e

    async def get_pending(self, pending_id: str) -> PendingSchedule | None:
        return await self._get(keys.AI_PENDING_PREFIX + pending_id, PendingSchedule)

    async def put_pending(self, pending: PendingSchedule) -> None:
        await self._put(keys.AI_PENDING_PREFIX + pending.id, pending, PENDING_TTL_S)

    async def take_pending(self, pending_id: str) -> PendingSchedule | None:
        """Read and delete in one step, so a double click schedules the post once."""
        try:
            raw = await self._redis.getdel(keys.AI_PENDING_PREFIX + pending_id)
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not take pending schedule {pending_id}: {e}") from e
        return None if raw is None else PendingSchedule.model_validate_json(raw)

    async def get_post(self, post_id: str) -> ScheduledPost | None:
        return await self._get(keys.AI_SCHEDULED_PREFIX + post_id, ScheduledPost)

    async def put_post(self, post: ScheduledPost, *, now: float) -> None:
        ttl = int(post.plan.post_at - now) + POST_KEEP_S
        await self._put(keys.AI_SCHEDULED_PREFIX + post.id, post, ttl)
        try:
            await self._redis.zadd(_user(post.requester), {post.id: post.plan.post_at})
            await self._redis.expire(_user(post.requester), INDEX_TTL_S)
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not index scheduled post {post.id}: {e}") from e

    async def posts_of(self, actor: Actor, *, after: float) -> list[ScheduledPost]:
        """The requester's posts due after ``after``, soonest first."""
        try:
            ids = await self._redis.zrangebyscore(_user(actor), after, "+inf")
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not list scheduled posts: {e}") from e
        posts = [await self.get_post(str(i)) for i in ids]
        return [p for p in posts if p is not None]

    # --- short draft ids (issue 15) -----------------------------------------------------------

    async def issue_draft_id(self, actor: Actor) -> str:
        """A short id nobody was given in the last 90 days, reserved for ``actor``'s draft."""
        try:
            for attempt in range(_ID_TRIES + 4):
                draft_id = draft_ids.new_id(draft_ids.LENGTH + attempt // _ID_TRIES)
                key = keys.AI_DRAFT_ISSUED_PREFIX + draft_id
                if await self._redis.set(key, _owner(actor), nx=True, ex=ISSUED_TTL_S):
                    await self._redis.zadd(_drafts_of(actor), {draft_id: 0})
                    await self._redis.expire(_drafts_of(actor), ISSUED_TTL_S)
                    return draft_id
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not reserve a draft id: {e}") from e
        raise StoreUnavailable("no free draft id")  # pragma: no cover - a million are free

    async def drafts_starting(self, actor: Actor, start: str) -> list[str]:
        """``actor``'s draft ids (issued in the last 90 days) that start with ``start``."""
        try:
            found = await self._redis.zrangebylex(_drafts_of(actor), f"[{start}", f"[{start}\xff")
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not look up draft ids: {e}") from e
        return [i.decode() if isinstance(i, bytes) else str(i) for i in found]

    async def was_issued(self, draft_id: str) -> bool:
        try:
            return bool(await self._redis.exists(keys.AI_DRAFT_ISSUED_PREFIX + draft_id))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not look up draft {draft_id}: {e}") from e


def _owner(actor: Actor) -> str:
    return f"{actor.platform}:{actor.user_id}"


def _drafts_of(actor: Actor) -> str:
    return keys.AI_DRAFTS_BY_USER_PREFIX + _owner(actor)
