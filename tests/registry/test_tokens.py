"""API token requests: a bad name is named by what is wrong with it, before any user is looked up."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from myoscope.errors import Problem
from myoscope.registry.limits import max_length
from myoscope.registry.models import ApiToken
from myoscope.registry.tokens import TokenInputError, create_token

LIMIT = max_length(ApiToken.name)


@pytest.mark.parametrize(("name", "said"), [
    (" ", "required: what the token is for"),
    # a name one character too long was "required: what the token is for, at most 100 characters"
    ("n" * ((LIMIT or 0) + 1), f"{(LIMIT or 0) + 1} characters; at most {LIMIT} are stored"),
    # PostgreSQL refuses a NUL byte at the INSERT; SQLite stored it
    ("ci\x00", "contains a NUL byte (not allowed in stored text)"),
])
def test_a_bad_token_name_is_named_by_what_is_wrong(factory: sessionmaker[Session], name: str,
                                                    said: str) -> None:
    with factory() as s, pytest.raises(TokenInputError) as bad:
        create_token(s, username="nobody", name=name, actor="t")
    assert bad.value.problems == [Problem("name", said)]
